"""Generated Bluesky and Mastodon API responses for the collector tests, and the routes of a
`ReplayServer` that page through them the way the real APIs do (newest first, a cursor or
max_id/since_id), so the collector is tested on a bare clone too.

The chat: #DemoLive on 2025-03-04 from 19:00 UTC, a window of 2 hours. Fictional accounts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.replay_server import Answer

CHATS_YAML = """
timezone: UTC
chats:
  - id: demolive-2025-03
    title: A live demo chat
    hashtags: ["#DemoLive"]
    hosts: [host_demo.bsky.social]
    starts: "2025-03-04T19:00"
    window_hours_after: 2
    mastodon_instances: [{instance}]
"""
CHAT_ID = "demolive-2025-03"
TAG = "DemoLive"


def _at(minute: int) -> str:
    hours, minutes = divmod(minute, 60)
    return f"2025-03-04T{19 + hours:02d}:{minutes:02d}:00.000Z"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# --- Bluesky -------------------------------------------------------------------------------


def bsky_author(handle: str) -> dict:
    return {"did": f"did:plc:{handle.split('.')[0]}", "handle": handle, "displayName": handle}


def bsky_post(rkey: str, handle: str, minute: int, text: str, *, parent=None, root=None,
              reposts=0, likes=0) -> dict:  # fmt: skip
    author = bsky_author(handle)
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _at(minute)}
    data = text.encode()
    facets = []
    start = data.find(b"#")
    while start >= 0:
        end = start + 1
        while end < len(data) and data[end : end + 1].isalnum():
            end += 1
        tag = data[start + 1 : end].decode()
        facets.append({
            "index": {"byteStart": start, "byteEnd": end},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
        })  # fmt: skip
        start = data.find(b"#", end)
    if facets:
        record["facets"] = facets
    if parent:
        record["reply"] = {
            "root": {"uri": root["uri"], "cid": root["cid"]},
            "parent": {"uri": parent["uri"], "cid": parent["cid"]},
        }
    return {
        "uri": f"at://{author['did']}/app.bsky.feed.post/{rkey}",
        "cid": f"bafy{rkey}",
        "author": author,
        "record": record,
        "replyCount": 0,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": 0,
        "indexedAt": _at(minute),
    }


def bluesky_posts() -> tuple[list[dict], dict, dict]:
    """(posts the search finds, threads by root uri, reposters by post uri)."""
    question = bsky_post("q1", "host_demo.bsky.social", 1, "Q1 What helps a team learn? #DemoLive",
                         reposts=2, likes=5)  # fmt: skip
    answers = [
        bsky_post(f"a{n}", f"user{n}_demo.bsky.social", 4 + 3 * n,
                  f"A1 sharing small wins, says user {n} #DemoLive", parent=question,
                  root=question, likes=n)
        for n in range(1, 5)
    ]  # fmt: skip
    # A reply without the hashtag: only its thread brings it in.
    quiet = bsky_post("r1", "user9_demo.bsky.social", 20, "Agreed, and tell the story",
                      parent=answers[0], root=question)  # fmt: skip
    later = [
        bsky_post("l1", "user5_demo.bsky.social", 40, "Late thought on Q1 #DemoLive"),
        bsky_post("l2", "user6_demo.bsky.social", 75, "Thanks all #demolive"),
    ]
    question["replyCount"] = 5
    thread = {
        "$type": "app.bsky.feed.defs#threadViewPost",
        "post": question,
        "replies": [
            {"$type": "app.bsky.feed.defs#threadViewPost", "post": answer,
             "replies": [{"post": quiet, "replies": []}] if answer is answers[0] else []}
            for answer in answers
        ],
    }  # fmt: skip
    reposters = {
        question["uri"]: [
            bsky_author("user7_demo.bsky.social"),
            bsky_author("user8_demo.bsky.social"),
        ]
    }
    return [question, *answers, *later], {question["uri"]: {"thread": thread}}, reposters


def bluesky_routes(posts: list[dict], threads: dict, reposters: dict, page_size: int = 2) -> dict:
    """searchPosts (since/until/cursor over `posts`, whatever the query: `posts` are what
    the search found), getPostThread, getRepostedBy."""

    def search(query, count) -> Answer:
        since = _parse(query["since"][0]) if "since" in query else None
        until = _parse(query["until"][0]) if "until" in query else None
        found = sorted(
            (p for p in posts
             if (since is None or _parse(p["record"]["createdAt"]) >= since)
             and (until is None or _parse(p["record"]["createdAt"]) < until)),
            key=lambda p: p["record"]["createdAt"], reverse=True,
        )  # fmt: skip
        offset = int(query.get("cursor", ["0"])[0])
        page = found[offset : offset + page_size]
        body = {"posts": page, "hitsTotal": len(found)}
        if offset + page_size < len(found):
            body["cursor"] = str(offset + page_size)
        return Answer(200, body, {"ratelimit-limit": "3000", "ratelimit-remaining": "2999",
                                  "ratelimit-reset": "1741118400"})  # fmt: skip

    def thread(query, count) -> Answer:
        uri = query["uri"][0]
        if uri in threads:
            return Answer(200, threads[uri])
        return Answer(400, {"error": "NotFound", "message": f"Post not found: {uri}"})

    def reposted_by(query, count) -> Answer:
        uri = query["uri"][0]
        return Answer(200, {"uri": uri, "repostedBy": reposters.get(uri, [])})

    return {
        "/xrpc/app.bsky.feed.searchPosts": search,
        "/xrpc/app.bsky.feed.getPostThread": thread,
        "/xrpc/app.bsky.feed.getRepostedBy": reposted_by,
    }


# --- Mastodon ------------------------------------------------------------------------------


def snowflake(created_at: str, n: int) -> str:
    return str((int(_parse(created_at).timestamp() * 1000) << 16) + n)


def toot(n: int, user: str, minute: int, html: str, tags: list[str], reply_to=None) -> dict:
    created = _at(minute)
    account = {"id": str(1000 + n), "username": user, "acct": f"{user}@demo.example",
               "display_name": user, "url": f"https://demo.example/@{user}"}  # fmt: skip
    return {
        "id": snowflake(created, n), "created_at": created, "content": html,
        "in_reply_to_id": reply_to["id"] if reply_to else None,
        "in_reply_to_account_id": reply_to["account"]["id"] if reply_to else None,
        "account": account, "tags": [{"name": t, "url": f"https://demo.example/tags/{t}"} for t in tags],
        "mentions": [], "spoiler_text": "", "visibility": "public", "reblog": None,
        "reblogs_count": 1, "favourites_count": n, "replies_count": 0, "uri": f"https://demo.example/s/{n}",
        "url": f"https://demo.example/@{user}/{n}", "poll": None, "card": None,
        "media_attachments": [], "emojis": [], "sensitive": False, "language": "en",
    }  # fmt: skip


def poll(yes: int, no: int, expired: bool) -> dict:
    return {
        "id": "77", "expires_at": _at(60), "expired": expired, "multiple": False,
        "votes_count": yes + no, "voters_count": yes + no,
        "options": [{"title": "yes", "votes_count": yes}, {"title": "no", "votes_count": no}],
        "emojis": [], "voted": False, "own_votes": [],
    }  # fmt: skip


def mastodon_statuses() -> tuple[list[dict], dict]:
    """(statuses of the hashtag timeline, contexts by status id)."""
    question = toot(1, "host_demo", 2, "<p>Q1 What helps? <a class=\"mention hashtag\" href=\"https://demo.example/tags/DemoLive\">#<span>DemoLive</span></a></p>", ["demolive"])  # fmt: skip
    # A poll that closes at 20:00: the status carries its early votes, the poll its final ones.
    question["poll"] = poll(3, 1, expired=False)
    answers = [
        toot(n, f"fedi{n}_demo", 5 + 2 * n, f"<p>A1 answer {n} #DemoLive</p>", ["demolive"],
             reply_to=question)
        for n in range(2, 6)
    ]  # fmt: skip
    quiet = toot(9, "fedi9_demo", 30, "<p>a reply without the tag</p>", [], reply_to=question)
    later = [toot(7, "fedi7_demo", 50, "<p>late #DemoLive</p>", ["demolive"])]
    context = {"ancestors": [], "descendants": [*answers, quiet]}
    return [question, *answers, *later], {question["id"]: context}


def mastodon_routes(statuses: list[dict], contexts: dict, tag: str, page_size: int = 2) -> dict:
    """The hashtag timeline (max_id/since_id over `statuses`) and status contexts."""

    def timeline(query, count) -> Answer:
        below = int(query["max_id"][0]) if "max_id" in query else None
        above = int(query["since_id"][0]) if "since_id" in query else None
        found = sorted(
            (s for s in statuses
             if (below is None or int(s["id"]) < below) and (above is None or int(s["id"]) > above)),
            key=lambda s: int(s["id"]), reverse=True,
        )  # fmt: skip
        return Answer(200, found[:page_size], {"X-RateLimit-Limit": "300",
                      "X-RateLimit-Remaining": "299", "X-RateLimit-Reset": "2025-03-04T19:05:00.000Z"})  # fmt: skip

    # Mastodon.py reads the instance's description once a client (is the hashtag feed public?).
    instance = {
        "domain": "demo.example",
        "version": "4.3.0",
        "configuration": {
            "timelines_access": {"hashtag_feeds": {"local": "public", "remote": "public"}}
        },
    }
    routes = {
        f"/api/v1/timelines/tag/{tag}": timeline,
        "/api/v2/instance/": lambda query, count: Answer(200, instance),
        "/api/v1/polls/77": lambda query, count: Answer(200, poll(7, 3, expired=True)),
    }
    for status_id, context in contexts.items():
        routes[f"/api/v1/statuses/{status_id}/context"] = lambda query, count, c=context: Answer(
            200, c
        )
    return routes
