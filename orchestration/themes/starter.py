"""`tweetchat themes CHAT_ID`: the draft themes as the warehouse holds them, printed, and a
starter block of themes.yaml for the analyst to edit (`--write`)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import yaml


def chat_themes(warehouse: Path, chat_id: str, question_id: str | None = None) -> list[dict]:
    """Each question of the chat with its themes (counts from marts.question_themes) and their
    quote picks, from the published warehouse, opened read-only."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        themes = con.execute(
            """
            select questions.question_id, questions.question_text, themes.theme_id, themes.label,
                themes.keywords, themes.origin, themes.responses, themes.responders,
                themes.share_pct
            from marts.question_responses as questions
            left join marts.question_themes as themes
                on questions.chat_id = themes.chat_id
                and questions.question_id = themes.question_id
            where questions.chat_id = ? and (? is null or questions.question_id = lower(?))
            order by questions.question_position, themes.theme_position
            """,
            [chat_id, question_id, question_id],
        ).fetchall()
        picks = con.execute(
            """
            select question_id, theme_id, post_id, excerpt_position, author_username, excerpt
            from marts.theme_responses
            where chat_id = ? and is_quote_pick
            order by question_id, theme_id, score desc, post_id
            """,
            [chat_id],
        ).fetchall()
    quotes: dict[tuple[str, str], list[dict]] = {}
    for q, theme_id, post_id, position, author, excerpt in picks:
        quotes.setdefault((q, theme_id), []).append(
            {"post": post_id, "excerpt": position, "author": author, "text": excerpt}
        )
    questions: dict[str, dict] = {}
    for q, text, theme_id, label, keywords, origin, responses, responders, share in themes:
        question = questions.setdefault(q, {"question_id": q, "text": text, "themes": []})
        if theme_id is not None:
            question["themes"].append(
                {
                    "theme_id": theme_id,
                    "label": label,
                    "keywords": keywords,
                    "origin": origin,
                    "responses": responses,
                    "responders": responders,
                    "share_pct": share,
                    "quotes": quotes.get((q, theme_id), []),
                }
            )
    return list(questions.values())


def format_themes(chat_id: str, questions: list[dict]) -> str:
    """Plain text for a terminal (user text as written: nothing here is markup)."""
    lines = [f"Draft themes of {chat_id}"]
    for question in questions:
        lines += ["", f"Q{question['question_id']}. {question['text'] or ''}"]
        if not question["themes"]:
            lines.append("  (no themed responses)")
        for theme in question["themes"]:
            lines.append(
                f"  [{theme['theme_id']}] {theme['label']} ({theme['origin']}): "
                f"{theme['responses']} responses from {theme['responders']} accounts, "
                f"{theme['share_pct']:.1f} %"
            )
            if theme["keywords"]:
                lines.append(f"      keywords: {theme['keywords']}")
            for quote in theme["quotes"]:
                lines.append(
                    f"      “{quote['text']}” (@{quote['author']}, post {quote['post']}, "
                    f"excerpt {quote['excerpt']})"
                )
    return "\n".join(lines)


def starter_block(chat_id: str, questions: list[dict]) -> str:
    """A themes.yaml block for the chat: each question's drafts listed as comments (their ids
    are what the edits name), with an empty list of the analyst's own themes."""
    lines = [f"  {json.dumps(chat_id)}:", "    questions:"]
    for question in questions:
        lines.append(f"      {json.dumps(question['question_id'])}:")
        lines.append(f"        # Q{question['question_id']}. {question['text'] or ''}".rstrip())
        lines.append("        # Draft themes (id: label, responses):")
        for theme in question["themes"]:
            lines.append(
                f"        #   {theme['theme_id']}: {theme['label']} ({theme['responses']})"
            )
        lines.append(
            "        # Edits: rename: {id: New label}; merge: {id: [other-id]}; drop: [id];"
        )
        lines.append(
            "        #   move: [{post: ID, to: id}]; pin / unpin: [{post: ID, excerpt: N}]"
        )
        lines.append("        # Your own themes: - {label: ..., keywords: [...], examples: [...]}")
        lines.append("        themes: []")
    return "\n".join(lines) + "\n"


class StarterError(ValueError):
    """themes.yaml cannot take the starter block; the message says why and what to do."""


def write_starter(path: Path, chat_id: str, questions: list[dict]) -> None:
    """Add the chat's starter block to themes.yaml (created when missing); never overwrite."""
    block = starter_block(chat_id, questions)
    if not path.exists():
        path.write_text("chats:\n" + block, encoding="utf-8")
        return
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or set(document) - {"chats"}:
        raise StarterError(
            f"{path}: expected only a top-level 'chats:' mapping; add the block by hand"
        )
    if chat_id in (document.get("chats") or {}):
        raise StarterError(f"{path}: chat {chat_id} already has a block; edit it there")
    text = path.read_text(encoding="utf-8")
    if not document.get("chats"):
        text = "chats:\n"
    path.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")
