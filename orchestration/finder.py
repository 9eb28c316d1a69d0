"""The chat finder: proposes a chat registry from a folder of exports.

A tweetchat leaves a mark in any export: an hour in which its hashtag is used far more than
around it, a host who posts `Q1`, `Q2`... and answers tagged `A1`, `A2`... The finder loads
the exports through the same readers as ingest (every format works), lets DuckDB count the
posts per hashtag and hour, and turns each burst into a chat: its hashtags, its likely host,
its start (the first question's time, rounded down to the quarter hour as people schedule),
its questions and a title. The result is a `chats.yaml` that `tweetchat run` accepts as it is.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import yaml

from orchestration.ingest import export_files, load_directory
from orchestration.registry import RegistryError, load_registry

# A burst hour has at least this many posts of the hashtag ...
DEFAULT_MIN_POSTS = 20
# ... and at least this many times the hashtag's background rate (posts per hour over the
# whole span of the exports, quiet hours included).
DEFAULT_FACTOR = 8.0
# A later burst of the same hashtag this close is the chat's tail, not another chat.
TAIL_HOURS = timedelta(hours=12)
# A question tag at the start of an original: "Q1", "Q1.", "Q2a:", "@someone Q3 -".
QUESTION_TAG = r"^\s*(?:[@.][A-Za-z0-9_]+\s+)*[Qq]\s?([0-9]+[a-z]?)\b[\s.:)\-–—]*"


class FinderError(ValueError):
    """Nothing could be proposed; the message says why and what to do."""


@dataclass
class FoundChat:
    """A proposed registry entry and why it was proposed."""

    id: str
    title: str
    hashtags: list[str]
    hosts: list[str]
    timezone: str
    starts_local: datetime
    questions: list[tuple[str, str]]
    polls: int
    posts_in_hour: int
    background_per_hour: float
    host_reason: str
    notes: list[str] = field(default_factory=list)

    def entry(self) -> dict:
        """The registry entry (metrics.md section 1)."""
        entry: dict = {
            "id": self.id,
            "title": self.title,
            "hashtags": self.hashtags,
            "hosts": self.hosts,
            "starts": self.starts_local.strftime("%Y-%m-%dT%H:%M"),
        }
        if self.questions:
            entry["questions"] = [{"id": qid, "text": text} for qid, text in self.questions]
        return entry

    def reason(self) -> str:
        ratio = self.posts_in_hour / max(self.background_per_hour, 0.01)
        lines = [
            f"found: {self.posts_in_hour} posts in the hour from "
            f"{self.starts_local:%Y-%m-%d %H:%M} ({self.timezone}) against a background of "
            f"{self.background_per_hour:.2f} posts an hour ({ratio:,.0f} x); host: "
            f"{self.host_reason}",
        ]
        if self.polls:
            lines.append(f"polls by the host in the hour: {self.polls}")
        lines.extend(self.notes)
        return "\n".join(lines)


def find_chats(
    raw_dir: Path,
    hashtags: list[str] | None = None,
    timezone: str = "UTC",
    min_posts: int = DEFAULT_MIN_POSTS,
    factor: float = DEFAULT_FACTOR,
    log: Callable[[str], None] = lambda message: None,
) -> list[FoundChat]:
    """The chats the exports of `raw_dir` show, in time order."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FinderError(f"{raw_dir}: no such folder; name the folder that holds your exports")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise FinderError(
            f"--timezone {timezone!r} is not a known timezone; use an IANA name such as "
            "Europe/London or America/New_York"
        ) from error
    if not export_files(raw_dir):
        raise FinderError(
            f"{raw_dir}: no export files (.json, .jsonl, .ndjson, .csv, .xlsx) found; "
            "put your exports there (subfolders are read too)"
        )
    wanted = sorted({_tag(tag) for tag in hashtags or []})
    with tempfile.TemporaryDirectory(prefix="tweetchat-finder-") as spill, duckdb.connect() as con:
        con.execute(f"set temp_directory = '{spill}'")
        summary = load_directory(con, raw_dir, log=log)
        if summary.posts == 0:
            raise FinderError(
                f"{raw_dir}: no post could be read from {len(summary.unreadable)} file(s) "
                f"({', '.join(summary.unreadable[:3])}); see `tweetchat run` for their errors"
            )
        log(f"{summary.posts} posts read; counting posts per hashtag and hour")
        _stage_posts(con, wanted)
        bursts = _bursts(con, min_posts, factor)
        log(f"{len(bursts)} bursts of hashtag activity")
        found = _describe_all(con, bursts, zone, timezone)
    _name(found)
    return found


