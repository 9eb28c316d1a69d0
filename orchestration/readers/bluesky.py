"""Bluesky (AT Protocol) responses: app.bsky.feed.searchPosts, getAuthorFeed, getPostThread,
getQuotes, one response a file or one a line.

A post's id is its `at://` URI. Hashtags come from the record's tag facets and `tags`
(facets index the UTF-8 bytes of the text, so mentions are cut from the bytes); a repost is a
feed item with `reason: reasonRepost` and lands as a retweet by the reposter of the post,
which lands as a referenced post; replies from `record.reply.parent`, quotes from the
record's `app.bsky.embed.record` or `recordWithMedia` embed. `createdAt` comes in several ISO
forms (milli- or microseconds, `Z` or `+00:00`); all land as UTC. Bluesky has no view counts:
impressions stay null.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.readers.common import insert_rows, reject_rows
from orchestration.readers.json_records import stage_json_records

FORMAT = "bluesky"
PLATFORM = "bluesky"
REPOST = "app.bsky.feed.defs#reasonRepost"


def sniff(head) -> bool:
    for record in head.records:
        if not isinstance(record, dict):
            continue
        posts = record.get("posts") or [item.get("post") for item in record.get("feed") or []]
        thread = record.get("thread")
        candidates = [*(posts or []), thread.get("post") if isinstance(thread, dict) else None]
        if any(
            isinstance(p, dict) and str(p.get("uri", "")).startswith("at://") for p in candidates
        ):
            return True
    return False


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the responses' posts, reposts and authors. Returns (posts, rejected)."""
    rejected = stage_json_records(con, path, source_file)
    posts, users, bad = [], [], []
    for line_no, text in con.execute("select line_no, doc::varchar from export_records").fetchall():
        document = json.loads(text)
        found = _posts_of(document)
        if found is None:
            bad.append(
                (
                    line_no,
                    None,
                    "not a Bluesky searchPosts, getAuthorFeed, getPostThread "
                    'or getQuotes response: expected "posts", "feed" or "thread"',
                    text,
                )
            )
            continue
        for section, view, repost_by, repost_at in found:
            row = _post_row(view, section, line_no, source_file)
            if row is None:
                bad.append(
                    (
                        line_no,
                        "uri",
                        "a post without uri or record: skipped",
                        json.dumps(view)[:4000],
                    )
                )
                continue
            if section == "data" and row["created_at"] is None:
                bad.append(
                    (
                        line_no,
                        "record.createdAt",
                        f"post {row['post_id']} has no createdAt: it cannot be placed in a "
                        "chat window",
                        json.dumps(view)[:4000],
                    )
                )
                continue
            posts.append(row)
            users.append(_user_row(view.get("author") or {}, line_no, source_file))
            if repost_by:
                posts.append({
                    "platform": PLATFORM,
                    "post_id": f"{row['post_id']}#repost-by-{repost_by.get('did')}",
                    "section": "data", "author_id": repost_by.get("did"),
                    "author_username": repost_by.get("handle"), "created_at": repost_at,
                    "text": row["text"], "retweeted_post_id": row["post_id"],
                    "hashtags": row["hashtags"], "source_file": source_file,
                    "source_line": line_no,
                })  # fmt: skip
                row["section"] = "includes"
                users.append(_user_row(repost_by, line_no, source_file))
    con.execute("drop table if exists export_records")
    landed = insert_rows(con, "posts", posts)
    insert_rows(con, "users", [user for user in users if user["user_id"]])
    return landed, rejected + reject_rows(con, source_file, bad)


