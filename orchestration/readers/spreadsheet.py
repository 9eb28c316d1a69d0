"""Spreadsheets of any tool (Tweet Binder and others), CSV or XLSX, read through a column mapping.

A mapping (YAML) names, for each canonical field, the tool's column header; see
`mappings/tweet_binder.yaml` and docs/exports.md "Reading other spreadsheets". Shipped mappings in
`mappings/` are tried during detection; any other mapping is given per file in formats.yaml:
`"exports/*.xlsx": {format: spreadsheet, mapping: my_tool.yaml}` (a path relative to the
raw directory, or a shipped mapping's name).

Hashtags, mentions and links are taken from the text when the sheet has no columns for them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import yaml

from orchestration.readers.common import reject_rows
from orchestration.readers.csv_records import MissingColumnsError, stage_csv, staged_columns
from orchestration.readers.staging import Placing, reject_unplaceable

FORMAT = "spreadsheet"
MAPPINGS_DIR = Path(__file__).with_name("mappings")
REQUIRED_FIELDS = ("post_id", "created_at", "text")
KNOWN_FIELDS = {
    "post_id", "created_at", "author_username", "author_id", "display_name", "text", "kind",
    "reply_to_post_id", "reply_to_user_id", "quoted_post_id", "retweeted_post_id",
    "conversation_id", "hashtags", "mentions", "urls", "retweet_count", "reply_count",
    "like_count", "quote_count", "impression_count",
}  # fmt: skip
# Largest integer a spreadsheet's floating-point cell holds exactly.
EXACT_FLOAT_INT = 2**53


class MappingError(ValueError):
    """A column mapping file is wrong."""


def shipped_mappings() -> dict[str, Path]:
    return {path.stem: path for path in sorted(MAPPINGS_DIR.glob("*.yaml"))}


def read_mapping(mapping: str) -> dict:
    """A mapping by shipped name or path, checked."""
    path = shipped_mappings().get(mapping) or Path(mapping)
    if not path.exists():
        raise MappingError(
            f"column mapping {mapping!r} not found: give a path to a YAML file or one of "
            f"{sorted(shipped_mappings())}."
        )
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    columns = config.get("columns") or {}
    unknown = sorted(set(columns) - KNOWN_FIELDS)
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if unknown or missing or not ("author_username" in columns or "author_id" in columns):
        raise MappingError(
            f"{path}: columns: "
            + (
                f"unknown canonical field(s) {unknown} (known: {sorted(KNOWN_FIELDS)}); "
                if unknown
                else ""
            )
            + f"must map {list(REQUIRED_FIELDS)} and author_username or author_id."
        )
    try:
        ZoneInfo(config.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise MappingError(
            f"{path}: timezone {config.get('timezone')!r} is not an IANA zone name"
        ) from error
    return {"path": str(path), **config}


def _required_headers(config: dict) -> list[str]:
    columns = config["columns"]
    return [columns[name] for name in (*REQUIRED_FIELDS, "author_username") if name in columns]


def sniff(head) -> dict | bool:
    """A shipped mapping whose required columns the header has."""
    found = set(head.columns or ())
    for name, path in shipped_mappings().items():
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        if found and set(_required_headers({"columns": config["columns"]})) <= found:
            return {"mapping": name}
    return False


def workbook_header(path: Path) -> list[str] | None:
    """The first row of the first sheet of an XLSX workbook."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for row in workbook.worksheets[0].iter_rows(max_row=1, values_only=True):
            return [str(value).strip() if value is not None else "" for value in row]
    finally:
        workbook.close()
    return None


