"""`tweetchat collect`: fetch a chat's posts from Bluesky and Mastodon while it happens, into
the raw folder as files the readers read, so the sensor and the scheduled run take it from
there.

For each chat whose window has begun and whose collection is not complete, each platform
pages through the posts carrying the chat's hashtags from where the last call stopped up to
now (or the window's end), one response a file (`store.py`), then fetches what the new posts
point at (threads, contexts, reposts). The state of each chat and platform is saved after
every file, so a call cut short anywhere goes on from there next time. Requests go through
`polite.py`: a cap a call, the servers' rate limits, retries on 5xx and network errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.collect.polite import BudgetSpent, GaveUp, Politeness, Refused
from orchestration.collect.store import ChatState, CollectError, iso, state_path
from orchestration.registry import Chat, Registry
from orchestration.settings import environment_value

PLATFORMS = ("bluesky", "mastodon")
DEFAULT_MASTODON_INSTANCE = "https://mastodon.social"


@dataclass
class ChatReport:
    """What one call collected for one chat on one platform (the CLI and the UI show it)."""

    chat_id: str
    platform: str
    posts: int = 0
    files: int = 0
    requests: int = 0
    last_cursor: str | None = None
    collected_at: str | None = None
    complete: bool = False
    problem: str | None = None  # why collection stopped early, when it did


def open_chats(registry: Registry, now: datetime) -> list[Chat]:
    """Chats whose window contains `now` (naive UTC): the schedule collects only then."""
    return [c for c in registry.chats if c.window_start_utc <= now < c.window_end_utc]


def chats_to_collect(registry: Registry, now: datetime, chat_ids: Iterable[str] = ()) -> list[Chat]:
    """The chats named, else every chat whose window has begun by `now`."""
    chat_ids = list(chat_ids)
    if chat_ids:
        known = {chat.id: chat for chat in registry.chats}
        unknown = [chat_id for chat_id in chat_ids if chat_id not in known]
        if unknown:
            raise CollectError(
                f"{registry.path}: no chat with id {', '.join(map(repr, unknown))}; "
                f"known ids: {', '.join(sorted(known))}"
            )
        return [known[chat_id] for chat_id in chat_ids]
    return [chat for chat in registry.chats if chat.window_start_utc <= now]


class _Collector:
    """The running collection of one chat on one platform."""

    def __init__(self, chat: Chat, platform: str, state: ChatState, raw_dir: Path, now: datetime):
        self.chat, self.platform, self.state, self.raw_dir = chat, platform, state, raw_dir
        self.moment = now
        self.moment_iso = iso(now)
        self.tags = {tag.lower().lstrip("#") for tag in chat.hashtags}
        self.posts = 0
        self.files = 0

    def save(self, endpoint: str, body: bytes, posts: int) -> None:
        self.state.save_response(
            self.raw_dir, self.platform, self.chat.id, endpoint, body, self.moment, posts
        )
        self.posts += posts
        self.files += 1
        self.state.save()


def collect(
    registry: Registry,
    raw_dir: Path,
    state_dir: Path,
    *,
    platforms: Iterable[str] = PLATFORMS,
    chat_ids: Iterable[str] = (),
    mastodon_instance: str | None = None,
    polite: Politeness | None = None,
    now: datetime | None = None,
    sources: dict | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> list[ChatReport]:
    """Collect the chats to collect on each platform; one report a chat and platform.

    A platform that fails (down, refusing, throttling past the wait allowed) is reported
    and the others still collected. Reaching the request cap stops the call cleanly.
    """
    polite = polite or Politeness()
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    default_instance = (
        mastodon_instance
        or environment_value("TWEETCHAT_MASTODON_INSTANCE")
        or DEFAULT_MASTODON_INSTANCE
    )
    sources = sources or {}
    reports: list[ChatReport] = []
    down: dict[str, str] = {}
    for chat in chats_to_collect(registry, now, chat_ids):
        for platform in platforms:
            state = ChatState.load(state_path(state_dir, chat.id, platform))
            report = ChatReport(chat.id, platform, complete=state.complete)
            reports.append(report)
            if state.complete:
                log(f"{chat.id} {platform}: collected to the window's end already")
                continue
            if platform not in sources:
                sources[platform] = _source(platform, polite)
            source = sources[platform]
            instances = list(chat.mastodon_instances) or [default_instance]
            collector = _Collector(chat, platform, state, raw_dir, now)
            before = polite.requests
            try:
                _collect_chat(source, collector, instances, now, down, report)
            except BudgetSpent as stop:
                report.problem = f"stopped: {stop}"
                _finish(report, collector, polite.requests - before)
                log(_describe(report))
                return reports
            _finish(report, collector, polite.requests - before)
            log(_describe(report))
    return reports


def _collect_chat(source, collector: _Collector, instances, now, down, report) -> None:
    chat, state = collector.chat, collector.state
    window_end = iso(min(now, chat.window_end_utc))
    new_posts: list[tuple[str, dict]] = []
    problems = []
    try:
        source.prepare()
    except (GaveUp, Refused) as error:
        report.problem = str(error)
        return
    for query in source.queries(chat, instances):
        host = query.split(" ", 1)[0] if " " in query else getattr(source, "host", "")
        if host in down:
            problems.append(f"{query}: skipped, {down[host]}")
            continue
        progress = state.queries.setdefault(query, {})
        try:
            _page_through(source, collector, query, progress, window_end, new_posts)
        except (GaveUp, Refused) as error:
            down[host] = f"{host} failed earlier in this call"
            problems.append(str(error))
    try:
        source.follow_up(collector, new_posts)
    except (GaveUp, Refused) as error:
        problems.append(str(error))
    done = iso(chat.window_end_utc)
    state.complete = (
        not problems
        and not source.pending(state)
        and all(
            (state.queries.get(q) or {}).get("collected_until", "") >= done
            for q in source.queries(chat, instances)
        )
    )
    state.save()
    if problems:
        report.problem = "; ".join(problems)


def _page_through(source, collector, query, progress, window_end, new_posts) -> None:
    """Pages of one query from where the last call stopped up to `window_end`.

    A pagination cut short by an earlier call ends first, up to the ceiling it had; then a
    new one covers the time since.
    """
    endpoint = "searchPosts" if source.platform == "bluesky" else "timeline"
    while True:
        if progress.get("cursor") is None:
            floor = progress.get("collected_until") or iso(collector.chat.window_start_utc)
            if floor >= window_end:
                return
            progress.update(floor=floor, ceiling=window_end)
        reply, posts, cursor = source.page(
            query, progress["floor"], progress["ceiling"], progress.get("cursor")
        )
        if posts:
            collector.save(endpoint, reply.body, len(posts))
            new_posts.extend((query, post) for post in posts)
        if cursor:
            progress["cursor"] = collector.state.last_cursor = cursor
        else:
            ceiling = progress["ceiling"]
            progress.clear()
            progress["collected_until"] = ceiling
        collector.state.save()


def _finish(report: ChatReport, collector: _Collector, requests: int) -> None:
    state = collector.state
    state.requests += requests
    state.last_collected_at = collector.moment_iso
    state.save()
    report.posts, report.files, report.requests = collector.posts, collector.files, requests
    report.last_cursor = state.last_cursor
    report.collected_at = collector.moment_iso
    report.complete = state.complete


def _describe(report: ChatReport) -> str:
    line = (
        f"{report.chat_id} {report.platform}: {report.posts} posts in {report.files} files, "
        f"{report.requests} requests"
    )
    if report.complete:
        line += ", window complete"
    if report.problem:
        line += f"; {report.problem}"
    return line


def _source(platform: str, polite: Politeness):
    if platform == "bluesky":
        from orchestration.collect.bluesky import BlueskySource

        return BlueskySource(polite)
    if platform == "mastodon":
        from orchestration.collect.mastodon import MastodonSource

        return MastodonSource(polite)
    raise CollectError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}")


__all__ = ["PLATFORMS", "ChatReport", "CollectError", "collect", "chats_to_collect", "open_chats"]
