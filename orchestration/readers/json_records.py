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

from orchestration.readers.common import reject_rows

# The CSV reader is DuckDB's fastest way to get lines with their order; a delimiter and
# quote that never occur in JSON make each whole line one column. The buffer is set
# explicitly: by default it is 16 x max_line_size, which for a 2 GB export asks DuckDB
# for one 2 GB block and fails under the ingest memory limit.
_LINES_SCAN = """
    read_csv(
        ?, columns = {'line': 'VARCHAR'}, delim = '\x1f', quote = '', escape = '',
        header = false, auto_detect = false, max_line_size = 268435456, buffer_size = 268435456,
        new_line = '\\n', strict_mode = false, filename = true
    )
"""
# How much of a file format detection reads at most; a pretty-printed document larger than
# this is read as lines (and rejected line by line, with a message saying so).
HEAD_BYTES = 64 << 20


class HeadRecords:
    """The first records of a JSON-lines file, parsed only as far as they are read.

    Detection asks each reader in turn and most accept the first record: a page of an export
    is large, and parsing five of them for every file cost more than loading it.
    """

    def __init__(self, path: Path, limit: int):
        self._path, self._limit = path, limit
        self._found: list = []
        self._offset = 0
        self._exhausted = False

    def _read_more(self) -> bool:
        """Parse lines until at least one more record is found; False at the end."""
        if self._exhausted or len(self._found) >= self._limit:
            return False
        with self._path.open("rb") as handle:
            handle.seek(self._offset)
            while self._offset < HEAD_BYTES:
                line = handle.readline(HEAD_BYTES)
                if not line:
                    break
                self._offset += len(line)
                try:
                    value = json.loads(line)
                except ValueError:
                    # A corrupt line, or part of one large document.
                    continue
                # Only objects and arrays are records; a lone string or number is part of a
                # document.
                if isinstance(value, dict | list):
                    self._found.extend(value if isinstance(value, list) else [value])
                    del self._found[self._limit :]
                    return True
        self._exhausted = True
        return False

    @property
    def consumed(self) -> int:
        return self._offset

    def __iter__(self):
        position = 0
        while position < len(self._found) or self._read_more():
            yield self._found[position]
            position += 1

    def __bool__(self) -> bool:
        return bool(self._found) or self._read_more()

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __getitem__(self, index):
        return list(self)[index]


def head_records(path: Path, limit: int = 5) -> tuple[bool, HeadRecords | list]:
    """Whether the file is JSON lines, and its first records (array elements count as records).

    One JSON document spread over many lines (a pretty-printed API response) is read whole.
    """
    records = HeadRecords(path, limit)
    if records or records.consumed == 0 or path.stat().st_size > HEAD_BYTES:
        return True, records
    try:
        value = json.loads(path.read_bytes())
    except ValueError:
        return True, []
    return False, (value if isinstance(value, list) else [value])[:limit]


def non_empty_object(value: str) -> str:
    """SQL: the JSON expression `value` is an object with at least one key (what Python's
    readers tested as a truthy dict)."""
    return f"(json_type(({value})) = 'OBJECT' and ({value})::varchar <> '{{}}')"


# What a timestamp scan (`json_lines_scan`) holds per line and per reading thread: bounded,
# unlike the ingest scan, so the sensor's memory does not grow with the file. A line longer
# than this (no export page comes near it) is skipped by the scan.
SCAN_LINE_BYTES = 16 << 20


def sql_string(text: str) -> str:
    """`text` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def json_lines_scan(path: Path) -> str:
    """SQL of a JSON-lines file's lines (column `line`), in bounded memory; a line longer than
    SCAN_LINE_BYTES is skipped. For timestamp scans: a reader's `post_times` picks its
    records' times from each line (an array line holds several records)."""
    return f"""
        read_csv(
            {sql_string(str(path))}, columns = {{'line': 'VARCHAR'}}, delim = '\x1f', quote = '',
            escape = '', header = false, auto_detect = false, max_line_size = {SCAN_LINE_BYTES},
            buffer_size = {SCAN_LINE_BYTES}, new_line = '\\n', strict_mode = false,
            ignore_errors = true
        )
    """


def json_line_times(path: Path, listed: str, other_shapes: str, parse: str) -> str:
    """SQL of post times (column `created_at`) read from a JSON-lines file's timestamps alone.

    `listed` is the JSON path of the times most lines hold as a list (a page's posts);
    `other_shapes` are `when <line is such> then [<its times>]` cases tried only on lines
    without them; `parse` turns the text `created_at_text` into a UTC timestamp. A line
    that is not JSON gives nothing (ingest rejects it).
    """
    # Testing a line for `listed` first keeps the common line to one parse; passing over the
    # lines that are not JSON inside the case, not with a `where`, saves half the scan again.
    return f"""
        select {parse} as created_at
        from (
            select distinct unnest(case
                when len(listed) > 0 then listed
                when listed is null then null
                {other_shapes}
                end) as created_at_text
            from (select line, try(json_extract_string(line, '{listed}')) as listed
                  from {json_lines_scan(path)})
        )
    """