def _tag(tag: str) -> str:
    return "#" + tag.strip().lstrip("#").lower()


def _stage_posts(con, wanted: list[str]) -> None:
    """One row per post (the latest copy), with its author's name and lower-case hashtags."""
    con.execute(
        """
        create temp table finder_users as
        select platform, user_id, arg_max(username, retrieved_at) as username
        from raw.users
        group by all
        """
    )
    con.execute(
        r"""
        create temp table finder_posts as
        with posts as (
            select *
            from raw.posts
            where section = 'data' and created_at is not null
            qualify row_number() over (
                partition by platform, post_id order by retrieved_at desc nulls last
            ) = 1
        )
        select
            posts.platform,
            posts.post_id,
            posts.created_at,
            posts.text,
            coalesce(posts.author_username, users.username) as username,
            posts.retweeted_post_id is not null or coalesce(posts.kind = 'retweet', false) as is_retweet,
            posts.reply_to_user_id,
            coalesce(len(posts.poll_ids), 0) > 0 as has_poll,
            list_distinct(list_concat(
                coalesce(list_transform(posts.hashtags, lambda tag: '#' || lower(ltrim(tag, '#'))), []),
                regexp_extract_all(lower(coalesce(posts.text, '')), '#[\p{L}\p{N}_]+')
            )) as tags
        from posts
        left join finder_users as users
            on users.platform = posts.platform and users.user_id = posts.author_id
        order by posts.created_at
        """
    )
    # In time order, so a burst's window reads only the row groups of its hours (DuckDB skips
    # the others by their min/max): 1,000 chats at 1M posts took a minute unsorted.
    con.execute(
        """
        create temp table finder_tags as
        select post_id, platform, created_at, unnest(tags) as tag
        from finder_posts
        order by created_at
        """
    )
    if wanted:
        con.execute("delete from finder_tags where tag not in (select unnest(?))", [wanted])


def _bursts(con, min_posts: int, factor: float) -> list[dict]:
    """Runs of consecutive burst hours, merged across hashtags that burst together."""
    rows = con.execute(
        """
        with hourly as (
            select tag, date_trunc('hour', created_at) as hour, count(*) as posts
            from finder_tags
            group by all
        ),
        span as (
            -- quiet hours count: the rate is over every hour from the first post to the last
            select tag, sum(posts) / (date_diff('hour', min(hour), max(hour)) + 1) as background
            from hourly
            group by tag
        ),
        burst_hours as (
            select hourly.tag, hourly.hour, hourly.posts, span.background
            from hourly
            join span using (tag)
            where hourly.posts >= ? and hourly.posts >= ? * span.background
        ),
        runs as (
            -- consecutive hours share (hour - row number)
            select *, hour - to_hours(
                row_number() over (partition by tag order by hour)
            ) as run_key
            from burst_hours
        )
        select
            tag,
            min(hour) as first_hour,
            max(hour) as last_hour,
            arg_max(hour, posts) as peak_hour,
            max(posts) as peak_posts,
            any_value(background) as background
        from runs
        group by tag, run_key
        order by first_hour, tag
        """,
        [min_posts, factor],
    ).fetchall()
    bursts: list[dict] = []
    for tag, first, last, peak, peak_posts, background in rows:
        # Hashtags that burst together are one chat; so is a later burst of the same hashtag
        # within TAIL_HOURS (the retweets and replies that follow a chat).
        current = next(
            (
                burst
                for burst in reversed(bursts)
                if first <= burst["last_hour"] + timedelta(hours=1)
                or (tag in burst["tags"] and first <= burst["last_hour"] + TAIL_HOURS)
            ),
            None,
        )
        if current is None:
            bursts.append(
                {
                    "tags": [tag],
                    "first_hour": first,
                    "last_hour": last,
                    "peak_hour": peak,
                    "peak_posts": peak_posts,
                    "background": background,
                }
            )
            continue
        if tag not in current["tags"]:
            current["tags"].append(tag)
        current["last_hour"] = max(current["last_hour"], last)
        if peak_posts > current["peak_posts"]:
            current.update(peak_hour=peak, peak_posts=peak_posts, background=background)
    return bursts


