"""Stages a CSV export as text columns with row numbers, in DuckDB, for the table readers.

Every cell is read as text (ids must not become floats); rows DuckDB cannot parse become
rejected records with their line and the parser's reason, and the rest load. A row's
`line_no` is its data row number + 1 (the header): a cell holding a line break shifts the
lines after it, so messages name the row's post id too.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.readers.common import reject


class MissingColumnsError(ValueError):
    """A table export lacks columns its format needs."""


def csv_columns(con, path: Path) -> list[str]:
    """The header of a CSV file, as DuckDB reads it (the timestamp scans read no more)."""
    return [
        row[0]
        for row in con.execute(
            "select column_name from (describe select * from read_csv(?, all_varchar = true, "
            "header = true, sample_size = 1))",
            [str(path)],
        ).fetchall()
    ]


def require_columns(
    source_file: str, found: list[str], required: dict[str, str], what: str
) -> None:
    """Raise a clear error naming the missing columns and the ones found."""
    missing = [column for column in required if column not in found]
    if missing:
        needs = "; ".join(f"{column} ({required[column]})" for column in missing)
        raise MissingColumnsError(
            f"{source_file}: line 1 (header): a {what} needs the column(s) {needs}, which the "
            f"file lacks. Columns found: {found}. Re-export with these columns, or force "
            "another format for this file in formats.yaml."
        )


def stage_csv(con, path: Path, source_file: str, nulls: tuple[str, ...] = ("",)) -> int:
    """Fill temp table `csv_rows(line_no, <the file's columns as text>)` (the staging
    contract: staging.py). Returns rejects."""
    con.execute("drop table if exists csv_rows")
    null_list = ", ".join("'" + value.replace("'", "''") + "'" for value in nulls)
    con.execute(
        f"""
        create temp table csv_rows as
        select row_number() over () + 1 as line_no, *
        from read_csv(
            ?, all_varchar = true, header = true, nullstr = [{null_list}],
            store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans',
            max_line_size = 268435456, buffer_size = 268435456
        )
        """,
        [str(path)],
    )
    rejected = reject(
        con,
        source_file,
        """
        select line, column_name,
               'not a readable CSV row (' || error_type || ': ' || error_message
               || '): fix or remove the row; the rest of the file is loaded',
               left(csv_line, 4000)
        from csv_rejects
        """,
    )
    con.execute("drop table if exists csv_rejects")
    con.execute("drop table if exists csv_scans")
    return rejected


def staged_columns(con) -> list[str]:
    """The file's own columns of `csv_rows` (without line_no)."""
    return [
        row[0]
        for row in con.execute("select column_name from (describe csv_rows)").fetchall()
        if row[0] != "line_no"
    ]


def column(found: list[str], *names: str) -> str:
    """The first of `names` that the file has, quoted for SQL, else null."""
    for name in names:
        if name in found:
            return '"' + name.replace('"', '""') + '"'
    return "null"


# A timestamp scan reads lines of at most this length, and holds this much a reading thread.
SCAN_LINE_BYTES = 16 << 20


def csv_column_scan(con, path: Path, wanted: list[str], nulls: tuple[str, ...] = ("",)) -> str:
    """SQL reading only the `wanted` columns (those the file has; see `column`) of a CSV file
    as text, in bounded memory; rows DuckDB cannot parse are skipped (ingest rejects them)."""
    found = csv_columns(con, path)
    null_list = ", ".join("'" + value.replace("'", "''") + "'" for value in nulls)
    source = "'" + str(path).replace("'", "''") + "'"
    picked = ", ".join(f"{column(found, name)} as {column([name], name)}" for name in wanted)
    return f"""
        select {picked}
        from read_csv(
            {source}, all_varchar = true, header = true, nullstr = [{null_list}],
            ignore_errors = true, max_line_size = {SCAN_LINE_BYTES},
            buffer_size = {SCAN_LINE_BYTES}
        )
    """