def stage_json_lines(
    con, files: list[tuple[Path, str]], schema: str | None = None, keep_line: str = "true"
) -> int:
    """Fill temp table `export_lines` from JSON files, one row a non-blank line.

    `files` are (path, source_file) pairs, read in one pass: each line is numbered within its
    file, checked and, with a `schema`, parsed with `from_json` (an object line; array lines
    and documents are left to the reader). Columns: source_file, line_no, valid (the line is
    JSON), opening (its first character), parsed (the struct, or null) and line (the text,
    kept where not parsed or where the SQL condition `keep_line` on `parsed` holds: the
    lines a reader reads again). Keeping less text is what makes a large batch fit in memory.

    A file whose lines are not all UTF-8 is read through a copy with those lines blanked
    (they become rejected records); a pretty-printed document is staged as its one record,
    line 1. Lines that are not JSON become rejected records. Returns the number rejected.
    """
    parsed = f"from_json(line, '{schema}')" if schema else "null"
    con.execute("drop table if exists export_lines")
    scanned: list[tuple[str, str]] = []
    copies: list[Path] = []
    not_utf8 = 0
    try:
        for path, source_file in files:
            if _is_utf8(path):
                scanned.append((str(path), source_file))
            else:
                copy, bad = _utf8_copy(con, path, source_file)
                copies.append(copy)
                scanned.append((str(copy), source_file))
                not_utf8 += bad
        con.execute("create or replace temp table export_files (path varchar, source_file varchar)")
        con.executemany("insert into export_files values (?, ?)", scanned)
        # A line's number is its row in the one scan of all files less its file's first row.
        con.execute(
            f"""
            create temp table export_lines as
            with numbered as (
                select filename, row_number() over () as row_no, line from {_LINES_SCAN}
            ),
            lines as (
                select f.source_file,
                       numbered.row_no - min(numbered.row_no) over (
                           partition by numbered.filename) + 1 as line_no,
                       numbered.line, left(ltrim(numbered.line), 1) as opening
                from numbered join export_files as f on f.path = numbered.filename
            ),
            checked as (
                select source_file, line_no, line, opening, json_valid(line) as valid
                from lines where opening <> ''
            ),
            parsed as (
                select *, case when valid and opening = '{{' then {parsed} end as parsed
                from checked
            )
            select source_file, line_no, valid, opening, parsed,
                   case when parsed is null or ({keep_line}) then line end as line
            from parsed
            """,
            [[path for path, _ in scanned]],
        )
    finally:
        for copy in copies:
            copy.unlink(missing_ok=True)
        con.execute("drop table if exists export_files")
    _stage_documents(con, {source_file: Path(path) for path, source_file in scanned}, parsed)
    con.execute(
        """
        insert into raw.rejected_records
        select source_file, line_no, null,
               'not valid JSON (a truncated or corrupt line): fix or remove the line, '
               || 'the rest of the file is loaded',
               left(line, 4000), now()
        from export_lines where not valid
        """
    )
    invalid = con.execute("select count(*) from export_lines where not valid").fetchone()[0]
    return not_utf8 + invalid


def _stage_documents(con, paths: dict[str, Path], parsed: str) -> None:
    """A file none of whose lines is a JSON object or array, and which is one JSON document
    as a whole (a pretty-printed API response), is staged as that one record, line 1."""
    for (source_file,) in con.execute(
        """
        select source_file from export_lines group by source_file
        having not bool_or(valid and opening in ('{', '['))
        """
    ).fetchall():
        path = paths[source_file]
        if path.stat().st_size > HEAD_BYTES:
            continue
        is_document = con.execute(
            "select json_valid(content) from read_text(?)", [str(path)]
        ).fetchone()[0]
        if is_document:
            con.execute("delete from export_lines where source_file = ?", [source_file])
            con.execute(
                f"""
                insert into export_lines
                select ?, 1, true, opening,
                       case when opening = '{{' then {parsed} end, line
                from (select content as line, left(ltrim(content), 1) as opening
                      from read_text(?))
                """,
                [source_file, str(path)],
            )


def stage_json_records(con, path: Path, source_file: str) -> int:
    """Fill temp table `export_records(line_no, doc)` (staging.py) with the file's JSON
    records (an array line gives one record per element); reject lines that are not JSON or
    not UTF-8. Returns the number of rejected lines."""
    rejected = stage_json_lines(con, [(path, source_file)])
    con.execute("drop table if exists export_records")
    con.execute(
        """
        create temp table export_records as
        with valid as (
            select line_no, line::json as doc from export_lines where valid
        )
        select line_no, doc from valid where json_type(doc) <> 'ARRAY'
        union all
        select line_no, unnest(from_json(doc, '["json"]')) as doc
        from valid where json_type(doc) = 'ARRAY'
        """
    )
    con.execute("drop table export_lines")
    return rejected


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


def _utf8_copy(con, path: Path, source_file: str) -> tuple[Path, int]:
    """A temporary copy of a file with lines that are not UTF-8, each such line left empty
    so the others keep their numbers; those lines become rejected records. The export itself
    is never modified. Returns the copy (the caller removes it) and the number rejected."""
    descriptor, name = tempfile.mkstemp(prefix="tweetchat-utf8-", suffix=".jsonl")
    bad: list[tuple[int, str, str]] = []
    with path.open("rb") as source, os.fdopen(descriptor, "wb") as target:
        for line_no, raw in enumerate(source, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                bad.append((line_no, f"byte {error.start}", raw.decode("utf-8", "replace")))
                raw = b"\n"
            target.write(raw)
    reject_rows(
        con,
        source_file,
        [
            (line_no, None, f"not valid UTF-8 (at {where} of the line): re-export the file as "
             "UTF-8 or fix the line; the rest of the file is loaded", text)
            for line_no, where, text in bad
        ],
    )  # fmt: skip
    return Path(name), len(bad)
