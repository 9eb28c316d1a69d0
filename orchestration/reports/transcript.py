"""A chat's verbatim transcript: `transcript.html` (self-contained) and `transcript.md`.

Every entry, its part, heading, thread, place and retweet count come from
`marts.transcript_posts`; polls from `marts.poll_results`; the headings' text from
`marts.question_responses`. This module only groups the ordered rows and lays them out.
A chat whose transcript content (after pseudonymising) and layout code are unchanged keeps
its files: `transcript.sha256` beside them holds the hash they were written from.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from orchestration import markdown

HTML_NAME = "transcript.html"
MARKDOWN_NAME = "transcript.md"
HASH_NAME = "transcript.sha256"
PART_TITLES = {
    "before": "Before the hour",
    "hour": "The hour",
    "after": "After the hour",
}
# Links in post text: http(s) up to whitespace or a character that cannot end a link in prose.
LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
TEMPLATE = "transcript.html.j2"
_ENTRY_COLUMNS = (
    "post_id",
    "entry",
    "part",
    "heading_question_id",
    "is_question_post",
    "author_username",
    "is_host",
    "created_local",
    "placed_local",
    "text",
    "reply_to_post_id",
    "reply_to_username",
    "parent_in_transcript",
    "parent_part",
    "thread_root_post_id",
    "reply_depth",
    "retweeted_by",
    "like_count",
    "media_count",
)


@dataclass
class PollOption:
    label: str
    votes: int
    pct: float | None


@dataclass
class Entry:
    post_id: str
    entry: str
    part: str
    heading_question_id: str | None
    is_question_post: bool
    author_username: str | None
    is_host: bool
    created_local: datetime | None
    placed_local: datetime
    text: str | None
    reply_to_post_id: str | None
    reply_to_username: str | None
    parent_in_transcript: bool
    parent_part: str | None
    thread_root_post_id: str
    reply_depth: int
    retweeted_by: int
    like_count: int | None
    media_count: int
    poll: list[PollOption] = field(default_factory=list)
    poll_total: int | None = None
    replies: list[Entry] = field(default_factory=list)


@dataclass
class Section:
    """Posts under one heading: a question, or those before the first question."""

    question_id: str | None
    question_text: str | None
    asked_local: datetime | None
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Part:
    key: str
    title: str
    sections: list[Section] = field(default_factory=list)


@dataclass
class Transcript:
    chat_id: str
    title: str
    timezone: str
    starts_local: datetime
    hour_ends_local: datetime
    window_starts_local: datetime
    window_ends_local: datetime
    hosts: list[str]
    entries: list[Entry]
    questions: dict[str, tuple[str, datetime | None]]
    parts: list[Part] = field(default_factory=list)


def load_transcript(con, chat_id: str) -> Transcript:
    """The chat's transcript entries, in the mart's order, with their polls and headings."""
    chat = con.execute(
        "select coalesce(title, chat_id), timezone, starts_local, hour_ends_local, "
        "window_starts_local, window_ends_local from staging.stg_registry__chats "
        "where chat_id = ?",
        [chat_id],
    ).fetchone()
    if chat is None:
        raise LookupError(f"chat {chat_id!r} is not in the registry of this warehouse")
    rows = con.execute(
        f"select {', '.join(_ENTRY_COLUMNS)} from marts.transcript_posts "
        "where chat_id = ? order by transcript_position",
        [chat_id],
    ).fetchall()
    entries = [Entry(*row) for row in rows]
    polls: dict[str, list[PollOption]] = {}
    totals: dict[str, int] = {}
    for post_id, label, votes, pct, total in con.execute(
        "select post_id, option_label, votes, pct, total_votes from marts.poll_results "
        "where chat_id = ? order by poll_id, option_position",
        [chat_id],
    ).fetchall():
        polls.setdefault(post_id, []).append(PollOption(label or "", votes, pct))
        totals[post_id] = total
    for entry in entries:
        entry.poll = polls.get(entry.post_id, [])
        entry.poll_total = totals.get(entry.post_id)
    questions = {
        question_id: (text or "", asked)
        for question_id, text, asked in con.execute(
            "select question_id, question_text, asked_local from marts.question_responses "
            "where chat_id = ? order by question_position",
            [chat_id],
        ).fetchall()
    }
    hosts = [
        row[0]
        for row in con.execute(
            "select username from staging.stg_registry__chat_hosts where chat_id = ?", [chat_id]
        ).fetchall()
    ]
    return Transcript(chat_id, *chat, hosts=hosts, entries=entries, questions=questions)


def pseudonymise(transcript: Transcript, pseudonymiser) -> Transcript:
    """Every non-host handle, as an author, a replied-to account or an @mention, replaced."""
    for entry in transcript.entries:
        entry.author_username = pseudonymiser.handle(entry.author_username)
        entry.reply_to_username = pseudonymiser.handle(entry.reply_to_username)
        entry.text = pseudonymiser.text(entry.text)
        for option in entry.poll:
            option.label = pseudonymiser.text(option.label)
    transcript.questions = {
        qid: (pseudonymiser.text(text), asked)
        for qid, (text, asked) in transcript.questions.items()
    }
    return transcript


def arrange(transcript: Transcript) -> Transcript:
    """Parts, headings and threads from the ordered entries (the mart placed each one)."""
    parts: list[Part] = []
    threads: dict[str, Entry] = {}
    for entry in transcript.entries:
        entry.replies = []
        if entry.reply_depth > 0 and entry.thread_root_post_id in threads:
            threads[entry.thread_root_post_id].replies.append(entry)
            continue
        threads[entry.post_id] = entry
        if not parts or parts[-1].key != entry.part:
            parts.append(Part(entry.part, PART_TITLES.get(entry.part, entry.part)))
        sections = parts[-1].sections
        if not sections or sections[-1].question_id != entry.heading_question_id:
            text, asked = transcript.questions.get(entry.heading_question_id, (None, None))
            sections.append(Section(entry.heading_question_id, text, asked))
        sections[-1].entries.append(entry)
    transcript.parts = parts
    return transcript


def _segments(text: str | None) -> list[tuple[str, str]]:
    """Post text as ("text", ...) and ("link", url) pieces, for either output to escape."""
    if not text:
        return []
    pieces, last = [], 0
    for match in LINK.finditer(text):
        if match.start() > last:
            pieces.append(("text", text[last : match.start()]))
        pieces.append(("link", match.group(0)))
        last = match.end()
    if last < len(text):
        pieces.append(("text", text[last:]))
    return pieces


def _clock(transcript: Transcript, moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.date() == transcript.starts_local.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%a %d %b %H:%M")


def _notes(transcript: Transcript, entry: Entry) -> list[str]:
    """What a reader needs beside the text: reply context, retweets, where a post came from."""
    notes = []
    replied_to = f"@{entry.reply_to_username}" if entry.reply_to_username else "a post"
    if entry.reply_depth > 1:
        notes.append(f"reply to {replied_to}, deeper in the thread")
    elif entry.reply_to_post_id and entry.reply_depth == 0:
        if entry.parent_in_transcript:
            part = PART_TITLES.get(entry.parent_part, entry.parent_part or "").lower()
            notes.append(f"in reply to {replied_to} ({part})")
        else:
            notes.append(f"in reply to {replied_to}, a post not in this transcript")
    if entry.entry == "retweeted_in":
        posted = (
            f"posted {entry.created_local:%d %b %Y %H:%M}"
            if entry.created_local
            else "not in the exports"
        )
        notes.append(f"from outside the chat ({posted}), retweeted into it")
    if entry.retweeted_by:
        accounts = "account" if entry.retweeted_by == 1 else "accounts"
        notes.append(f"retweeted by {entry.retweeted_by:,} {accounts}")
    return notes


def _entry_view(transcript: Transcript, entry: Entry) -> dict:
    return {
        "anchor": f"post-{entry.post_id}",
        "time": _clock(transcript, entry.placed_local),
        "author": f"@{entry.author_username}" if entry.author_username else "an unknown account",
        "is_host": entry.is_host,
        "segments": _segments(entry.text),
        "text": entry.text or "",
        "media": (
            ""
            if not entry.media_count
            else "[media]"
            if entry.media_count == 1
            else f"[media ×{entry.media_count}]"
        ),
        "notes": _notes(transcript, entry),
        "parent_anchor": (
            f"post-{entry.reply_to_post_id}"
            if entry.parent_in_transcript and entry.reply_depth == 0
            else None
        ),
        "poll": [
            {
                "label": option.label,
                "votes": f"{option.votes:,}",
                "pct": "–" if option.pct is None else f"{option.pct:.1f}%",
            }
            for option in entry.poll
        ],
        "poll_total": None if entry.poll_total is None else f"{entry.poll_total:,}",
        "replies": [_entry_view(transcript, reply) for reply in entry.replies],
    }


def view(transcript: Transcript) -> dict:
    """The transcript as plain values for the template and the Markdown."""
    headed = {
        s.question_id for p in transcript.parts for s in p.sections if s.question_id is not None
    }
    return {
        "t": transcript,
        "date": transcript.starts_local.strftime("%A %d %B %Y"),
        "hour": f"{transcript.starts_local:%H:%M}–{transcript.hour_ends_local:%H:%M}",
        "window": f"{transcript.window_starts_local:%d %b %H:%M} to "
        f"{transcript.window_ends_local:%d %b %Y %H:%M}",
        "parts": [
            {
                "key": part.key,
                "title": part.title,
                "sections": [
                    {
                        "heading": (
                            f"Q{section.question_id}. {section.question_text}"
                            if section.question_id is not None
                            else None
                        ),
                        "asked": _clock(transcript, section.asked_local),
                        "anchor": f"{part.key}-q{section.question_id}"
                        if section.question_id is not None
                        else f"{part.key}-start",
                        "entries": [_entry_view(transcript, e) for e in section.entries],
                    }
                    for section in part.sections
                ],
            }
            for part in transcript.parts
        ],
        "unheaded": [
            f"Q{qid}. {text}"
            for qid, (text, _) in transcript.questions.items()
            if qid not in headed
        ],
        "entries": len(transcript.entries),
    }


_environment = Environment(
    loader=PackageLoader("orchestration.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(v: dict) -> str:
    return _environment.get_template(TEMPLATE).render(**v)


def _markdown_piece(value: str) -> str:
    """Escaped text on one line, keeping the space at either end that parts it from a link."""
    lead = " " if value[:1].isspace() else ""
    trail = " " if value[-1:].isspace() and value.strip() else ""
    return lead + markdown.escape(value) + trail


def _markdown_text(segments: list[tuple[str, str]]) -> str:
    # A link is an autolink (<url>): LINK never matches '<', '>' or spaces, so it cannot
    # close early; everything else is escaped text.
    return "".join(
        f"<{value}>" if kind == "link" else _markdown_piece(value) for kind, value in segments
    ).strip()


def _markdown_entry(e: dict, indent: str) -> list[str]:
    head = f"**{markdown.escape(e['time'])}** {markdown.escape(e['author'])}"
    if e["is_host"]:
        head += " (host)"
    body = " ".join(part for part in (_markdown_text(e["segments"]), e["media"]) if part)
    notes = "".join(f" _{markdown.escape(note)}_" for note in e["notes"])
    lines = [f"{indent}- {head}: {body}{notes}"]
    for option in e["poll"]:
        lines.append(
            f"{indent}  - {markdown.escape(option['label'])}: {option['votes']} votes "
            f"({markdown.escape(option['pct'])})"
        )
    if e["poll_total"] is not None:
        lines.append(f"{indent}  - total: {e['poll_total']} votes")
    for reply in e["replies"]:
        lines += _markdown_entry(reply, indent + "  ")
    return lines


def render_markdown(v: dict) -> str:
    t = v["t"]
    lines = [
        f"# Transcript: {markdown.escape(t.title)}",
        "",
        markdown.escape(
            f"Chat {t.chat_id}, {v['date']}, {v['hour']} ({t.timezone}); analysis window "
            f"{v['window']}. {v['entries']} entries: every original post in time order, "
            "replies under the post they answer, retweets counted on their original."
        ),
        "",
    ]
    if not v["parts"]:
        lines += ["No posts of this chat are in the warehouse.", ""]
    for part in v["parts"]:
        lines += [f"## {markdown.escape(part['title'])}", ""]
        for section in part["sections"]:
            if section["heading"]:
                asked = f" ({section['asked']})" if section["asked"] else ""
                lines += [f"### {markdown.escape(section['heading'])}{asked}", ""]
            for entry in section["entries"]:
                lines += _markdown_entry(entry, "")
            lines.append("")
    if v["unheaded"]:
        lines += ["## Questions without a post in the transcript", ""]
        lines += [f"- {markdown.escape(q)}" for q in v["unheaded"]] + [""]
    return "\n".join(lines)


def content_hash(transcript: Transcript) -> str:
    """What the files are written from: the entries, headings and the layout code."""
    digest = hashlib.sha256()
    for source in (Path(__file__), Path(__file__).parent / "templates" / TEMPLATE):
        digest.update(source.read_bytes())
    digest.update(
        repr(
            (
                transcript.title,
                transcript.timezone,
                transcript.starts_local,
                transcript.hour_ends_local,
                transcript.window_starts_local,
                transcript.window_ends_local,
                sorted(transcript.questions.items()),
                transcript.entries,
            )
        ).encode("utf-8")
    )
    return digest.hexdigest()


def write_transcript(transcript: Transcript, chat_dir: Path) -> bool:
    """Write transcript.html and transcript.md unless they hold this content already.

    True when the files were written, False when they were kept."""
    digest = content_hash(transcript)
    html_path, markdown_path = chat_dir / HTML_NAME, chat_dir / MARKDOWN_NAME
    hash_path = chat_dir / HASH_NAME
    if (
        html_path.exists()
        and markdown_path.exists()
        and hash_path.exists()
        and hash_path.read_text().strip() == digest
    ):
        return False
    v = view(arrange(transcript))
    chat_dir.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render_html(v), encoding="utf-8")
    markdown_path.write_text(render_markdown(v), encoding="utf-8")
    hash_path.write_text(digest + "\n")
    return True


# The report's summary links the transcript beside it (render.py).
TRANSCRIPT_LINK_MARKDOWN = (
    "Read the conversation as it happened: [the transcript](transcript.html) "
    "(also [as Markdown](transcript.md))."
)


def add_transcript_link(document) -> None:
    """A paragraph of the report's DOCX linking transcript.html beside it (python-docx has
    no hyperlink API: the run is built from its XML elements)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.add_paragraph("Read the conversation as it happened: ")
    relationship = paragraph.part.relate_to(
        "transcript.html", RELATIONSHIP_TYPE.HYPERLINK, is_external=True
    )
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    properties.append(style)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(underline)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = "the transcript (transcript.html)"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    paragraph.add_run(".")
