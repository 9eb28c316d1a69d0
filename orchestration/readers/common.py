"""Helpers every reader shares: rejected records and landing rows built in Python."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from orchestration.readers.canonical import RAW_TABLES
from orchestration.warehouse import insert_many

RAW_TEXT_CHARS = 4000


def reject_records(con, select_sql: str, params: list | None = None) -> int:
    """Insert the (source_file, line, field, reason, raw text) rows of `select_sql` as
    rejected records; returns how many."""
    return con.execute(
        f"insert into raw.rejected_records select r.*, now() from ({select_sql}) as r",
        params or [],
    ).fetchone()[0]


def reject(con, source_file: str, select_sql: str, params: list | None = None) -> int:
    """Insert the (line, field, reason, raw text) rows of `select_sql`, all of one file, as
    rejected records; returns how many."""
    return reject_records(
        con, f"select ?, r.* from ({select_sql}) as r", [source_file, *(params or [])]
    )


def landed_per_file(con, source_files: list[str]) -> dict[str, tuple[int, int]]:
    """{source_file: (posts, rejected records)} in the raw tables, for files just loaded."""
    counts = {source_file: [0, 0] for source_file in source_files}
    for position, table in enumerate(("posts", "rejected_records")):
        for source_file, rows in con.execute(
            f"select source_file, count(*) from raw.{table} "
            "where source_file in (select unnest(?)) group by source_file",
            [source_files],
        ).fetchall():
            counts[source_file][position] = rows
    return {source_file: (posts, rejected) for source_file, (posts, rejected) in counts.items()}


def reject_rows(con, source_file: str, rows: list[tuple]) -> int:
    """Insert (line, field, reason, raw text) tuples as rejected records."""
    rejected_at = datetime.now(UTC).replace(tzinfo=None)
    insert_many(
        con,
        "raw.rejected_records",
        [
            (source_file, line, column, reason,
             None if raw is None else raw[:RAW_TEXT_CHARS], rejected_at)
            for line, column, reason, raw in rows
        ],
    )  # fmt: skip
    return len(rows)


def column_types(table: str) -> dict[str, str]:
    """Column name -> type of a raw table, in order."""
    types = {}
    for line in RAW_TABLES[table].splitlines():
        words = line.split("--")[0].replace(",", " ").split()
        if words:
            types[words[0]] = words[1]
    return types


def insert_rows(con, table: str, rows: list[dict]) -> int:
    """Land dicts (keys: raw column names; missing ones stay null) in raw.<table>.

    Timestamps may be ISO 8601 strings with any offset; they land as UTC.
    """
    if not rows:
        return 0
    types = column_types(table)
    frame = pd.DataFrame(rows).reindex(columns=list(types))
    select = ", ".join(
        f"timezone('UTC', try_cast({name} as timestamptz)) as {name}"
        if column_type == "timestamp"
        else f"try_cast({name} as {column_type}) as {name}"
        for name, column_type in types.items()
    )
    con.register("reader_rows", frame)
    try:
        con.execute(f"insert into raw.{table} by name select {select} from reader_rows")
    finally:
        con.unregister("reader_rows")
    return len(rows)
