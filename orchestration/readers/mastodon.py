"""Mastodon REST API v1 responses: status arrays (hashtag and account timelines), single
statuses, contexts (`ancestors` + `descendants`) and polls, one response a file or one a line.

`content` is HTML: it lands as plain text (paragraphs and <br> as line breaks, entities
decoded). Hashtags from `tags`, mentions from `mentions[].acct` (`user@instance` for remote
accounts), links from the content's anchors that are neither mentions nor hashtags. A reblog
is a retweet of the reblogged status, which lands as a referenced post. Polls keep
`multiple` and `voters_count`. Mastodon has no view counts: impressions stay null.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from orchestration.readers.common import insert_rows, reject_rows
from orchestration.readers.json_records import stage_json_records

FORMAT = "mastodon"
PLATFORM = "mastodon"


def _is_status(value) -> bool:
    return isinstance(value, dict) and "content" in value and isinstance(value.get("account"), dict)


def _is_poll(value) -> bool:
    return (
        isinstance(value, dict)
        and "options" in value
        and "multiple" in value
        and "votes_count" in value
    )


def sniff(head) -> bool:
    return any(
        _is_status(record)
        or _is_poll(record)
        or (isinstance(record, dict) and {"ancestors", "descendants"} <= set(record))
        for record in head.records
    )


class _Text(HTMLParser):
    """Plain text and links of a status's HTML content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")
        elif tag == "a":
            classes = (attributes.get("class") or "").split()
            if attributes.get("href") and not {"mention", "hashtag"} & set(classes):
                self.links.append(attributes["href"])

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(content: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(content or "")
    parser.close()
    return "".join(parser.parts).strip(), parser.links


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the responses' statuses, accounts and polls. Returns (posts, rejected)."""
    rejected = stage_json_records(con, path, source_file)
    rows = {"posts": [], "users": [], "polls": [], "poll_options": []}
    bad = []
    for line_no, text in con.execute("select line_no, doc::varchar from export_records").fetchall():
        document = json.loads(text)
        if isinstance(document, dict) and {"ancestors", "descendants"} <= set(document):
            statuses = [*document["ancestors"], *document["descendants"]]
        elif _is_status(document):
            statuses = [document]
        elif _is_poll(document):
            _poll(rows, document, line_no, source_file)
            continue
        else:
            bad.append(
                (
                    line_no,
                    None,
                    "not a Mastodon status, context or poll: expected "
                    '"content" and "account", "ancestors"/"descendants", or poll options',
                    text,
                )
            )
            continue
        for status in statuses:
            problem = _status(rows, status, "data", line_no, source_file)
            if problem:
                bad.append((line_no, *problem, json.dumps(status)[:4000]))
    con.execute("drop table if exists export_records")
    landed = insert_rows(con, "posts", rows["posts"])
    for table in ("users", "polls", "poll_options"):
        insert_rows(con, table, rows[table])
    return landed, rejected + reject_rows(con, source_file, bad)


def _status(rows: dict, status: dict, section: str, line_no: int, source_file: str):
    """Add one status (and what it reblogs) to `rows`; a (field, reason) when it is bad."""
    if not _is_status(status) or not status.get("id"):
        return ("id", "a status without id, content or account: skipped")
    if section == "data" and not status.get("created_at"):
        return ("created_at", f"status {status['id']} has no created_at: it cannot be placed "
                "in a chat window")  # fmt: skip
    account = status["account"]
    reblog = status.get("reblog") if isinstance(status.get("reblog"), dict) else None
    if reblog:
        _status(rows, reblog, "includes", line_no, source_file)
    text, links = html_to_text(status.get("content", ""))
    if status.get("spoiler_text"):
        text = f"{status['spoiler_text']}\n\n{text}".strip()
    card = (status.get("card") or {}).get("url")
    if card and card not in links:
        links.append(card)
    quote = status.get("quote") if isinstance(status.get("quote"), dict) else {}
    quoted = (quote.get("quoted_status") or {}).get("id") or quote.get("quoted_status_id")
    poll = status.get("poll") if isinstance(status.get("poll"), dict) else None
    rows["posts"].append({
        "platform": PLATFORM,
        "post_id": str(status["id"]),
        "section": section,
        "author_id": str(account.get("id")) if account.get("id") else None,
        "author_username": account.get("acct") or account.get("username"),
        "created_at": status.get("created_at"),
        "text": text,
        "reply_to_post_id": _text(status.get("in_reply_to_id")),
        "reply_to_user_id": _text(status.get("in_reply_to_account_id")),
        "quoted_post_id": _text(quoted),
        "retweeted_post_id": str(reblog["id"]) if reblog else None,
        "hashtags": [tag["name"] for tag in status.get("tags") or [] if tag.get("name")],
        "mentions": [m.get("acct") for m in status.get("mentions") or [] if m.get("acct")],
        "urls": links,
        "poll_ids": [str(poll["id"])] if poll and poll.get("id") else None,
        "retweet_count": status.get("reblogs_count"),
        "reply_count": status.get("replies_count"),
        "like_count": status.get("favourites_count"),
        "quote_count": status.get("quotes_count"),
        "source_file": source_file,
        "source_line": line_no,
    })  # fmt: skip
    rows["users"].append({
        "platform": PLATFORM, "user_id": _text(account.get("id")),
        "username": account.get("acct") or account.get("username"),
        "display_name": account.get("display_name"), "source_file": source_file,
        "source_line": line_no,
    })  # fmt: skip
    if poll:
        _poll(rows, poll, line_no, source_file)
    return None


def _poll(rows: dict, poll: dict, line_no: int, source_file: str) -> None:
    if not poll.get("id"):
        return
    rows["polls"].append({
        "platform": PLATFORM, "poll_id": str(poll["id"]),
        "voting_status": "closed" if poll.get("expired") else "open",
        "end_at": poll.get("expires_at"), "source_file": source_file, "source_line": line_no,
        "multiple_choice": bool(poll.get("multiple")), "voters": poll.get("voters_count"),
    })  # fmt: skip
    for position, option in enumerate(poll.get("options") or [], start=1):
        rows["poll_options"].append({
            "platform": PLATFORM, "poll_id": str(poll["id"]), "option_position": position,
            "option_label": option.get("title"), "votes": option.get("votes_count"),
            "source_file": source_file, "source_line": line_no,
        })  # fmt: skip


def _text(value) -> str | None:
    return None if value is None else str(value)
