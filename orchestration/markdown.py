"""Markdown for the reports and the Dagster UI: user text stays text, with few backslashes.

Only what would change the rendering where it stands is escaped (CommonMark, with GitHub's
tables and strikethrough): `*`, a backtick and `[` anywhere; `_` unless inside a word (an
intraword `_` never emphasises, so `@PanelLead_demo` stays as written); `<` where it would
open a tag or an autolink; `&` where it would open an entity; `~` where a pair could strike
through; a backslash that would escape what follows; `|` in a table cell; and at the start
of a line, a `#` heading, a list marker, a `>` quote or a `---` rule. Dots, hyphens,
brackets and the rest are left alone, so the raw text reads well pasted anywhere.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Sequence

_ASCII_PUNCTUATION = frozenset(string.punctuation)
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# What a line's first characters would open: an ATX heading, a bullet item, a block quote,
# a thematic break of hyphens (escaped before them); an ordered item (escaped after the digits).
_BLOCK_START = re.compile(r"#{1,6}(?=\s|$)|[-+](?=\s|$)|>|-[ ]*-[ ]*-[ -]*$")
_ORDERED_ITEM = re.compile(r"[0-9]{1,9}(?=[.)](\s|$))")
_NUMBER = re.compile(r"[-+–]?[0-9][0-9,]*(\.[0-9]+)?%?( \([a-z ]+\))?")


def _is_space_or_punctuation(char: str | None) -> bool:
    """CommonMark's flanking test: None is the edge of the text, which counts as space."""
    if char is None or char.isspace():
        return True
    return char in _ASCII_PUNCTUATION or unicodedata.category(char)[0] in "PS"


def _needs_backslash(text: str, index: int, cell: bool) -> bool:
    char = text[index]
    following = text[index + 1] if index + 1 < len(text) else None
    if char in "*`[":
        return True
    if char == "|":
        return cell
    if char == "~":
        return text.count("~") > 1
    if char == "\\":
        return following is None or following in _ASCII_PUNCTUATION
    if char == "<":
        return following is not None and (following in "/!?" or following.isalpha())
    if char == "&":
        return _ENTITY.match(text, index) is not None
    if char == "_":
        # The whole run of underscores: inside a word (letters or digits both sides) it
        # can neither open nor close emphasis.
        start, end = index, index
        while start > 0 and text[start - 1] == "_":
            start -= 1
        while end < len(text) and text[end] == "_":
            end += 1
        before = text[start - 1] if start > 0 else None
        after = text[end] if end < len(text) else None
        return _is_space_or_punctuation(before) or _is_space_or_punctuation(after)
    return False


def _inline(text: str, cell: bool) -> str:
    return "".join(
        ("\\" + char) if _needs_backslash(text, index, cell) else char
        for index, char in enumerate(text)
    )


def _one_line(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def escape(value: object) -> str:
    """`value` as literal Markdown text on one line, safe at the start of a line (a
    paragraph, a list item, a heading's text) and inside one."""
    text = _inline(_one_line(value), cell=False)
    if _BLOCK_START.match(text):
        return "\\" + text
    ordered = _ORDERED_ITEM.match(text)
    if ordered:
        return text[: ordered.end()] + "\\" + text[ordered.end() :]
    return text


def heading(level: int, value: object) -> str:
    """An ATX heading of `value`; a closing run of `#` would be dropped, so it is escaped."""
    text = escape(value)
    text = re.sub(r"(\s)(#+)$", r"\1\\\2", text)
    return f"{'#' * level} {text}"


def cell(value: object) -> str:
    """`value` as the literal text of a table cell."""
    return _inline(_one_line(value), cell=True)


def is_number(value: object) -> bool:
    """A count, an amount or a percentage (as the reports write them: `1,234`, `32.5%`,
    `133 (window)`, `–` for none), which a table aligns right."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    text = _one_line(value)
    return text == "–" or all(_NUMBER.fullmatch(part) for part in text.split(" / "))


def number_columns(rows: Sequence[Sequence[object]]) -> set[int]:
    """Indexes of the columns whose filled cells are all numbers (at least one filled)."""
    columns = set()
    for index in range(max((len(row) for row in rows), default=0)):
        filled = [row[index] for row in rows if _one_line(row[index]) != ""]
        if filled and all(is_number(value) for value in filled):
            columns.add(index)
    return columns


def table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table with the given header; every cell escaped, numbers aligned right."""
    rows = [tuple(row) for row in rows]
    right = number_columns(rows)
    lines = [
        "| " + " | ".join(cell(column) for column in columns) + " |",
        "|" + "".join("--:|" if i in right else "---|" for i in range(len(columns))),
    ]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
