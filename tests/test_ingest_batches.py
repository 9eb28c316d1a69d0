"""Ingest loads X v2 files together, many in one transaction: the result must be what loading
them one at a time gives, line numbers and per-file counts included, and a batch that fails
must still load (or name) each of its files."""

import json
import types

import duckdb
import pytest

from orchestration import ingest
from orchestration.ingest import load_directory
from orchestration.readers import READERS
from tests.conftest import x_post

RAW_TABLES = ("posts", "users", "polls", "poll_options", "rejected_records", "loaded_files")
# Columns that differ between two loads of the same files by design: when they were loaded.
LOAD_TIME = {"rejected_records": "rejected_at", "loaded_files": "loaded_at"}


def post(post_id: str, minute: int, **changes) -> dict:
    return {
        **x_post(post_id, "u1", f"2023-04-25T18:{minute:02d}:00.000Z", "A1 hi #QIChat"),
        **changes,
    }


def page(*posts, users=(), polls=()) -> str:
    includes = {"users": list(users), "polls": list(polls)}
    return json.dumps({"data": list(posts), "includes": includes, "meta": {}})


@pytest.fixture
def raw(tmp_path):
    """Files of every X v2 shape, with bad lines at known places."""
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    # Line 2 blank, line 3 not JSON, line 5 an unknown record.
    (raw / "a" / "pages.jsonl").write_text(
        page(post("1", 1), users=[{"id": "u1", "username": "one", "name": "One"}])
        + "\n\n{not json\n"
        + page(post("2", 2), polls=[{"id": "p1", "options": [{"position": 1, "votes": 3}]}])
        + '\n{"neither": 1}\n'
    )
    # Line 1 a post without created_at, line 2 a good page, line 3 a bad date.
    (raw / "a" / "more.jsonl").write_text(
        page({k: v for k, v in post("3", 3).items() if k != "created_at"})
        + "\n"
        + page(post("4", 4))
        + "\n"
        + page(post("5", 5, created_at="yesterday"))
        + "\n"
    )
    # twarc's flattened lines: a post embedding the post it replies to.
    flattened = post("6", 6, referenced_tweets=[{**post("7", 0), "type": "replied_to"}])
    (raw / "flat.jsonl").write_text(json.dumps(flattened) + "\n" + json.dumps(post("8", 8)) + "\n")
    # A filtered-stream line, and an API error.
    (raw / "stream.jsonl").write_text(
        json.dumps({"data": post("9", 9), "matching_rules": [{"id": "1"}]})
        + "\n"
        + json.dumps({"errors": [{"title": "Not Found Error", "detail": "gone"}]})
        + "\n"
    )
    # A pretty-printed response, and a file with a line that is not UTF-8.
    (raw / "response.json").write_text(json.dumps({"data": [post("10", 10)]}, indent=2))
    (raw / "latin1.jsonl").write_bytes(
        page(post("11", 11)).encode() + b"\n" + page(post("12", 12)).encode()[:-2] + b"\xe9}\n"
    )
    return raw


def raw_tables(con) -> dict[str, list]:
    tables = {}
    for table in RAW_TABLES:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if name != LOAD_TIME.get(table)
        ]
        tables[table] = con.execute(
            f"select {', '.join(columns)} from raw.{table} order by all"
        ).fetchall()
    return tables


def test_files_loaded_together_equal_files_loaded_one_by_one(raw, monkeypatch):
    together = duckdb.connect()
    summary = load_directory(together, raw)
    # A batch as small as a byte: every file is loaded in its own batch.
    monkeypatch.setattr(ingest, "BATCH_BYTES", 1)
    alone = duckdb.connect()
    load_directory(alone, raw)
    assert raw_tables(together) == raw_tables(alone)
    assert sorted(summary.loaded) == sorted(
        ["a/pages.jsonl", "a/more.jsonl", "flat.jsonl", "stream.jsonl", "response.json",
         "latin1.jsonl"]
    )  # fmt: skip