def _describe_all(con, bursts: list[dict], zone: ZoneInfo, timezone: str) -> list[FoundChat]:
    """Host, start, questions, title and hashtags of every burst: each a few queries over all
    the bursts' windows at once (a query a burst took a minute for 1,000 chats)."""
    if not bursts:
        return []
    windows = [
        (
            number,
            tag,
            burst["first_hour"] - timedelta(hours=1),
            burst["last_hour"] + timedelta(hours=2),
        )
        for number, burst in enumerate(bursts)
        for tag in burst["tags"]
    ]
    con.execute(
        """
        create or replace temp table finder_bursts as
        select unnest(?) as burst, unnest(?) as tag,
            unnest(?)::timestamp as window_start, unnest(?)::timestamp as window_end
        """,
        [list(column) for column in zip(*windows, strict=True)],
    )
    con.execute(
        """
        create or replace temp table finder_windows as
        select distinct bursts.burst, finder_posts.*
        from finder_bursts as bursts
        join finder_tags
            on finder_tags.tag = bursts.tag
            and finder_tags.created_at >= bursts.window_start
            and finder_tags.created_at < bursts.window_end
        join finder_posts
            on finder_posts.platform = finder_tags.platform
            and finder_posts.post_id = finder_tags.post_id
        order by bursts.burst, finder_posts.created_at
        """
    )
    questions: dict[int, dict[str, list]] = {}
    for burst, username, question_id, asked_at, text, has_poll in con.execute(
        f"""
        select
            burst,
            username,
            upper(regexp_extract(text, '{QUESTION_TAG}', 1)) as question_id,
            min(created_at) as asked_at,
            arg_min(text, created_at) as text,
            bool_or(has_poll) as has_poll
        from finder_windows
        where not is_retweet and username is not null
            and regexp_matches(text, '{QUESTION_TAG}')
        group by all
        """
    ).fetchall():
        questions.setdefault(burst, {}).setdefault(username, []).append(
            (question_id, asked_at, text, has_poll)
        )
    replied_to = _most_replied_to(con)
    described = []
    for number, burst in enumerate(bursts):
        by_host = questions.get(number, {})
        notes = []
        if by_host:
            host, asked = max(by_host.items(), key=lambda item: (len(item[1]), item[0]))
            host_reason = f"@{host} posted {len(asked)} question(s) ({', '.join(q[0] for q in sorted(asked, key=lambda q: q[1]))})"
            asked.sort(key=lambda question: (_question_order(question[0]), question[1]))
            first_asked = min(question[1] for question in asked)
            question_rows = [(question[0].lower(), _clean(question[2])) for question in asked]
        else:
            host, host_reason = replied_to.get(number, (None, NO_HOST))
            first_asked, question_rows = burst["peak_hour"], []
            notes.append("no Q1, Q2... posts in the hour: check the host and the start")
        local = first_asked.replace(tzinfo=UTC).astimezone(zone)
        local = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        described.append((number, host, host_reason, local, question_rows, notes))
    # What depends on the host and the start: the host's polls and first post, the hour's posts.
    con.execute(
        """
        create or replace temp table finder_hosts as
        select unnest(?) as burst, unnest(?)::varchar as host,
            unnest(?)::timestamp as hour_start, unnest(?)::timestamp as hour_end
        """,
        [
            [number for number, *_ in described],
            [host for _, host, *_ in described],
            [local.astimezone(UTC).replace(tzinfo=None) for *_, local, _, _ in described],
            [
                (local + timedelta(hours=1)).astimezone(UTC).replace(tzinfo=None)
                for *_, local, _, _ in described
            ],
        ],
    )
    by_burst = {
        burst: (polls, first_post, hour_posts)
        for burst, polls, first_post, hour_posts in con.execute(
            """
            select
                hosts.burst,
                count(*) filter (where windows.has_poll and windows.username = hosts.host),
                arg_min(windows.text, windows.created_at) filter (
                    where windows.username = hosts.host and not windows.is_retweet
                ),
                count(*) filter (
                    where windows.created_at >= hosts.hour_start
                    and windows.created_at < hosts.hour_end
                )
            from finder_hosts as hosts
            join finder_windows as windows on windows.burst = hosts.burst
            group by hosts.burst
            """
        ).fetchall()
    }
    spellings = _spellings(con)
    found = []
    for number, host, host_reason, local, question_rows, notes in described:
        burst = bursts[number]
        polls, first_post, hour_posts = by_burst.get(number, (0, None, 0))
        title = _title(question_rows[0][1] if question_rows else _clean(first_post))
        found.append(
            FoundChat(
                id="",
                title=title or f"Chat of {local:%Y-%m-%d}",
                hashtags=[spellings.get((number, tag), tag) for tag in burst["tags"]],
                hosts=[host] if host else [],
                timezone=timezone,
                starts_local=local.replace(tzinfo=None),
                questions=question_rows,
                polls=polls,
                posts_in_hour=hour_posts,
                background_per_hour=float(burst["background"]),
                host_reason=host_reason,
                notes=notes,
            )
        )
    return found


