"""The real X API v2 exports of shared/fixtures load, with counts made here independently."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import load_directory
from orchestration.settings import Settings
from tests.conftest import FIXTURES, NO_REAL_EXPORTS, needs_real_exports

X_V2_FILES = [
    "DocNow+twarc-csv/kpop.jsonl",
    "DocNow+twarc-csv/noflat.jsonl",
    "DocNow+twarc-csv/flat.jsonl",
    "DocNow+twarc-csv/entities_test.jsonl",
    "DocNow+twarc-csv/withheld.jsonl",
    "DocNow+twarc-csv/streaming_output_with_error.jsonl",
    "DocNow+twarc-csv/quoted_edit.jsonl",
    "DocNow+twarc-csv/edited_before.jsonl",
    "DocNow+twarc-csv/edited_after.jsonl",
    "DocNow+twarc-csv/two_tweets.jsonl",
    "DocNow+twarc-network/tweets.jsonl",
    "unna97+twarc2sql/example.jsonl",
    "tweepy+tweepy/extracted/test_client_search_recent_tweets.response1.json",
    "tweepy+tweepy/extracted/test_client_get_home_timeline.response1.json",
]


def expected_posts(path: Path) -> list[dict]:
    """The export's own posts, counted with the json module, line by line."""
    posts = []
    text = path.read_text(encoding="utf-8")
    try:
        documents = [json.loads(text)]
    except ValueError:
        documents = []
        for line in text.splitlines():
            try:
                documents.append(json.loads(line))
            except ValueError:
                continue
    for document in documents:
        data = document.get("data", document if "id" in document else None)
        if isinstance(data, dict):
            data = [data]
        posts.extend(data or [])
    return posts


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    if not FIXTURES.exists():
        pytest.skip(NO_REAL_EXPORTS)
    raw = tmp_path_factory.mktemp("raw")
    for name in X_V2_FILES:
        target = raw / name.replace("/", "__")
        shutil.copyfile(FIXTURES / name, target)
    con = duckdb.connect(str(tmp_path_factory.mktemp("db") / "fixtures.duckdb"))
    summary = load_directory(con, raw)
    yield con, raw, summary
    con.close()


def test_every_file_loads(loaded):
    con, raw, summary = loaded
    assert not summary.unreadable
    assert sorted(summary.loaded) == sorted(n.replace("/", "__") for n in X_V2_FILES)


@pytest.mark.parametrize("name", X_V2_FILES)
def test_posts_retweets_and_replies_match_an_independent_count(loaded, name):
    con, raw, _ = loaded
    source = name.replace("/", "__")
    posts = expected_posts(FIXTURES / name)
    with_time = [p for p in posts if p.get("created_at")]
    refs = lambda p, kind: any(r["type"] == kind for r in p.get("referenced_tweets", []))  # noqa: E731
    landed = con.execute(
        """
        select count(*), count(distinct post_id),
               count(*) filter (where retweeted_post_id is not null),
               count(*) filter (where reply_to_post_id is not null),
               count(*) filter (where quoted_post_id is not null),
               count(distinct author_id)
        from raw.posts where source_file = ? and section = 'data'
        """,
        [source],
    ).fetchone()
    assert landed == (
        len(with_time),
        len({p["id"] for p in with_time}),
        sum(refs(p, "retweeted") for p in with_time),
        sum(refs(p, "replied_to") for p in with_time),
        sum(refs(p, "quoted") for p in with_time),
        len({p.get("author_id") for p in with_time if p.get("author_id")}),
    )
    rejected_without_time = con.execute(
        "select count(*) from raw.rejected_records where source_file = ? and field = 'created_at'",
        [source],
    ).fetchone()[0]
    assert rejected_without_time == len(posts) - len(with_time)


