"""Small Markdown tables for Dagster metadata and reports; user text is escaped, never markup."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Characters that would start Markdown or HTML structure inside a table cell.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def escape(value: object) -> str:
    """`value` as literal Markdown text on one line."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", text)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table with the given header; every cell escaped."""
    lines = [
        "| " + " | ".join(escape(column) for column in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
