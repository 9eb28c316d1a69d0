"""Spreadsheets through column mappings (CSV and XLSX), forced formats and table-file errors."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from orchestration.ingest import load_directory

HEADER = ["Tweet ID", "Date", "User", "User ID", "Name", "Text", "Type", "Retweets", "Likes"]
ROWS = [
    ["1790000000000000001", "2024-05-14 19:00:00", "@host", "10", "Host", "Q1 What is QI? #QIHour",
     "Original", "5", "12"],
    ["1790000000000000002", "2024-05-14 19:03:00", "amy", "11", "Amy",
     "A1 small steps @host https://example.org/qi #QIHour", "Reply", "1", "3"],
    ["1790000000000000003", "2024-05-14 19:04:00", "bob", "12", "Bob",
     "RT @host: Q1 What is QI? #QIHour", "RT", "", ""],
]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def load(raw: Path) -> tuple[duckdb.DuckDBPyConnection, object]:
    con = duckdb.connect()
    return con, load_directory(con, raw)


def test_tweet_binder_csv_is_detected_and_mapped(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "binder.csv", HEADER, ROWS)
    con, summary = load(raw)
    assert summary.loaded == ["binder.csv"]
    assert con.execute("select format from raw.loaded_files").fetchall() == [("spreadsheet",)]
    rows = con.execute(
        """
        select post_id, author_username, created_at::varchar, kind, hashtags, mentions, urls,
               retweet_count, like_count, impression_count
        from raw.posts order by post_id
        """
    ).fetchall()
    assert rows == [
        ("1790000000000000001", "host", "2024-05-14 19:00:00", None, None, [], [], 5, 12, None),
        ("1790000000000000002", "amy", "2024-05-14 19:03:00", "reply", None, ["host"],
         ["https://example.org/qi"], 1, 3, None),
        ("1790000000000000003", "bob", "2024-05-14 19:04:00", "retweet", None, ["host"], [],
         None, None, None),
    ]  # fmt: skip


def test_tweet_binder_xlsx_with_dates_and_an_id_excel_rounded(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    from datetime import datetime

    sheet.append(["1790000000000000001", datetime(2024, 5, 14, 19, 0), "host", "10", "Host",
                  "Q1 #QIHour", "Original", 5, 12])  # fmt: skip
    # An id typed as a number: Excel keeps 15 significant digits, so it is no longer the id.
    sheet.append([1.790000000000000002e18, datetime(2024, 5, 14, 19, 1), "amy", "11", "Amy",
                  "A1 #QIHour", "Reply", 0, 1])  # fmt: skip
    sheet.append([None, None, None, None, None, None, None, None, None])
    sheet.append(["1790000000000000004", "not a date", "bob", "12", "Bob", "hi", "", 0, 0])
    workbook.save(raw / "binder.xlsx")
    con, summary = load(raw)
    assert summary.posts == 1 and summary.rejected == 2
    assert con.execute(
        "select post_id, created_at::varchar, retweet_count from raw.posts"
    ).fetchall() == [("1790000000000000001", "2024-05-14 19:00:00", 5)]
    rejected = con.execute(
        "select line, field, reason from raw.rejected_records order by line"
    ).fetchall()
    assert [(line, field) for line, field, _ in rejected] == [(3, "Tweet ID"), (5, "Date")]
    assert "format the column as text" in rejected[0][2]
    assert "not a date" in rejected[1][2] and "time_format" in rejected[1][2]


def test_formats_yaml_forces_a_custom_mapping(tmp_path):
    raw = tmp_path / "raw"
    (raw / "other").mkdir(parents=True)
    write_csv(
        raw / "other" / "chat.csv",
        ["Permalink id", "Posted (UTC)", "Handle", "Body"],
        [["77", "2024-05-14T19:05:00Z", "cara", "A2 measure it #QIHour"]],
    )
    (raw / "my_tool.yaml").write_text(
        "tool: My tool\nplatform: x\n"
        "columns: {post_id: Permalink id, created_at: Posted (UTC), author_username: Handle,"
        " text: Body}\ntime_format: iso8601\n"
    )
    (raw / "formats.yaml").write_text(
        '"other/*.csv": {format: spreadsheet, mapping: my_tool.yaml}\n'
    )
    con, summary = load(raw)
    assert summary.loaded == ["other/chat.csv"]
    assert con.execute(
        "select post_id, author_id, author_username, created_at::varchar from raw.posts"
    ).fetchall() == [("77", None, "cara", "2024-05-14 19:05:00")]


def test_a_csv_missing_required_columns_is_refused_naming_them(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    # A TAGS sheet cut down to a few columns: detected by its header, but no text column.
    write_csv(raw / "tags.csv", ["id_str", "from_user", "created_at"], [["1", "a", "x"]])
    write_csv(raw / "good.csv", HEADER, ROWS[:1])
    con, summary = load(raw)
    assert summary.unreadable == ["tags.csv"] and summary.loaded == ["good.csv"]
    (reason,) = con.execute(
        "select reason from raw.rejected_records where source_file = 'tags.csv'"
    ).fetchone()
    assert "tags.csv: line 1 (header)" in reason and "text (the post's text)" in reason
    assert "Columns found: ['id_str', 'from_user', 'created_at']" in reason
    assert con.execute(
        "select count(*) from raw.posts where source_file = 'tags.csv'"
    ).fetchone() == (0,)


def test_a_table_of_no_known_format_names_what_was_tried(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "mystery.csv", ["a", "b"], [["1", "2"]])
    con, summary = load(raw)
    assert summary.unreadable == ["mystery.csv"]
    (reason,) = con.execute("select reason from raw.rejected_records").fetchone()
    assert "tried: x_v2, x_v1, bluesky, mastodon, twarc_csv, tags_csv, spreadsheet" in reason
    assert "['a', 'b']" in reason and "formats.yaml" in reason


def test_a_bad_csv_row_is_rejected_with_its_line_and_the_rest_loads(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [",".join(HEADER), ",".join(ROWS[0][:5]) + ',"Q1 text,Original,5,12']
    lines += ['"1790000000000000009",2024-05-14 19:09:00,dan,13,Dan,hello,Original,0,0']
    (raw / "binder.csv").write_text("\n".join(lines) + "\n")
    con, summary = load(raw)
    posts = con.execute("select post_id from raw.posts").fetchall()
    rejected = con.execute("select line, reason from raw.rejected_records").fetchall()
    # Every data line is either landed or rejected.
    assert len(posts) + len(rejected) == 2
    assert all(line is not None and "CSV" in reason for line, reason in rejected)


@pytest.mark.parametrize("bad", ["Europe/Nowhere"])
def test_a_mapping_with_an_unknown_timezone_is_refused(tmp_path, bad):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "x.csv", HEADER, ROWS[:1])
    (raw / "m.yaml").write_text(
        "columns: {post_id: Tweet ID, created_at: Date, author_username: User, text: Text}\n"
        f"timezone: {bad}\n"
    )
    (raw / "formats.yaml").write_text('"*.csv": {format: spreadsheet, mapping: m.yaml}\n')
    con, summary = load(raw)
    assert summary.unreadable == ["x.csv"]
    (reason,) = con.execute("select reason from raw.rejected_records").fetchone()
    assert "m.yaml" in reason and bad in reason and "IANA" in reason
