"""Bluesky through the `atproto` SDK: searchPosts by hashtag over the chat's window, the
threads the chat's replies point into (getPostThread), and who reposted (getRepostedBy).

Without an account the public AppView answers; with BLUESKY_HANDLE and BLUESKY_APP_PASSWORD
in the environment the client logs in (an app password, never the account's own).

Files are the responses as received, which the `bluesky` reader reads, but for reposts:
getRepostedBy names the accounts and never the time of a repost, so its accounts are written
as a getAuthorFeed-shaped document (`feed` items with `reason: reasonRepost`) whose
`indexedAt` is the earliest time the repost can have: the later of the post's own time and
the last time this post's reposters were listed (docs/operations.md: "Watch a chat live").
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlparse

from orchestration.collect.polite import USER_AGENT, Politeness, Refused, Reply, Retryable
from orchestration.settings import environment_value

PLATFORM = "bluesky"
DEFAULT_SERVICE = "https://public.api.bsky.app"
ENV_SERVICE = "TWEETCHAT_BLUESKY_SERVICE"
ENV_HANDLE = "BLUESKY_HANDLE"
ENV_APP_PASSWORD = "BLUESKY_APP_PASSWORD"
REPOST = "app.bsky.feed.defs#reasonRepost"
PAGE_SIZE = 100


class BlueskySource:
    platform = PLATFORM

    def __init__(self, polite: Politeness, service: str | None = None, timeout: float = 30.0):
        from atproto import Client
        from atproto_client.request import Request

        self.service = service or environment_value(ENV_SERVICE) or DEFAULT_SERVICE
        request = Request(timeout=timeout)
        request.add_additional_header("User-Agent", USER_AGENT)
        self.client = Client(base_url=self.service, request=request)
        self.host = urlparse(self.service).netloc
        self.polite = polite
        self._logged_in = False

    def prepare(self) -> None:
        """Log in when BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are set (once a call)."""
        handle, password = environment_value(ENV_HANDLE), environment_value(ENV_APP_PASSWORD)
        if not (handle and password) or self._logged_in:
            return

        def login() -> Reply:
            self._call(lambda: self.client.login(handle, password, fetch_bsky_profile=False))
            return Reply(None, b"", {})

        self.polite.call(self.host, f"Bluesky login as {handle}", login)
        self._logged_in = True

    def pending(self, state) -> bool:
        """Nothing waits after the window on Bluesky (no polls)."""
        return False

    def queries(self, chat, instances: list[str]) -> list[str]:
        return list(chat.hashtags)

    def page(self, query: str, floor: str, ceiling: str, cursor: str | None):
        """One searchPosts page: (reply, posts, next cursor or None)."""
        from atproto import models

        params = models.AppBskyFeedSearchPosts.Params(
            q=query, tag=[query.lstrip("#")], sort="latest", since=floor, until=ceiling,
            limit=PAGE_SIZE, cursor=cursor,
        )  # fmt: skip
        reply = self.get("app.bsky.feed.searchPosts", params, f"searchPosts {query}")
        posts = reply.document.get("posts") or []
        return reply, posts, reply.document.get("cursor") if posts else None

    def follow_up(self, collector, new_posts: list[tuple[str, dict]]) -> None:
        """Threads the new replies point into, then reposts of posts with new reposts."""
        from atproto import models

        new_posts = [post for _, post in new_posts]
        roots = []
        for post in new_posts:
            reply = (post.get("record") or {}).get("reply") or {}
            root = (reply.get("root") or {}).get("uri")
            if root and root not in roots:
                roots.append(root)
        seen = {post["uri"]: post for post in new_posts if post.get("uri")}
        for root in roots:
            params = models.AppBskyFeedGetPostThread.Params(uri=root, depth=1000, parent_height=0)
            try:
                reply = self.get("app.bsky.feed.getPostThread", params, f"getPostThread {root}")
            except Refused as error:
                if error.status not in (400, 404):
                    raise
                # A deleted or hidden thread root: nothing to add, not a failure.
                collector.state.threads[root] = collector.moment_iso
                continue
            thread_posts = _thread_posts(reply.document.get("thread") or {})
            collector.save("getPostThread", reply.body, len(thread_posts))
            collector.state.threads[root] = collector.moment_iso
            for post in thread_posts:
                seen.setdefault(post["uri"], post)
        for post in seen.values():
            if carries_hashtag(post, collector.tags):
                self._reposts(collector, post)

    def _reposts(self, collector, post: dict) -> None:
        from atproto import models

        known = collector.state.reposters.get(post["uri"]) or {"dids": [], "listed_at": None}
        if (post.get("repostCount") or 0) <= len(known["dids"]):
            return
        earliest = max(
            filter(None, [(post.get("record") or {}).get("createdAt"), known["listed_at"]]),
            key=lambda moment: datetime.fromisoformat(moment.replace("Z", "+00:00")),
        )
        cursor, items, dids = None, [], set(known["dids"])
        while True:
            params = models.AppBskyFeedGetRepostedBy.Params(
                uri=post["uri"], cid=post.get("cid"), limit=PAGE_SIZE, cursor=cursor
            )
            reply = self.get("app.bsky.feed.getRepostedBy", params, f"getRepostedBy {post['uri']}")
            for account in reply.document.get("repostedBy") or []:
                if account.get("did") and account["did"] not in dids:
                    dids.add(account["did"])
                    items.append({
                        "post": post,
                        "reason": {"$type": REPOST, "by": account, "indexedAt": earliest},
                    })  # fmt: skip
            cursor = reply.document.get("cursor")
            if not cursor or not reply.document.get("repostedBy"):
                break
        # Recorded only once written, so reposters of a listing cut short are listed again.
        known["dids"] += [item["reason"]["by"]["did"] for item in items]
        known["listed_at"] = collector.moment_iso
        collector.state.reposters[post["uri"]] = known
        if items:
            document = {
                "feed": items,
                "collectedFrom": "app.bsky.feed.getRepostedBy",
                "repostTimes": "lower bound: getRepostedBy gives no repost time",
            }
            collector.save("getRepostedBy", json.dumps(document).encode(), len(items))

    def get(self, nsid: str, params, describe: str) -> Reply:
        def request() -> Reply:
            response = self._call(lambda: self.client.invoke_query(nsid, params=params))
            document = response.content
            if not isinstance(document, dict):
                raise Refused(f"{describe}: the answer is not JSON ({str(document)[:200]!r})")
            return Reply(document, json.dumps(document).encode(), dict(response.headers))

        return self.polite.call(self.host, f"Bluesky {self.host} {describe}", request)

    @staticmethod
    def _call(function):
        """Run an SDK call, turning its errors into Retryable (429, 5xx, network) or Refused."""
        import httpx
        from atproto_client import exceptions

        try:
            return function()
        except exceptions.RequestErrorBase as error:
            response = error.response
            if response is None or response.status_code == 429 or response.status_code >= 500:
                status = None if response is None else response.status_code
                cause = error.__cause__ or error
                raise Retryable(
                    f"HTTP {status}" if status else f"network error: {cause!r}",
                    status,
                    None if response is None else response.headers,
                ) from error
            raise Refused(f"HTTP {response.status_code}: {error}", response.status_code) from error
        except httpx.TransportError as error:
            raise Retryable(f"network error: {error!r}") from error


def _thread_posts(thread: dict) -> list[dict]:
    found, stack = [], [thread]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("post"), dict):
            found.append(node["post"])
        stack.extend(node.get("replies") or [])
        if isinstance(node.get("parent"), dict):
            stack.append(node["parent"])
    return found


def carries_hashtag(post: dict, tags: set[str]) -> bool:
    """Whether a post view carries one of `tags` (lower case, no '#') in its facets, its
    `tags` or its text."""
    record = post.get("record") or {}
    found = {str(tag).lower() for tag in record.get("tags") or []}
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if str(feature.get("$type", "")).endswith("#tag") and feature.get("tag"):
                found.add(str(feature["tag"]).lower())
    text = str(record.get("text") or "").lower()
    return bool(tags & found) or any(f"#{tag}" in text for tag in tags)
