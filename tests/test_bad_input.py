"""Bad export files: each gets a rejected record naming file, line and reason; the rest loads,
and every line is either loaded or rejected."""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest import load_directory
from orchestration.warehouse import connect
from tests.conftest import x_post

POST = x_post("1", "u1", "2023-04-25T18:05:00.000Z", "A1 hi #QIChat", hashtags=["QIChat"])


def page(*posts):
    return json.dumps({"data": list(posts), "meta": {"result_count": len(posts)}})


def other(post_id, **changes):
    return {**POST, "id": post_id, "edit_history_tweet_ids": [post_id], **changes}


@pytest.fixture
def loaded(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.jsonl").write_text("")
    (raw / "truncated.jsonl").write_text(page(POST) + "\n" + page(other("2"))[:50])
    (raw / "not_utf8.jsonl").write_bytes(
        page(other("3")).encode()
        + b"\n"
        + page(other("4")).encode().replace(b"hi", b"\xff\xfe")
        + b"\n"
        + page(other("5")).encode()
        + b"\n"
    )
    (raw / "array.json").write_text(json.dumps([other("6"), other("7")]))
    (raw / "bad_date.jsonl").write_text(page(other("8", created_at="25/04/2023 18:05")) + "\n")
    (raw / "no_created_at.jsonl").write_text(
        page({k: v for k, v in other("9").items() if k != "created_at"}) + "\n"
    )
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    database = tmp_path / "build.duckdb"
    with connect(database) as con:
        summary = load_directory(con, raw)
        files = {
            row[0]: row[1:]
            for row in con.execute("select path, rows, rejected from raw.loaded_files").fetchall()
        }
        rejected = con.execute(
            "select source_file, line, field, reason from raw.rejected_records "
            "order by source_file, line"
        ).fetchall()
        posts = con.execute("select post_id, source_file, source_line from raw.posts").fetchall()
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before  # never modified
    return summary, files, rejected, posts


def test_each_bad_input_is_rejected_with_its_reason_and_the_rest_loads(loaded):
    summary, files, rejected, posts = loaded
    assert summary.unreadable == ["empty.jsonl"]
    reasons = {(f, line, field): reason for f, line, field, reason in rejected}
    assert "the file is empty" in reasons[("empty.jsonl", None, None)]
    assert "not valid JSON" in reasons[("truncated.jsonl", 2, None)]
    assert "not valid UTF-8" in reasons[("not_utf8.jsonl", 2, None)]
    assert "not an ISO 8601 time" in reasons[("bad_date.jsonl", 1, "created_at")]
    assert "created_at" in reasons[("no_created_at.jsonl", 1, "created_at")]
    loaded_posts = {(post_id, f, line) for post_id, f, line in posts}
    assert ("1", "truncated.jsonl", 1) in loaded_posts
    # The line after the bad one keeps its own line number.
    assert {("3", "not_utf8.jsonl", 1), ("5", "not_utf8.jsonl", 3)} <= loaded_posts
    assert {p for p, f, _ in loaded_posts if f == "array.json"} == {"6", "7"}


def test_every_line_is_loaded_or_rejected(loaded):
    _, files, rejected, posts = loaded
    for name, (rows, rejected_count) in files.items():
        assert rejected_count == sum(1 for f, *_ in rejected if f == name), name
        assert rows == sum(1 for _, f, _ in posts if f == name), name
    assert files["not_utf8.jsonl"] == (2, 1)
    assert files["truncated.jsonl"] == (1, 1)


def _post(post_id: int, with_time: bool) -> dict:
    post = other(str(post_id))
    if not with_time:
        post = {k: v for k, v in post.items() if k != "created_at"}
    return post


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.lists(st.booleans(), min_size=1, max_size=3),  # posts, each with created_at or not
            st.sampled_from(["intact", "truncate", "bad_bytes", "blank", "array"]),
            st.integers(min_value=1, max_value=400),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_random_and_mangled_exports_never_lose_a_line(lines):
    """Every non-blank line ends as loaded posts or a rejected record; nothing crashes."""
    payload = []
    expected_posts = 0
    next_id = 100
    for times, mangling, cut in lines:
        posts = []
        for with_time in times:
            posts.append(_post(next_id, with_time))
            next_id += 1
        text = json.dumps(posts) if mangling == "array" else page(*posts)
        data = text.encode()
        if mangling == "truncate":
            data = data[: min(cut, len(data) - 1)]
        elif mangling == "bad_bytes":
            data = data[: cut % len(data)] + b"\xff\xfe" + data[cut % len(data) :]
        elif mangling == "blank":
            data = b"   "
        else:
            # Intact pages and arrays land every post that has a created_at.
            expected_posts += sum(times)
        payload.append(data)
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw"
        raw.mkdir()
        (raw / "export.jsonl").write_bytes(b"\n".join(payload) + b"\n")
        with connect(Path(folder) / "build.duckdb") as con:
            load_directory(con, raw)
            loaded_lines = {
                line
                for (line,) in con.execute(
                    "select distinct source_line from raw.posts where section = 'data'"
                ).fetchall()
            }
            rejected_lines = {
                line
                for (line,) in con.execute(
                    "select distinct line from raw.rejected_records"
                ).fetchall()
            }
            posts = con.execute("select count(*) from raw.posts where section = 'data'").fetchone()[
                0
            ]
    if None in rejected_lines:
        # No line was a record of a known format: the file is rejected whole, with the reason.
        assert posts == expected_posts == 0
        return
    for number, data in enumerate(payload, start=1):
        if data.strip():
            assert number in loaded_lines | rejected_lines, (number, data[:80])
    assert posts == expected_posts