def load(con, path: Path, source_file: str, mapping: str = "tweet_binder") -> tuple[int, int]:
    """Land the sheet's rows as posts through `mapping`. Returns (posts, rejected)."""
    config = read_mapping(mapping)
    columns = config["columns"]
    zone = ZoneInfo(config.get("timezone", "UTC"))
    if path.read_bytes()[:4] == b"PK\x03\x04":
        rejected = _stage_workbook(con, path, source_file, columns, zone)
    else:
        rejected = stage_csv(con, path, source_file)
    found = staged_columns(con)
    missing = [
        f"{field} (column {columns[field]!r})"
        for field in (*REQUIRED_FIELDS, "author_username", "author_id")
        if field in columns
        and columns[field] not in found
        and field not in ("author_username", "author_id")
    ]
    if not any(columns.get(name) in found for name in ("author_username", "author_id")):
        missing.append("author_username or author_id")
    if missing:
        raise MissingColumnsError(
            f"{source_file}: line 1 (header): the {config.get('tool', 'spreadsheet')} mapping "
            f"{config['path']} needs {', '.join(missing)}, which the file lacks. Columns found: "
            f"{found}. Fix the mapping's `columns` to name this export's headers."
        )

    def cell(field: str) -> str:
        header = columns.get(field)
        return '"' + header.replace('"', '""') + '"' if header in found else "null"

    time_format = config.get("time_format", "iso8601")
    local = (
        f"try_strptime({cell('created_at')}, '{time_format}')"
        if time_format != "iso8601"
        else "null"
    )
    # Times without an offset are in the mapping's zone; ISO times with one keep it.
    created = (
        f"coalesce(timezone('UTC', timezone('{zone.key}', {local})), "
        f"timezone('UTC', try_cast({cell('created_at')} as timestamptz)))"
        if time_format != "iso8601"
        else f"timezone('UTC', coalesce(try_cast({cell('created_at')} as timestamptz), "
        f"timezone('{zone.key}', try_cast({cell('created_at')} as timestamp))))"
    )
    kinds = config.get("kinds") or {}
    kind_cases = " ".join(
        f"when {cell('kind')} in ({', '.join(_quote(v) for v in values)}) then '{kind}'"
        for kind, values in kinds.items()
        if values
    )
    kind = f"case {kind_cases} when {cell('text')} like 'RT @%' then 'retweet' end"

    def listed(field: str, pattern: str) -> str:
        if cell(field) != "null":
            return f"list_transform(string_split({cell(field)}, ','), lambda v: trim(v, ' #@'))"
        return f"regexp_extract_all({cell('text')}, '{pattern}', 1)"

    con.execute(
        f"""
        create or replace temp table sheet_rows as
        select {cell("post_id")} as __id, {cell("created_at")} as __created_text,
               {created} as __created_at, {kind} as __kind, *
        from csv_rows
        """
    )
    placing = Placing(
        noun="post",
        id_field=columns["post_id"],
        time_field=columns["created_at"],
        time_form=f"in the mapping's time_format {time_format!r}",
        fix_missing="fix the row or the mapping; the rest of the file is loaded",
        fix_bad="fix the row or the mapping; the rest of the file is loaded",
    )
    rejected += reject_unplaceable(
        con,
        """(select ? as source_file, line_no, 'data' as section, __id as post_id,
                   __created_text as created_text, __created_at as created_at,
                   null as raw_text from sheet_rows)""",
        placing,
        [source_file],
    )
    metric = lambda name: f"try_cast(replace({cell(name)}, ',', '') as bigint)"  # noqa: E731
    # No hashtag column: null, so dbt takes them from the text (metrics.md 3.1).
    hashtags = listed("hashtags", "") if cell("hashtags") != "null" else "null"
    mentions = listed("mentions", r"@(\w+)")
    urls = listed("urls", r"(https?://[^\s]+)")
    posts = con.execute(
        f"""
        insert into raw.posts by name
        select ? as platform, __id as post_id, 'data' as section,
               {cell("author_id")} as author_id,
               ltrim({cell("author_username")}, '@') as author_username,
               __created_at as created_at, {cell("text")} as text,
               {cell("reply_to_post_id")} as reply_to_post_id,
               {cell("reply_to_user_id")} as reply_to_user_id,
               {cell("quoted_post_id")} as quoted_post_id,
               {cell("retweeted_post_id")} as retweeted_post_id,
               {cell("conversation_id")} as conversation_id,
               {hashtags} as hashtags, {mentions} as mentions, {urls} as urls,
               {metric("retweet_count")} as retweet_count,
               {metric("reply_count")} as reply_count, {metric("like_count")} as like_count,
               {metric("quote_count")} as quote_count,
               {metric("impression_count")} as impression_count,
               ? as source_file, line_no as source_line, __kind as kind
        from sheet_rows where __id is not null and __created_at is not null
        """,
        [config.get("platform", "x"), source_file],
    ).fetchone()[0]
    con.execute(
        f"""
        insert into raw.users by name
        select distinct ? as platform, {cell("author_id")} as user_id,
               ltrim({cell("author_username")}, '@') as username,
               {cell("display_name")} as display_name, ? as source_file, line_no as source_line
        from sheet_rows where {cell("author_id")} is not null
        """,
        [config.get("platform", "x"), source_file],
    )
    con.execute("drop table if exists sheet_rows")
    con.execute("drop table if exists csv_rows")
    return posts, rejected


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _stage_workbook(con, path: Path, source_file: str, columns: dict, zone: ZoneInfo) -> int:
    """Fill `csv_rows` from the first sheet of a workbook; cells become text.

    A date cell becomes an ISO time in the mapping's zone. An id typed as a number beyond
    2^53 has lost digits in the spreadsheet: that row is rejected.
    """
    from openpyxl import load_workbook

    id_headers = {columns[name] for name in ("post_id", "author_id", "reply_to_post_id",
                                              "quoted_post_id", "retweeted_post_id")
                  if name in columns}  # fmt: skip
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows, bad = [], []
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [str(value).strip() if value is not None else "" for value in next(values, ())]
        for line_no, row in enumerate(values, start=2):
            if all(value is None for value in row):
                continue
            record = {"line_no": line_no}
            for name, value in zip(header, row, strict=False):
                if isinstance(value, datetime | date):
                    moment = (
                        value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
                    )
                    value = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()
                elif isinstance(value, float) and value.is_integer():
                    if name in id_headers and abs(value) >= EXACT_FLOAT_INT:
                        bad.append(
                            (
                                line_no,
                                name,
                                (
                                    f"{name} {value:.0f} is stored as a number, which has lost the id's "
                                    "last digits: format the column as text in the spreadsheet and "
                                    "export again"
                                ),
                                None,
                            )
                        )
                        record = None
                        break
                    value = str(int(value))
                record[name] = None if value is None else str(value)
            if record is not None:
                rows.append(record)
    finally:
        workbook.close()
    frame = pd.DataFrame(rows, columns=["line_no", *[h for h in header if h]], dtype=object)
    con.register("workbook_rows", frame)
    try:
        con.execute("drop table if exists csv_rows")
        con.execute(
            "create temp table csv_rows as select line_no::bigint as line_no, "
            "columns(lambda c: c <> 'line_no')::varchar from workbook_rows"
        )
    finally:
        con.unregister("workbook_rows")
    return reject_rows(con, source_file, bad)