def _posts_of(document) -> list[tuple] | None:
    """(section, post view, repost author, repost time) of one response; None if not one."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("posts"), list):
        return [("data", post, None, None) for post in document["posts"]]
    if isinstance(document.get("feed"), list):
        found = []
        for item in document["feed"]:
            reason = item.get("reason") or {}
            if reason.get("$type") == REPOST:
                found.append(
                    ("data", item["post"], reason.get("by") or {}, reason.get("indexedAt"))
                )
            else:
                found.append(("data", item["post"], None, None))
            for context in ("parent", "root"):
                view = (item.get("reply") or {}).get(context)
                if isinstance(view, dict) and view.get("record"):
                    found.append(("includes", view, None, None))
        return found
    if isinstance(document.get("thread"), dict):
        return [("data", post, None, None) for post in _thread_posts(document["thread"])]
    return None


def _thread_posts(thread: dict) -> list[dict]:
    """Every post of a thread view: the post, its parents up the chain, all replies below."""
    found, stack, seen = [], [thread], set()
    while stack:
        node = stack.pop()
        post = node.get("post") if isinstance(node, dict) else None
        if not post or post.get("uri") in seen:
            continue  # notFoundPost / blockedPost nodes carry no post
        seen.add(post["uri"])
        found.append(post)
        if isinstance(node.get("parent"), dict):
            stack.append(node["parent"])
        stack.extend(reply for reply in node.get("replies") or [] if isinstance(reply, dict))
    return found


def _post_row(view: dict, section: str, line_no: int, source_file: str) -> dict | None:
    record = view.get("record")
    if not view.get("uri") or not isinstance(record, dict):
        return None
    text = record.get("text") or ""
    tags, mentions, links = _facets(record, text)
    tags += [tag for tag in record.get("tags") or [] if tag not in tags]
    embed = record.get("embed") or {}
    quoted = None
    if embed.get("$type") == "app.bsky.embed.record":
        quoted = (embed.get("record") or {}).get("uri")
    elif embed.get("$type") == "app.bsky.embed.recordWithMedia":
        quoted = ((embed.get("record") or {}).get("record") or {}).get("uri")
    external = (embed.get("external") or {}).get("uri")
    if external and external not in links:
        links.append(external)
    reply = record.get("reply") or {}
    author = view.get("author") or {}
    return {
        "platform": PLATFORM,
        "post_id": view["uri"],
        "section": section,
        "author_id": author.get("did"),
        "author_username": author.get("handle"),
        "created_at": record.get("createdAt"),
        "text": text,
        "reply_to_post_id": (reply.get("parent") or {}).get("uri"),
        "reply_to_user_id": _did_of((reply.get("parent") or {}).get("uri")),
        "quoted_post_id": quoted,
        "conversation_id": (reply.get("root") or {}).get("uri") or view["uri"],
        # No tag facets and no tags: null, so hashtags are taken from the text.
        "hashtags": tags or None,
        "mentions": mentions,
        "urls": links,
        "retweet_count": view.get("repostCount"),
        "reply_count": view.get("replyCount"),
        "like_count": view.get("likeCount"),
        "quote_count": view.get("quoteCount"),
        "retrieved_at": view.get("indexedAt"),
        "source_file": source_file,
        "source_line": line_no,
    }


def _facets(record: dict, text: str) -> tuple[list, list, list]:
    """Tags, mentioned handles and links of a record's facets (byte offsets into UTF-8)."""
    data = text.encode("utf-8")
    tags, mentions, links = [], [], []
    for facet in record.get("facets") or []:
        index = facet.get("index") or {}
        for feature in facet.get("features") or []:
            kind = feature.get("$type", "")
            if kind.endswith("#tag") and feature.get("tag"):
                tags.append(feature["tag"])
            elif kind.endswith("#link") and feature.get("uri"):
                links.append(feature["uri"])
            elif kind.endswith("#mention"):
                handle = data[index.get("byteStart", 0) : index.get("byteEnd", 0)]
                handle = handle.decode("utf-8", "replace").lstrip("@")
                mentions.append(handle or feature.get("did"))
    return tags, mentions, links


def _did_of(uri: str | None) -> str | None:
    """The account (DID) of an at:// post URI."""
    if not uri or not uri.startswith("at://"):
        return None
    return uri[len("at://") :].split("/", 1)[0]


def _user_row(author: dict, line_no: int, source_file: str) -> dict:
    return {
        "platform": PLATFORM,
        "user_id": author.get("did"),
        "username": author.get("handle"),
        "display_name": author.get("displayName"),
        "source_file": source_file,
        "source_line": line_no,
    }
