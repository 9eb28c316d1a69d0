"""Read-only access to the published warehouse for analysts: `tweetchat query` and `shell`.

Every statement opens the published file read-only and closes it again, so a run that
publishes meanwhile is never blocked and the next statement sees the new data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import duckdb

FORMATS = ("table", "csv", "json")
SHELL_HELP = """\
Statements end with ';'. Commands: .tables (list tables), .format table|csv|json, .help, .quit
The warehouse is read-only here: SELECT, DESCRIBE, SHOW and friends."""


class QueryError(Exception):
    """A statement or a warehouse the analyst can fix; printed as one line."""


def run_query(warehouse: Path, sql: str, output_format: str, out: TextIO) -> int:
    """Execute `sql` on the published warehouse, write its rows in `output_format`."""
    if not warehouse.exists():
        raise QueryError(
            f"no published warehouse at {warehouse}; run `tweetchat run` first "
            "(or give --warehouse)"
        )
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            cursor = con.execute(sql)
            if cursor.description is None:
                return 0
            frame = cursor.df()
    except duckdb.Error as error:
        message = str(error).strip().splitlines()[0]
        if "read-only" in message.lower() or "read only" in message.lower():
            message += " (the published warehouse is read-only; change data through a run)"
        raise QueryError(message) from error
    if output_format == "csv":
        frame.to_csv(out, index=False)
    elif output_format == "json":
        out.write(frame.to_json(orient="records", date_format="iso", force_ascii=False))
        out.write("\n")
    else:
        if frame.empty:
            out.write(f"({', '.join(map(str, frame.columns))}) no rows\n")
        else:
            out.write(frame.to_string(index=False, max_colwidth=80) + "\n")
        out.write(f"{len(frame)} row{'s' if len(frame) != 1 else ''}\n")
    return len(frame)


def shell(warehouse: Path, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """A small read-only SQL prompt over the published warehouse."""
    interactive = stdin.isatty()
    output_format = "table"
    if interactive:
        out.write(f"tweetchat shell on {warehouse} (read-only)\n{SHELL_HELP}\n")
    buffer: list[str] = []
    failures = 0
    while True:
        if interactive:
            out.write("tweetchat> " if not buffer else "      ...> ")
            out.flush()
        line = stdin.readline()
        if not line:
            break
        stripped = line.strip()
        if not buffer and stripped.startswith("."):
            command, _, argument = stripped.partition(" ")
            if command in (".quit", ".exit"):
                break
            if command == ".help":
                out.write(SHELL_HELP + "\n")
            elif command == ".tables":
                _safe(
                    warehouse,
                    "select table_schema || '.' || table_name as name, table_type "
                    "from information_schema.tables "
                    "where table_schema in ('raw', 'marts', 'audit') order by 1",
                    "table",
                    out,
                )
            elif command == ".format" and argument.strip() in FORMATS:
                output_format = argument.strip()
            else:
                out.write(f"unknown command {stripped!r}; .help lists them\n")
            continue
        buffer.append(line)
        if stripped.endswith(";"):
            failures += not _safe(warehouse, "".join(buffer), output_format, out)
            buffer = []
    if buffer and "".join(buffer).strip():
        failures += not _safe(warehouse, "".join(buffer), output_format, out)
    return 1 if failures and not interactive else 0


def _safe(warehouse: Path, sql: str, output_format: str, out: TextIO) -> bool:
    try:
        run_query(warehouse, sql, output_format, out)
        return True
    except QueryError as error:
        out.write(f"error: {error}\n")
        return False