def test_line_numbers_and_counts_are_each_files_own(raw):
    con = duckdb.connect()
    load_directory(con, raw)
    posts = con.execute(
        "select post_id, section, source_file, source_line from raw.posts order by post_id::int"
    ).fetchall()
    assert posts == [
        ("1", "data", "a/pages.jsonl", 1),
        ("2", "data", "a/pages.jsonl", 4),
        ("4", "data", "a/more.jsonl", 2),
        ("6", "data", "flat.jsonl", 1),
        ("7", "includes", "flat.jsonl", 1),
        ("8", "data", "flat.jsonl", 2),
        ("9", "data", "stream.jsonl", 1),
        ("10", "data", "response.json", 1),
        ("11", "data", "latin1.jsonl", 1),
    ]
    rejected = con.execute(
        "select source_file, line, field, split_part(reason, ' (', 1) "
        "from raw.rejected_records order by all"
    ).fetchall()
    assert rejected == [
        ("a/more.jsonl", 1, "created_at", "post 3 has no created_at: export with tweet.fields=created_at,author_id so the post can be placed in a chat window"),
        ("a/more.jsonl", 3, "created_at", "post 5 has created_at yesterday which is not an ISO 8601 time: fix the export"),
        ("a/pages.jsonl", 3, None, "not valid JSON"),
        ("a/pages.jsonl", 5, None, "not an X API v2 page, stream line or post: expected a \"data\" list, a \"data\" object or a post with \"id\""),
        ("latin1.jsonl", 2, None, "not valid UTF-8"),
        ("stream.jsonl", 2, "errors", "X API error in the export: Not Found Error: gone"),
    ]  # fmt: skip
    files = con.execute(
        "select path, format, rows, rejected from raw.loaded_files order by path"
    ).fetchall()
    assert files == [
        ("a/more.jsonl", "x_v2", 1, 2),
        ("a/pages.jsonl", "x_v2", 2, 2),
        ("flat.jsonl", "x_v2", 3, 0),
        ("latin1.jsonl", "x_v2", 1, 1),
        ("response.json", "x_v2", 1, 0),
        ("stream.jsonl", "x_v2", 1, 1),
    ]
    assert con.execute("select user_id, username from raw.users order by all").fetchall() == [
        ("u1", "one")
    ]
    assert con.execute(
        "select poll_id, option_position, votes from raw.poll_options"
    ).fetchall() == [("p1", 1, 3)]


def test_a_changed_file_replaces_its_rows_and_leaves_the_others(raw):
    con = duckdb.connect()
    load_directory(con, raw)
    (raw / "flat.jsonl").write_text(json.dumps(post("8", 8)) + "\n")
    summary = load_directory(con, raw)
    assert summary.loaded == ["flat.jsonl"] and len(summary.skipped) == 5
    assert con.execute(
        "select post_id from raw.posts where source_file = 'flat.jsonl'"
    ).fetchall() == [("8",)]
    assert con.execute("select count(*) from raw.posts").fetchone()[0] == 7


def test_a_failing_batch_is_loaded_again_file_by_file(tmp_path, monkeypatch):
    """A reader whose load_many fails: each file is then loaded alone, and one that fails
    alone too stops the run with its own name."""
    reader = types.ModuleType("lines_of_ids")
    reader.FORMAT, reader.PLATFORM = "lines_of_ids", "x"
    reader.sniff = lambda head: bool(head.columns) and head.columns[0] == "id"

    def load(con, path, source_file):
        ids = path.read_text().split()[1:]
        if "boom" in ids:
            raise ValueError("an id that is not one")
        for line, post_id in enumerate(ids, start=2):
            con.execute(
                "insert into raw.posts (platform, post_id, section, source_file, source_line) "
                "values ('x', ?, 'data', ?, ?)",
                [post_id, source_file, line],
            )
        return len(ids), 0

    def load_many(con, files):
        con.execute("insert into raw.posts (platform, post_id, section, source_file, "
                    "source_line) values ('x', 'half-done', 'data', 'x', 1)")  # fmt: skip
        raise RuntimeError("the batch fails half-way")

    reader.load, reader.load_many = load, load_many
    monkeypatch.setitem(READERS, reader.FORMAT, reader)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.csv").write_text("id\n1\n2\n")
    (raw / "b.csv").write_text("id\n3\n")
    con = duckdb.connect()
    messages: list[str] = []
    summary = load_directory(con, raw, log=messages.append)
    assert summary.loaded == ["a.csv", "b.csv"] and summary.posts == 3
    assert (
        "loading 2 files together failed (the batch fails half-way); loading them one by one"
        in messages
    )
    assert con.execute("select post_id from raw.posts order by 1").fetchall() == [
        ("1",),
        ("2",),
        ("3",),
    ]
    (raw / "c.csv").write_text("id\nboom\n")
    with pytest.raises(RuntimeError, match=r"c\.csv: could not be loaded: an id that is not one"):
        load_directory(con, raw)
    # What was loaded before stays.
    assert con.execute("select count(*) from raw.loaded_files").fetchone()[0] == 2
