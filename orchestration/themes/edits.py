"""The analyst's themes.yaml: their own themes and their edits of the drafts, applied each run.

    chats:
      leadingqi-2023-04:
        questions:
          "1":
            themes:                       # the analyst's own themes (guide the assignment)
              - label: Relationships build trust
                keywords: [trust, relationships]
                examples: ["Trust is the currency of change"]
            rename: {fear-of-failure: Fear as a barrier}      # theme id: new label
            merge: {fear-of-failure: [blame, fear-of-change]}  # kept id: ids merged into it
            drop: [thanks-everyone]                          # its excerpts go to `other`
            move:                                            # a post (or one excerpt) elsewhere
              - {post: "1650000000000000001", to: fear-of-failure}
              - {post: "1650000000000000002", excerpt: 2, to: other}
            pin: [{post: "1650000000000000003", excerpt: 1}]   # always a quote pick
            unpin: [{post: "1650000000000000004"}]              # never a quote pick

An edit naming a theme or post that is not there (any more) is a warning, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.themes.draft import (
    OTHER_ID,
    OTHER_LABEL,
    GuideTheme,
    QuestionThemes,
    Theme,
    pick_quotes,
)

EDIT_KINDS = ("themes", "rename", "merge", "drop", "move", "pin", "unpin")


class ThemesFileError(ValueError):
    """themes.yaml cannot be read: names the file, the place and what to do."""


@dataclass
class ThemeEdits:
    path: Path | None = None
    questions: dict[tuple[str, str], dict] = field(default_factory=dict)

    def of(self, chat_id: str, question_id: str) -> dict:
        return self.questions.get((chat_id, str(question_id).lower()), {})

    def guides(self, chat_id: str, question_id: str) -> list[GuideTheme]:
        """The analyst's own themes, then every draft theme an edit names, rebuilt from the
        words of its id (a draft's id is its label's words): the same theme comes back, under
        the same id, when the data grows, so the edit applies again."""
        question = self.of(chat_id, question_id)
        guides = [
            GuideTheme(
                str(theme["label"]),
                tuple(str(k) for k in theme.get("keywords") or ()),
                tuple(str(e) for e in theme.get("examples") or ()),
            )
            for theme in question.get("themes") or ()
        ]
        renamed = {str(k): str(v) for k, v in (question.get("rename") or {}).items()}
        named = list(renamed)
        for into_id, merged in (question.get("merge") or {}).items():
            named += [str(into_id), *(str(theme_id) for theme_id in merged or ())]
        named += [str(theme_id) for theme_id in question.get("drop") or ()]
        named += [str(edit.get("to", "")) for edit in question.get("move") or ()]
        analyst = set(renamed) | {str(k) for k in question.get("merge") or {}}
        analyst |= {str(edit.get("to", "")) for edit in question.get("move") or ()}
        seen = set()
        for theme_id in named:
            if not theme_id or theme_id == OTHER_ID or theme_id in seen:
                continue
            seen.add(theme_id)
            words = theme_id.replace("-", " ")
            guides.append(
                GuideTheme(
                    renamed.get(theme_id, words[:1].upper() + words[1:]),
                    tuple(word for word in theme_id.split("-") if word and word != "and"),
                    theme_id=theme_id,
                    origin="analyst" if theme_id in analyst else "draft",
                )
            )
        return guides


def _fail(path: Path, where: str, message: str) -> ThemesFileError:
    return ThemesFileError(f"{path}: {where}: {message}")


def load_edits(path: str | Path | None) -> ThemeEdits:
    """themes.yaml, checked; a missing file means no edits."""
    if path is None or not Path(path).exists():
        return ThemeEdits(Path(path) if path else None)
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "?"
        raise _fail(path, line, f"not YAML ({error}); fix the syntax") from error
    if not isinstance(document, dict) or not isinstance(document.get("chats", {}), dict):
        raise _fail(path, "chats", "expected a mapping of chat ids")
    edits = ThemeEdits(path)
    for chat_id, chat in (document.get("chats") or {}).items():
        questions = (chat or {}).get("questions") or {}
        if not isinstance(questions, dict):
            raise _fail(path, f"chats.{chat_id}.questions", "expected a mapping of question ids")
        for question_id, question in questions.items():
            where = f"chats.{chat_id}.questions.{question_id}"
            question = question or {}
            unknown = sorted(set(question) - set(EDIT_KINDS))
            if unknown:
                raise _fail(path, where, f"unknown key {unknown[0]!r}; use {', '.join(EDIT_KINDS)}")
            for index, theme in enumerate(question.get("themes") or ()):
                if not isinstance(theme, dict) or not str(theme.get("label") or "").strip():
                    raise _fail(path, f"{where}.themes[{index}]", "a theme needs a label")
            edits.questions[(str(chat_id), str(question_id).lower())] = question
    return edits


def _any_theme(drafted: QuestionThemes, theme_id: str) -> Theme | None:
    return next((theme for theme in drafted.themes if theme.theme_id == theme_id), None)


def _other(drafted: QuestionThemes) -> Theme:
    theme = _any_theme(drafted, OTHER_ID)
    if theme is None:
        theme = Theme(OTHER_ID, OTHER_LABEL, [], "draft")
        drafted.themes.append(theme)
    return theme


def _reassign(drafted: QuestionThemes, indexes: list[int], target: Theme) -> None:
    for theme in drafted.themes:
        theme.members = [i for i in theme.members if i not in indexes]
        theme.picks = [i for i in theme.picks if i not in indexes]
    target.members = sorted(set(target.members) | set(indexes))
    for index in indexes:
        drafted.theme_of[index] = target.theme_id


def apply_edits(drafted: QuestionThemes, items, edits: ThemeEdits, chat_id, question_id):
    """Apply one question's edits to its drafted themes, in place; returns the warnings."""
    question = edits.of(chat_id, question_id)
    warnings: list[str] = []
    where = f"{edits.path}: chats.{chat_id}.questions.{question_id}"

    def stale(kind: str, detail: str) -> None:
        warnings.append(f"{where}.{kind}: {detail} no longer applies (left as it was)")

    named = {guide.theme_id for guide in edits.guides(chat_id, question_id) if guide.theme_id}

    def _theme(drafted: QuestionThemes, theme_id: str) -> Theme | None:
        """The theme, if it has excerpts: a theme an edit names that matched none is gone."""
        theme = _any_theme(drafted, theme_id)
        return theme if theme is not None and theme.members else None

    for theme_id, label in (question.get("rename") or {}).items():
        theme = _theme(drafted, str(theme_id))
        if theme is None:
            stale("rename", f"theme {theme_id!r} is not drafted; the edit")
            continue
        theme.label, theme.origin = str(label), "analyst"
    for into_id, merged in (question.get("merge") or {}).items():
        target = _theme(drafted, str(into_id))
        if target is None:
            stale("merge", f"theme {into_id!r} is not drafted; the merge")
            continue
        for theme_id in merged or ():
            source = _theme(drafted, str(theme_id))
            if source is None or source is target:
                stale("merge", f"theme {theme_id!r} is not drafted; merging it")
                continue
            _reassign(drafted, list(source.members), target)
            drafted.themes.remove(source)
        target.origin = "analyst"
    for theme_id in question.get("drop") or ():
        theme = _theme(drafted, str(theme_id))
        if theme is None or theme.theme_id == OTHER_ID:
            stale("drop", f"theme {theme_id!r} is not drafted; dropping it")
            continue
        members = list(theme.members)
        drafted.themes.remove(theme)
        if members:
            _reassign(drafted, members, _other(drafted))

    def excerpts_of(edit: dict, kind: str) -> list[int]:
        post, position = str(edit.get("post", "")), edit.get("excerpt")
        found = [
            index
            for index, item in enumerate(items)
            if item.post_id == post and (position is None or item.position == int(position))
        ]
        if not found:
            stale(kind, f"post {post!r}" + (f" excerpt {position}" if position else "") + ":")
        return found

    for edit in question.get("move") or ():
        target_id = str(edit.get("to", ""))
        target = _other(drafted) if target_id == OTHER_ID else _any_theme(drafted, target_id)
        if target is None:
            stale("move", f"theme {target_id!r} is not drafted; moving post {edit.get('post')!r}")
            continue
        indexes = excerpts_of(edit, "move")
        if indexes:
            _reassign(drafted, indexes, target)
            target.origin = "analyst" if target.theme_id != OTHER_ID else target.origin
    # An edit's theme that matched nothing is gone; the analyst's own themes stay, even empty.
    drafted.themes = [t for t in drafted.themes if t.members or t.theme_id not in named]
    unpinned = {
        index for edit in question.get("unpin") or () for index in excerpts_of(edit, "unpin")
    }
    pinned = {index for edit in question.get("pin") or () for index in excerpts_of(edit, "pin")}
    for theme in drafted.themes:
        # Pinned first, then the theme's own picks, topped up to 2 where moves took them away.
        candidates = [i for i in theme.members if i in pinned] + theme.picks
        candidates += pick_quotes(theme.members, items, drafted.scores)
        picks: list[int] = []
        for index in candidates:
            if index in theme.members and index not in unpinned and index not in picks:
                picks.append(index)
        wanted = max(len(theme.picks), min(2, len(theme.members)))
        theme.picks = picks[: max(wanted, len([i for i in picks if i in pinned]))][:5]
    return warnings
