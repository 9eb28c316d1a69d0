"""Shared test helpers: the sample run, the real dbt build of small exports, reading a
warehouse, small twarc2 export builders, and the real exports of ../shared/fixtures."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.settings import SAMPLE_DIR, Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# Small exports of every format, written for these tests (tests/fixtures/README.md).
GENERATED_FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
NO_REAL_EXPORTS = (
    f"the real exports of ../shared/fixtures ({FIXTURES}) are not beside this clone; the "
    "readers are still tested on tests/fixtures (test_generated_fixtures.py)"
)
needs_real_exports = pytest.mark.skipif(not FIXTURES.exists(), reason=NO_REAL_EXPORTS)


def dbt_build(build_database: Path, vars_: dict | None = None) -> subprocess.CompletedProcess:
    """The real `dbt build` of the project against `build_database`."""
    env = {**os.environ, "TWEETCHAT_BUILD_DATABASE": str(build_database)}
    command = [str(Path(sys.executable).with_name("dbt")), "build", "--profiles-dir", "."]
    if vars_:
        command += ["--vars", json.dumps(vars_)]
    completed = subprocess.run(
        command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    return completed


def dbt_log_codes(target: Path) -> list[str]:
    """The event codes of dbt's JSON log in a target folder (a Dagster run's, say)."""
    lines = (target / "dbt.log").read_text().splitlines()
    return [json.loads(line)["info"]["code"] for line in lines if line.startswith("{")]


def build_warehouse(root: Path, chats: str, write_exports: Callable[[Path], None]) -> Path:
    """The build database of `root`: the exports `write_exports(raw)` writes to `root/raw`,
    the registry `chats` (chats.yaml text), ingested and built with the real dbt."""
    from orchestration.ingest import load_directory
    from orchestration.registry import load_registry
    from orchestration.warehouse import connect, write_registry

    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    write_exports(raw)
    (root / "chats.yaml").write_text(chats)
    database = root / "build.duckdb"
    with connect(database) as con:
        write_registry(con, load_registry(root / "chats.yaml"))
        load_directory(con, raw)
    dbt_build(database)
    return database


def query(database: Path, sql: str, params=()) -> list[tuple]:
    """Rows of `sql` on a warehouse file, opened read-only."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def x_post(
    post_id,
    author_id,
    created_at,
    text,
    *,
    hashtags=None,
    retweeted=None,
    replied_to=None,
    quoted=None,
    metrics=None,
    edit_history=None,
    mentions=None,
    urls=None,
    poll_ids=None,
):
    """One X API v2 post object, as the API returns it."""
    post = {
        "id": post_id,
        "author_id": author_id,
        "created_at": created_at,
        "text": text,
        "edit_history_tweet_ids": edit_history or [post_id],
        "public_metrics": metrics
        or {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
    }
    entities = {}
    if hashtags is not None:
        entities["hashtags"] = [{"start": 0, "end": 1, "tag": t} for t in hashtags]
    if mentions:
        entities["mentions"] = [{"start": 0, "end": 1, "username": u} for u in mentions]
    if urls:
        entities["urls"] = [
            {"start": 0, "end": 1, "url": "https://t.co/x", "expanded_url": u} for u in urls
        ]
    if entities:
        post["entities"] = entities
    if poll_ids:
        post["attachments"] = {"poll_ids": list(poll_ids)}
    refs = [
        {"type": kind, "id": target}
        for kind, target in (
            ("retweeted", retweeted),
            ("replied_to", replied_to),
            ("quoted", quoted),
        )
        if target
    ]
    if refs:
        post["referenced_tweets"] = refs
    return post


def x_poll(poll_id, votes, labels=None, status="closed"):
    """One X API v2 poll object with the given votes per option."""
    return {
        "id": poll_id,
        "voting_status": status,
        "duration_minutes": 60,
        "end_datetime": "2023-04-25T19:00:00.000Z",
        "options": [
            {
                "position": i,
                "label": (labels or [f"option {i}" for i in range(1, 99)])[i - 1],
                "votes": v,
            }
            for i, v in enumerate(votes, start=1)
        ],
    }


def write_page(
    path: Path,
    posts,
    *,
    includes_tweets=(),
    users=(),
    polls=(),
    retrieved_at="2023-05-01T00:00:00+00:00",
):
    """Append one twarc2 response page to `path`."""
    page = {
        "data": list(posts),
        "includes": {
            "users": [{"id": i, "username": u, "name": u} for i, u in users],
            "tweets": list(includes_tweets),
            "polls": list(polls),
        },
        "meta": {"result_count": len(posts)},
        "__twarc": {
            "url": "https://api.twitter.com/2/tweets/search/all",
            "version": "2.13.0",
            "retrieved_at": retrieved_at,
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(page) + "\n")


MONTHS = ("2023-01-01", "2023-04-01")


def sample_hashes():
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((SAMPLE_DIR / "raw").rglob("*.jsonl"))
    }


def sample_settings(root: Path) -> Settings:
    """Settings for the bundled sample, writing under `root`."""
    return Settings(
        raw_dir=SAMPLE_DIR / "raw",
        chats_file=SAMPLE_DIR / "chats.yaml",
        published_database=root / "warehouse" / "tweetchat.duckdb",
        out_dir=root / "output",
        dagster_home=root / "dagster_home",
    )


def sample_variables(root: Path) -> dict[str, str]:
    """TWEETCHAT_* and DAGSTER_HOME for the bundled sample, for a `tweetchat` process."""
    return sample_settings(root).as_environment()


def sample_environment(root: Path) -> tuple[dg.Definitions, dg.DagsterInstance]:
    """The definitions and the Dagster instance of the bundled sample under `root`."""
    from orchestration.definitions import build_definitions
    from orchestration.runs import instance_for

    settings = sample_settings(root)
    return build_definitions(settings), instance_for(settings)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """Run the job over the sample's four months, as `tweetchat run` does."""
    root = tmp_path_factory.mktemp("pipeline")
    hashes = sample_hashes()
    defs, instance = sample_environment(root)
    result = defs.resolve_job_def("tweetchat_job").execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": MONTHS[0],
            "dagster/asset_partition_range_end": MONTHS[1],
        },
    )
    yield {"root": root, "defs": defs, "result": result, "instance": instance, "hashes": hashes}


def published(sql, root):
    return query(root / "warehouse" / "tweetchat.duckdb", sql)
