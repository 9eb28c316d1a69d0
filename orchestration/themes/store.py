"""Themes of a partition's questions, from marts.theme_response_texts to the analysis tables.

One pass for the whole run: every excerpt is split, each chat's excerpts are vectorised in
one call (the default vectoriser is fitted on the chat's own excerpts, so its themes do not
depend on what else the run builds), then each question is drafted on its rows. Only assignments and
labels are written (analysis.theme_excerpts, analysis.themes); dbt counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from orchestration.themes.draft import GuideTheme, Item, draft_question
from orchestration.themes.edits import ThemeEdits, apply_edits
from orchestration.themes.excerpts import split_response
from orchestration.themes.representation import describe_representation, excerpt_vectors
from orchestration.themes.vector_cache import VectorCache
from orchestration.warehouse import insert_many

RESPONSES_SQL = """
select chat_id, chat_month, question_id, platform, post_id, author_username, account_key,
    response_text
from marts.theme_response_texts
where chat_month >= cast(? as date) and chat_month < cast(? as date)
order by chat_id, question_id, created_at, platform, post_id
"""
# The columns of macros/themes.sql's tables, in order.
EXCERPT_COLUMNS = 13
THEME_COLUMNS = 9


@dataclass
class RunThemes:
    excerpt_rows: list[tuple] = field(default_factory=list)
    theme_rows: list[tuple] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # (chat_id, question_id) -> [(label, share of excerpts, quote)] for the asset's metadata
    summary: dict[tuple[str, str], list[tuple[str, int, str]]] = field(default_factory=dict)
    # What turned the excerpts into vectors (a model on disk, or TF-IDF + LSA).
    representation: str = ""
    # Distinct texts a sentence model encoded, and those its cache already held.
    vectors_encoded: int = 0
    vectors_reused: int = 0


def draft_responses(
    responses, edits: ThemeEdits | None = None, model: str | None = None, cache=None
):
    """Themes of every question of the given responses: rows as RESPONSES_SQL returns them.
    `cache` (a VectorCache) spares a sentence model the excerpts it has encoded before."""
    edits = edits or ThemeEdits()
    result = RunThemes(representation=describe_representation(model))
    questions: dict[tuple[str, str], list] = {}
    for row in responses:
        questions.setdefault((row[0], row[2]), []).append(row)

    # Every excerpt and every analyst theme, vectorised in one call per chat: the default
    # vectors (TF-IDF reduced by LSA) are fitted on the chat's own excerpts, so a chat's
    # themes depend on its posts alone, not on which months a run builds.
    texts_by_chat: dict[str, list[str]] = {}
    plan = []
    for (chat_id, question_id), rows in questions.items():
        items, excerpt_slots, blank = [], [], []
        for chat, month, _q, platform, post_id, author, account, text in rows:
            for excerpt in split_response(text):
                slot = (chat, month, platform, post_id, author, account, excerpt)
                if excerpt.has_content:
                    items.append(
                        Item(platform, post_id, excerpt.position, excerpt.text, excerpt.words,
                             account or author or "")
                    )  # fmt: skip
                    excerpt_slots.append(slot)
                else:
                    blank.append(slot)
        guides = edits.guides(chat_id, question_id)
        texts = texts_by_chat.setdefault(chat_id, [])
        start = len(texts)
        texts.extend(item.text for item in items)
        texts.extend(guide.seed_text for guide in guides)
        plan.append((chat_id, question_id, rows[0][1], items, excerpt_slots, blank, guides, start))
    vectors = {
        chat_id: excerpt_vectors(texts, model, cache) for chat_id, texts in texts_by_chat.items()
    }

    for chat_id, question_id, month, items, slots, blank, guides, start in plan:
        rows = vectors[chat_id][start : start + len(items) + len(guides)]
        rows = rows.toarray() if hasattr(rows, "toarray") else np.asarray(rows)
        drafted = draft_question(items, rows[: len(items)], guides, rows[len(items) :])
        result.warnings.extend(apply_edits(drafted, items, edits, chat_id, question_id))
        picks = {index for theme in drafted.themes for index in theme.picks}
        for index, (chat, chat_month, platform, post_id, author, account, excerpt) in enumerate(
            slots
        ):
            result.excerpt_rows.append(
                (chat, chat_month, question_id, platform, post_id, author, account,
                 excerpt.position, excerpt.text, excerpt.words, drafted.theme_of.get(index),
                 round(drafted.scores.get(index, 0.0), 6), index in picks)
            )  # fmt: skip
        for chat, chat_month, platform, post_id, author, account, excerpt in blank:
            result.excerpt_rows.append(
                (chat, chat_month, question_id, platform, post_id, author, account,
                 excerpt.position, excerpt.text, excerpt.words, None, None, False)
            )  # fmt: skip
        for position, theme in enumerate(drafted.themes, start=1):
            result.theme_rows.append(
                (chat_id, month, question_id, theme.theme_id, theme.label,
                 ", ".join(theme.keywords), theme.origin, position, theme.is_new)
            )  # fmt: skip
        result.summary[(chat_id, question_id)] = [
            (theme.label, len(theme.members), items[theme.picks[0]].text if theme.picks else "")
            for theme in drafted.themes
        ]
    return result


def write_themes(
    con, month_start: str, month_end: str, run: RunThemes, cache: VectorCache | None = None
) -> None:
    """Replace the partition's rows of the analysis tables, and add the new excerpt vectors
    to the cache, in one transaction."""
    bounds = [month_start, month_end]
    in_months = "chat_month >= cast(? as date) and chat_month < cast(? as date)"
    con.execute("begin")
    for table in ("analysis.theme_excerpts", "analysis.themes"):
        con.execute(f"delete from {table} where {in_months}", bounds)
    insert_many(con, "analysis.theme_excerpts", run.excerpt_rows)
    insert_many(con, "analysis.themes", run.theme_rows)
    if cache is not None:
        cache.write(con)
    con.execute("commit")


def build_themes(con, month_start: str, month_end: str, edits=None, model=None) -> RunThemes:
    responses = con.execute(RESPONSES_SQL, [month_start, month_end]).fetchall()
    cache = VectorCache(con)
    run = draft_responses(responses, edits, model, cache)
    write_themes(con, month_start, month_end, run, cache)
    run.vectors_encoded, run.vectors_reused = cache.encoded, cache.reused
    return run


__all__ = ["GuideTheme", "RunThemes", "build_themes", "draft_responses", "write_themes"]