NO_HOST = "none found (no question posts and no replies in the hour): add the host"


def _most_replied_to(con) -> dict[int, tuple[str, str]]:
    """Per burst, the account most replied to in its window, and the reason."""
    rows = con.execute(
        """
        with replies as (
            select reply.burst, users.username, count(*) as replies
            from finder_windows as reply
            join finder_users as users
                on users.platform = reply.platform and users.user_id = reply.reply_to_user_id
            where users.username is not null
            group by all
        )
        select burst, username, replies
        from replies
        qualify row_number() over (partition by burst order by replies desc, username) = 1
        """
    ).fetchall()
    return {
        burst: (
            username,
            f"@{username}, the most replied-to account ({replies} repl{'y' if replies == 1 else 'ies'} in the hour)",
        )
        for burst, username, replies in rows
    }


def _title(text: str, limit: int = 100) -> str:
    """The first sentence of the Q1 text (or the host's first post), cut at a word."""
    sentence = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _question_order(question_id: str) -> tuple[int, str]:
    number = re.match(r"\d+", question_id)
    return (int(number.group()) if number else 0, question_id)


def _clean(text: str | None) -> str:
    """A question's or title's text without its tag, links, trailing hashtags and spacing."""
    text = re.sub(QUESTION_TAG, "", text or "")
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"(\s*#[\w]+)+\s*$", "", text.strip())
    return " ".join(text.split())


def _spellings(con) -> dict[tuple[int, str], str]:
    """Per burst and hashtag, the spelling people write most often ('#LeadingQI', not
    '#leadingqi')."""
    rows = con.execute(
        r"""
        with spellings as (
            select burst, unnest(regexp_extract_all(text, '#[\p{L}\p{N}_]+')) as spelling
            from finder_windows
        ),
        counted as (
            select bursts.burst, bursts.tag, spellings.spelling, count(*) as uses
            from spellings
            join finder_bursts as bursts
                on bursts.burst = spellings.burst and bursts.tag = lower(spellings.spelling)
            group by all
        )
        select burst, tag, spelling
        from counted
        qualify row_number() over (partition by burst, tag order by uses desc, spelling) = 1
        """
    ).fetchall()
    return {(burst, tag): spelling for burst, tag, spelling in rows}


