"""Helpers every reader shares: rejected records, and the columns of a raw table."""

from __future__ import annotations

from orchestration.readers.canonical import RAW_TABLES

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
    """Insert (line, field, reason, raw text) tuples found in Python (a workbook's cells, a
    line that is not UTF-8) as rejected records."""
    if rows:
        lines, fields, reasons, texts = (list(column) for column in zip(*rows, strict=True))
        con.execute(
            "insert into raw.rejected_records select ?, unnest(?), unnest(?), unnest(?), "
            "unnest(?), now()",
            [source_file, lines, fields, reasons,
             [None if text is None else text[:RAW_TEXT_CHARS] for text in texts]],
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