def test_truncated_stream_line_is_rejected_and_the_rest_loads(loaded):
    con, _, _ = loaded
    source = "DocNow+twarc-csv__streaming_output_with_error.jsonl"
    rejected = con.execute(
        "select line, reason from raw.rejected_records where source_file = ? and field is null",
        [source],
    ).fetchall()
    assert [line for line, _ in rejected] == [8]
    assert "not valid JSON" in rejected[0][1]
    assert (
        con.execute(
            "select count(*) from raw.posts where source_file = ? and section = 'data'", [source]
        ).fetchone()[0]
        == 7
    )


def test_flattened_and_paged_forms_give_the_same_posts(loaded):
    con, _, _ = loaded
    ids = {
        source: {
            row[0]
            for row in con.execute(
                "select post_id from raw.posts where source_file = ? and section = 'data'", [source]
            ).fetchall()
        }
        for source in ("DocNow+twarc-csv__flat.jsonl", "DocNow+twarc-csv__noflat.jsonl")
    }
    assert ids["DocNow+twarc-csv__flat.jsonl"] == ids["DocNow+twarc-csv__noflat.jsonl"]
    usernames = con.execute(
        "select count(author_username) from raw.posts where source_file = 'DocNow+twarc-csv__flat.jsonl' and section = 'data'"
    ).fetchone()[0]
    assert usernames == 100


def test_api_errors_are_kept_as_rejected_records(loaded):
    con, _, _ = loaded
    document = json.loads((FIXTURES / "DocNow+twarc-csv/kpop.jsonl").read_text().splitlines()[0])
    reasons = [
        r[0]
        for r in con.execute(
            "select reason from raw.rejected_records where source_file = 'DocNow+twarc-csv__kpop.jsonl' and field = 'errors'"
        ).fetchall()
    ]
    assert len(reasons) == len(document["errors"])
    assert "User has been suspended" in reasons[0]


def test_unchanged_files_are_not_loaded_twice_and_raw_files_are_untouched(loaded):
    con, raw, _ = loaded
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    rows = con.execute("select count(*) from raw.posts").fetchone()[0]
    again = load_directory(con, raw)
    assert again.loaded == [] and len(again.skipped) == len(X_V2_FILES)
    assert con.execute("select count(*) from raw.posts").fetchone()[0] == rows
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before


def test_a_touched_but_unchanged_file_is_not_reloaded(loaded):
    con, raw, _ = loaded
    path = raw / "DocNow+twarc-csv__two_tweets.jsonl"
    loaded_at = con.execute(
        "select loaded_at from raw.loaded_files where path = ?", [path.name]
    ).fetchone()
    path.touch()
    again = load_directory(con, raw)
    assert path.name in again.skipped and again.loaded == []
    row = con.execute(
        "select loaded_at, file_modified_at from raw.loaded_files where path = ?", [path.name]
    ).fetchone()
    assert row[0] == loaded_at[0]
    assert row[1] == datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(tzinfo=None)


@needs_real_exports
def test_ingest_runs_under_the_configured_memory_limit(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "DocNow+twarc-csv/kpop.jsonl", raw / "kpop.jsonl")
    memory = Settings.from_environment({"TWEETCHAT_DUCKDB_MEMORY": "64MB"}).duckdb_memory
    with duckdb.connect(str(tmp_path / "small.duckdb")) as con:
        summary = load_directory(con, raw, memory_limit=memory)
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
        ids = con.execute("select count(distinct post_id) from raw.posts where section = 'data'")
        landed = ids.fetchone()[0]
    assert limit.endswith("MiB") and float(limit.split()[0]) < 64
    assert summary.unreadable == []
    assert landed == len({post["id"] for post in expected_posts(raw / "kpop.jsonl")})


def test_a_memory_limit_that_is_not_a_size_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="TWEETCHAT_DUCKDB_MEMORY"):
        Settings.from_environment({"TWEETCHAT_DUCKDB_MEMORY": "lots"})
    with duckdb.connect() as con, pytest.raises(ValueError, match="TWEETCHAT_DUCKDB_MEMORY"):
        load_directory(con, tmp_path, memory_limit="lots")
