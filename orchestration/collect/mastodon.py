"""Mastodon through `Mastodon.py`: the hashtag timeline of each instance the chat names,
paged backwards with `max_id` down to a `since_id` (both from times: Mastodon ids are
snowflakes of their creation time), the contexts of the statuses the chat's replies
answer, so a reply without the hashtag is still there, and each poll of a chat status once
it has closed (`GET /api/v1/polls/:id`), so its final votes are the copy retrieved last.

Files are the response bodies exactly as received (status arrays and contexts), which the
`mastodon` reader reads. Hashtag timelines carry no boosts:
reblogs of chat statuses are not collected. An access token per instance may be given in the
environment (MASTODON_TOKEN_<HOST>, the host upper-cased with non-letters as `_`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlparse

from orchestration.collect.polite import USER_AGENT, Politeness, Refused, Reply, Retryable
from orchestration.settings import environment_value

PLATFORM = "mastodon"
ENV_INSTANCE = "TWEETCHAT_MASTODON_INSTANCE"
PAGE_SIZE = 40
# A version given up front saves the SDK asking the instance for it.
ASSUMED_VERSION = "4.3.0"


def token_variable(instance: str) -> str:
    return "MASTODON_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", urlparse(instance).netloc.upper())


class MastodonSource:
    platform = PLATFORM

    def __init__(self, polite: Politeness, timeout: float = 30.0):
        self.polite = polite
        self.timeout = timeout
        self._clients: dict[str, tuple] = {}

    def prepare(self) -> None:
        """Nothing to do: public hashtag timelines need no login."""

    def queries(self, chat, instances: list[str]) -> list[str]:
        """One query an instance and hashtag: "<instance URL> #tag"."""
        return [f"{instance.rstrip('/')} {tag}" for instance in instances for tag in chat.hashtags]

    def page(self, query: str, floor: str, ceiling: str, cursor: str | None):
        """One hashtag-timeline page, newest first: (reply, statuses, next max_id or None)."""
        instance, tag = query.split(" ", 1)
        reply = self.get(
            instance,
            f"timeline #{tag.lstrip('#')}",
            "timeline_hashtag",
            tag.lstrip("#"),
            max_id=cursor or _moment(ceiling),
            since_id=_moment(floor),
            limit=PAGE_SIZE,
        )
        statuses = reply.document if isinstance(reply.document, list) else []
        return reply, statuses, str(statuses[-1]["id"]) if statuses else None

    def follow_up(self, collector, new_posts: list[tuple[str, dict]]) -> None:
        """The context of each status a new reply answers (fetched again as replies come),
        then the polls of chat statuses that have closed since, with their final votes."""
        self._contexts(collector, new_posts)
        for query, status in new_posts:
            poll = status.get("poll")
            if isinstance(poll, dict) and poll.get("id") and not poll.get("expired"):
                instance = query.split(" ", 1)[0]
                collector.state.polls[f"{instance} {poll['id']}"] = poll.get("expires_at") or ""
        for key, expires_at in sorted(collector.state.polls.items()):
            if expires_at and _moment(expires_at) > _moment(collector.moment_iso):
                continue  # still open: its votes come with the statuses until then
            instance, poll_id = key.split(" ", 1)
            reply = self.get(instance, f"poll {poll_id}", "poll", poll_id)
            collector.save("poll", reply.body, 0)
            del collector.state.polls[key]

    def pending(self, state) -> bool:
        """Whether polls still wait for their final votes (the chat is not complete yet)."""
        return bool(state.polls)

    def _contexts(self, collector, new_posts: list[tuple[str, dict]]) -> None:
        for query, status in new_posts:
            parent = status.get("in_reply_to_id")
            instance = query.split(" ", 1)[0]
            key = f"{instance} {parent}"
            if not parent or collector.state.threads.get(key) == collector.moment_iso:
                continue
            reply = self.get(instance, f"context of {parent}", "status_context", parent)
            statuses = len(reply.document.get("ancestors") or []) + len(
                reply.document.get("descendants") or []
            )
            collector.save("context", reply.body, statuses)
            collector.state.threads[key] = collector.moment_iso

    def get(self, instance: str, describe: str, method: str, *args, **kwargs) -> Reply:
        """`client.<method>(*args, **kwargs)` through the politeness rules; its raw body."""
        client, responses = self._client_and_log(instance)

        def request() -> Reply:
            from mastodon import (
                MastodonNetworkError,
                MastodonRatelimitError,
                MastodonServerError,
            )
            from mastodon.errors import MastodonError

            responses.clear()
            try:
                getattr(client, method)(*args, **kwargs)
                body = responses[-1].content
            except (MastodonRatelimitError, MastodonServerError, MastodonNetworkError) as error:
                last = responses[-1] if responses else None
                status = getattr(last, "status_code", None)
                headers = dict(last.headers) if last is not None else {}
                raise Retryable(f"{type(error).__name__}: {error}", status, headers) from error
            except MastodonError as error:
                raise Refused(f"{type(error).__name__}: {error}") from error
            except Exception as error:  # requests' own errors when reading a cut body
                raise Retryable(f"network error: {error!r}") from error
            headers = {k.lower(): v for k, v in responses[-1].headers.items()}
            try:
                return Reply(json.loads(body), body, headers)
            except ValueError as error:
                raise Refused(f"{describe}: the answer is not JSON ({body[:200]!r})") from error

        host = urlparse(instance).netloc
        return self.polite.call(host, f"Mastodon {host} {describe}", request)

    def _client_and_log(self, instance: str):
        """One Mastodon.py client an instance, with a log of its raw HTTP responses."""
        if instance not in self._clients:
            import requests
            from mastodon import Mastodon

            responses: list = []
            session = requests.Session()
            session.hooks["response"].append(lambda response, **_: responses.append(response))
            client = Mastodon(
                api_base_url=instance,
                access_token=environment_value(token_variable(instance)),
                # Rate limits and retries are ours (polite.py): the SDK only reports them.
                ratelimit_method="throw",
                request_timeout=self.timeout,
                mastodon_version=ASSUMED_VERSION,
                session=session,
                user_agent=USER_AGENT,
            )
            self._clients[instance] = (client, responses)
        return self._clients[instance]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
