"""Stages a JSON export as records with their line numbers, in DuckDB, for the JSON readers.

A file is either JSON lines (one document a line; a line holding an array gives one record
per element) or one JSON document spread over many lines (a pretty-printed API response).
Lines that are not JSON become rejected records with their line number; the rest load.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from pathlib import Path

# The CSV reader is DuckDB's fastest way to get lines with their order; a delimiter and
# quote that never occur in JSON make each whole line one column. The buffer is set
# explicitly: by default it is 16 x max_line_size, which for a 2 GB export asks DuckDB
# for one 2 GB block and fails under the ingest memory limit.
_LINES_SQL = """
    select row_number() over () as line_no, line
    from read_csv(
        ?, columns = {'line': 'VARCHAR'}, delim = '\x1f', quote = '', escape = '',
        header = false, auto_detect = false, max_line_size = 268435456, buffer_size = 268435456,
        new_line = '\\n', strict_mode = false
    )
"""
# How much of a file format detection reads at most; a pretty-printed document larger than
# this is read as lines (and rejected line by line, with a message saying so).
HEAD_BYTES = 64 << 20


def head_records(path: Path, limit: int = 5) -> tuple[bool, list]:
    """Whether the file is JSON lines, and its first records (array elements count as records).

    One JSON document spread over many lines (a pretty-printed API response) is read whole.
    """
    records: list = []
    consumed = 0
    with path.open("rb") as handle:
        while len(records) < limit and consumed < HEAD_BYTES:
            line = handle.readline(HEAD_BYTES)
            if not line:
                break
            consumed += len(line)
            try:
                value = json.loads(line)
            except ValueError:
                # A corrupt line, or part of one large document.
                continue
            # Only objects and arrays are records; a lone string or number is part of a document.
            if isinstance(value, dict | list):
                records.extend(value if isinstance(value, list) else [value])
    if records or consumed == 0 or path.stat().st_size > HEAD_BYTES:
        return True, records[:limit]
    try:
        value = json.loads(path.read_bytes())
    except ValueError:
        return True, []
    return False, (value if isinstance(value, list) else [value])[:limit]


def stage_json_records(con, path: Path, source_file: str) -> int:
    """Fill temp table `export_records(line_no, doc)`; reject non-JSON lines. Returns rejects."""
    con.execute("drop table if exists export_lines")
    is_lines, _ = head_records(path, limit=1)
    not_utf8 = 0
    if is_lines:
        # DuckDB refuses a whole file for one line that is not UTF-8, and the error would
        # abort the file's transaction: check first (about a second per GB), and only then
        # take the slower path that rejects those lines one by one.
        if _is_utf8(path):
            con.execute(f"create temp table export_lines as {_LINES_SQL}", [str(path)])
        else:
            not_utf8 = _stage_utf8_lines(con, path, source_file)
        con.execute("delete from export_lines where line is null or trim(line) = ''")
    else:
        con.execute(
            "create temp table export_lines as select 1::bigint as line_no, content as line "
            "from read_text(?)",
            [str(path)],
        )
    con.execute(
        """
        insert into raw.rejected_records
        select ?, line_no, null,
               'not valid JSON (a truncated or corrupt line): fix or remove the line, '
               || 'the rest of the file is loaded',
               left(line, 4000), now()
        from export_lines where not json_valid(line)
        """,
        [source_file],
    )
    rejected = con.execute(
        "select count(*) from export_lines where not json_valid(line)"
    ).fetchone()[0]
    con.execute("drop table if exists export_records")
    con.execute(
        """
        create temp table export_records as
        with valid as (
            select line_no, line::json as doc from export_lines where json_valid(line)
        )
        select line_no, doc from valid where json_type(doc) <> 'ARRAY'
        union all
        select line_no, unnest(from_json(doc, '["json"]')) as doc
        from valid where json_type(doc) = 'ARRAY'
        """
    )
    con.execute("drop table export_lines")
    return rejected + not_utf8


def _is_utf8(path: Path, chunk_bytes: int = 16 << 20) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(chunk_bytes):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _stage_utf8_lines(con, path: Path, source_file: str) -> int:
    """`export_lines` for a file with lines that are not UTF-8: those become rejected records,
    the rest load with their own line numbers. The export itself is never modified: the good
    lines go through a temporary copy in which each bad line is left empty."""
    descriptor, copy = tempfile.mkstemp(prefix="tweetchat-utf8-", suffix=".jsonl")
    bad: list[tuple[int, str, str]] = []
    try:
        with path.open("rb") as source, os.fdopen(descriptor, "wb") as target:
            for line_no, raw in enumerate(source, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    bad.append((line_no, f"byte {error.start}", raw.decode("utf-8", "replace")))
                    raw = b"\n"
                target.write(raw)
        con.execute(f"create temp table export_lines as {_LINES_SQL}", [copy])
    finally:
        Path(copy).unlink(missing_ok=True)
    con.executemany(
        """
        insert into raw.rejected_records values (
            ?, ?, null,
            'not valid UTF-8 (at ' || ? || ' of the line): re-export the file as UTF-8 or fix '
            || 'the line; the rest of the file is loaded',
            left(?, 4000), now()
        )
        """,
        [(source_file, line_no, where, text) for line_no, where, text in bad],
    )
    return len(bad)