def _name(found: list[FoundChat]) -> None:
    """Ids as the registries people write them: hashtag and month, the day where a month has two."""
    for chat in found:
        chat.id = f"{_slug(chat.hashtags[0])}-{chat.starts_local:%Y-%m}"
    taken: dict[str, int] = {}
    for chat in found:
        taken[chat.id] = taken.get(chat.id, 0) + 1
    for chat in found:
        if taken[chat.id] > 1:
            chat.id = f"{_slug(chat.hashtags[0])}-{chat.starts_local:%Y-%m-%d-%H%M}"


def _slug(tag: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-") or "chat"


def registry_text(found: list[FoundChat], timezone: str, existing: Path | None = None) -> str:
    """A registry of the found chats, or `existing`'s text with the new chats appended.

    Chats already in `existing` (the same id, or a shared hashtag and a window that holds the
    found start) are left out, and the text of `existing` is kept as it is, comments included.
    """
    blocks = []
    if existing is not None and existing.exists():
        registry = load_registry(existing)
        text = existing.read_text(encoding="utf-8")
        found = [chat for chat in found if not _registered(chat, registry.chats)]
        indent = re.search(r"^(\s*)- id:", text, flags=re.MULTILINE)
        prefix = indent.group(1) if indent else ""
        if not re.search(r"^chats:", text, flags=re.MULTILINE):
            raise FinderError(f"{existing}: has no top-level 'chats:' list to add to")
        head = text if text.endswith("\n") else text + "\n"
        if re.search(r"^chats:\s*\[\s*\]\s*$", head, flags=re.MULTILINE):
            head = re.sub(r"^chats:\s*\[\s*\]\s*$", "chats:", head, flags=re.MULTILINE)
    else:
        prefix = ""
        head = (
            "# Chats proposed by `tweetchat chats find`: check the hosts, the start times and\n"
            "# the titles, then run `tweetchat run --chats THIS_FILE`.\n"
            f"timezone: {timezone}\n"
            "chats:\n"
        )
    for chat in found:
        comment = "".join(f"{prefix}# {line}\n" for line in chat.reason().splitlines())
        entry = yaml.safe_dump([chat.entry()], sort_keys=False, allow_unicode=True, width=100)
        if chat.timezone != timezone:
            entry = entry.replace("\n  hashtags:", f"\n  timezone: {chat.timezone}\n  hashtags:", 1)
        blocks.append(comment + "".join(f"{prefix}{line}\n" for line in entry.splitlines()))
    return head + "".join(blocks)


def _registered(chat: FoundChat, chats) -> bool:
    tags = {tag.lower() for tag in chat.hashtags}
    for known in chats:
        if known.id == chat.id:
            return True
        starts = chat.starts_local.replace(tzinfo=ZoneInfo(chat.timezone)).astimezone(UTC)
        if known.window_start_utc.tzinfo is None:
            starts = starts.replace(tzinfo=None)
        shared = tags & {tag.lower() for tag in known.hashtags}
        if shared and known.window_start_utc <= starts < known.window_end_utc:
            return True
    return False


def write_registry(found: list[FoundChat], timezone: str, out: Path | None) -> str:
    """The registry text; written to `out` (atomically, checked by the registry loader)."""
    text = registry_text(found, timezone, out)
    if out is None:
        return text
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(text, encoding="utf-8")
    try:
        load_registry(partial)
    except RegistryError as error:
        partial.unlink()
        raise FinderError(f"the registry proposed for {out} does not load: {error}") from error
    partial.replace(out)
    return text
