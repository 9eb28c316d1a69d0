"""The staging contract: the temp tables a reader reads an export through, and the one way a
post that cannot be placed in a chat window is rejected.

An export is staged in DuckDB before a reader maps it to the raw tables of `canonical.py`:

- `export_lines` (`json_records.stage_json_lines`, for X v2 batches): one row a non-blank
  line of one or many JSON files.
- `export_records` (`json_records.stage_json_records`, for the other JSON readers): one row a
  JSON record of one file (a line holding an array gives one row an element).
- `csv_rows` (`csv_records.stage_csv`, or a workbook's first sheet in `spreadsheet.py`): one
  row a data row of one table file, every cell as text.

All three are temp tables of the loading connection, replaced by the next file's staging and
dropped by the reader when it is done. Their columns are `STAGING_TABLES`.

Every reader then makes its candidate posts, one row each with the columns of
`PLACING_COLUMNS`, and hands them to `reject_unplaceable`: a data post (not a referenced one)
without an id, or without a time that parses, is a rejected record naming the file, the line,
the export's own field and what to do. Only the posts it keeps land (`PLACEABLE`).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.readers.common import reject_records

STAGING_TABLES = {
    "export_lines": {
        "source_file": "varchar: the file, relative to the raw directory",
        "line_no": "bigint: the line in its file (1-based; blank lines count)",
        "valid": "boolean: the line is JSON",
        "opening": "varchar: its first character ('{' an object, '[' an array)",
        "parsed": "struct: the object parsed with the reader's schema, or null",
        "line": "varchar: the line's text where the reader reads it again, else null",
    },
    "export_records": {
        "line_no": "bigint: the line the record is on (1 for a pretty-printed document)",
        "doc": "json: the record",
    },
    "csv_rows": {
        "line_no": "bigint: the data row number + 1 (the header is line 1)",
        "<the file's own columns>": "varchar: each cell as text; empty (and NA for TAGS) is null",
    },
}

# What `reject_unplaceable` reads of a reader's candidate posts.
PLACING_COLUMNS = {
    "source_file": "varchar",
    "line_no": "bigint: the line of the record or row",
    "section": "varchar: 'data' (a post of the export) or 'includes' (a referenced post)",
    "post_id": "varchar: null when the export gives none",
    "created_text": "varchar: the time as the export writes it, or null",
    "created_at": "timestamp: that time parsed (UTC), null when it does not parse",
    "raw_text": "varchar: what to show of the record in the rejected row, or null",
}
# The posts of a candidate relation that land (referenced posts need no time of their own).
PLACEABLE = "post_id is not null and (section = 'includes' or created_at is not null)"


@dataclass(frozen=True)
class Placing:
    """How a format names a post, its id and time fields, and what to do about them."""

    noun: str  # 'post', 'status', 'row for post'
    id_field: str  # the export's own field names, as the rejected row's `field`
    time_field: str
    time_form: str  # 'an ISO 8601 time'
    fix_missing: str  # what to do when the id or the time is missing
    fix_bad: str  # ... and when the time does not parse
    fix_no_id: str | None = None  # when a missing id needs other advice than fix_missing


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def reject_unplaceable(con, relation: str, placing: Placing, params: list | None = None) -> int:
    """Reject the data posts of `relation` (a table or a subquery with PLACING_COLUMNS, and
    its `params`) without an id or a time that parses; returns how many. The reader then
    lands `where PLACEABLE`."""
    noun, id_field, time_field = map(_quote, (placing.noun, placing.id_field, placing.time_field))
    fix_no_id = placing.fix_no_id or placing.fix_missing
    return reject_records(
        con,
        f"""
        select source_file, line_no,
               case when post_id is null then {id_field} else {time_field} end,
               case
                   when post_id is null
                   then {noun} || ' has no ' || {id_field} || ': ' || {_quote(fix_no_id)}
                   when created_text is null
                   then {noun} || ' ' || post_id || ' has no ' || {time_field} || ': '
                        || {_quote(placing.fix_missing)}
                   else {noun} || ' ' || post_id || ' has ' || {time_field} || ' '
                        || created_text || ' which is not ' || {_quote(placing.time_form)}
                        || ': ' || {_quote(placing.fix_bad)}
               end,
               left(raw_text, 4000)
        from {relation}
        where section = 'data' and (post_id is null or created_at is null)
        """,
        params,
    )
