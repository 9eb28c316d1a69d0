"""dbt reuses its parsed project from run to run: the months and the working database reach
dbt through its environment (not --vars, which make dbt parse everything again), and the parsed
project a run leaves is kept for the next run of the same warehouse."""

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.defs.dbt import (
    PARSED_KEPT,
    environment,
    keep_parsed_project,
    parsed_project,
    reuse_parsed_project,
)
from tests.conftest import DBT_PROJECT_DIR, dbt_log_codes

DBT = str(Path(sys.executable).with_name("dbt"))
PARTITIONED_MODEL = "int_chat_questions"


def compile_months(target: Path, env: dict, *options: str) -> str:
    """The compiled SQL of a partitioned model, compiled by the real dbt into `target`."""
    completed = subprocess.run(
        [DBT, "compile", "--profiles-dir", ".", "-s", PARTITIONED_MODEL, *options],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            **env,
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target),
            "DBT_LOG_FORMAT": "json",  # as Dagster runs dbt
        },
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    compiled = target / "compiled" / "tweetchat" / "models" / "intermediate"
    return (compiled / f"{PARTITIONED_MODEL}.sql").read_text()


def test_months_from_the_environment_without_a_full_parse_and_vars_win(tmp_path):
    environment_ = {"TWEETCHAT_BUILD_DATABASE": str(tmp_path / "build.duckdb")}
    april = {"TWEETCHAT_MONTH_START": "2023-04-01", "TWEETCHAT_MONTH_END": "2023-05-01"}
    sql = compile_months(tmp_path / "first", {**environment_, **april})
    assert "cast('2023-04-01' as date)" in sql and "cast('2023-05-01' as date)" in sql

    # Other months, starting from the first invocation's parsed project (as a run does):
    # the new months are compiled in, and dbt parses nothing.
    second = tmp_path / "second"
    reuse_parsed_project(tmp_path / "first" / "partial_parse.msgpack", second)
    february = {"TWEETCHAT_MONTH_START": "2023-02-01", "TWEETCHAT_MONTH_END": "2023-03-01"}
    sql = compile_months(second, {**environment_, **february})
    assert "cast('2023-02-01' as date)" in sql and "cast('2023-04-01' as date)" not in sql
    codes = dbt_log_codes(second)
    assert "I024" not in codes  # "Unable to do partial parsing because ..."
    assert "I040" in codes  # "Partial parsing enabled: 0 files deleted, ..."

    # --vars (by hand, a unit test's overrides) win over the environment.
    vars_ = json.dumps({"month_start": "2022-01-01", "month_end": "2022-02-01"})
    sql = compile_months(tmp_path / "third", {**environment_, **february}, "--vars", vars_)
    assert "cast('2022-01-01' as date)" in sql and "cast('2023-02-01' as date)" not in sql


def test_environment_is_set_for_the_block_and_restored(monkeypatch):
    monkeypatch.setenv("TWEETCHAT_MONTH_START", "2020-01-01")
    monkeypatch.delenv("TWEETCHAT_MONTH_END", raising=False)
    with environment({"TWEETCHAT_MONTH_START": None, "TWEETCHAT_MONTH_END": "2023-05-01"}):
        assert "TWEETCHAT_MONTH_START" not in os.environ
        assert os.environ["TWEETCHAT_MONTH_END"] == "2023-05-01"
    assert os.environ["TWEETCHAT_MONTH_START"] == "2020-01-01"
    assert "TWEETCHAT_MONTH_END" not in os.environ


def profile(database: str) -> dict:
    return {"TWEETCHAT_BUILD_DATABASE": database, "TWEETCHAT_DUCKDB_MEMORY": "2GB"}


def test_a_run_keeps_its_parsed_project_for_the_next_run_of_its_warehouse(tmp_path):
    kept = parsed_project(tmp_path, profile("/w/.build/tweetchat.duckdb"))
    assert kept == parsed_project(tmp_path, profile("/w/.build/tweetchat.duckdb"))
    assert kept != parsed_project(tmp_path, profile("/v/.build/tweetchat.duckdb"))

    first_run, next_run = tmp_path / "run-1", tmp_path / "run-2"
    reuse_parsed_project(kept, first_run)  # nothing kept yet: dbt parses in full
    assert not (first_run / "partial_parse.msgpack").exists()
    first_run.mkdir()
    (first_run / "partial_parse.msgpack").write_bytes(b"parsed by run 1")
    keep_parsed_project(first_run, kept)
    assert kept.read_bytes() == b"parsed by run 1"
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no file left aside

    reuse_parsed_project(kept, next_run)
    assert (next_run / "partial_parse.msgpack").read_bytes() == b"parsed by run 1"
    # A later step of the same run keeps its own, newer parse.
    (next_run / "partial_parse.msgpack").write_bytes(b"parsed again by run 2")
    reuse_parsed_project(kept, next_run)
    assert (next_run / "partial_parse.msgpack").read_bytes() == b"parsed again by run 2"


def test_only_the_warehouses_last_built_keep_a_parsed_project(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "partial_parse.msgpack").write_bytes(b"parsed")
    kept = [parsed_project(tmp_path, profile(f"/w{n}/tweetchat.duckdb")) for n in range(10)]
    for moment, path in enumerate(kept):
        keep_parsed_project(run, path)
        os.utime(path, (1_000_000 + moment, 1_000_000 + moment))
    keep_parsed_project(run, kept[-1])
    remaining = sorted(kept[0].parent.iterdir())
    assert len(remaining) == PARSED_KEPT
    assert remaining == sorted(kept[-PARSED_KEPT:])


def test_the_dbt_resource_knows_the_version_dbt_itself_prints():
    """TweetchatDbtResource reads dbt's version from the installed package instead of starting
    `dbt --version`: it must be the version the executable the steps start prints."""
    import re

    from orchestration.defs.resources import TweetchatDbtResource, dbt_project

    resource = TweetchatDbtResource(project_dir=dbt_project, dbt_executable=DBT)
    printed = subprocess.run([DBT, "--version"], capture_output=True, text=True, check=True)
    core = re.search(r"Core:\s*\n\s*- installed:\s*(\d+\.\d+\.\d+)", printed.stdout)
    assert core, printed.stdout
    assert str(resource._cli_version) == core.group(1)
    assert resource._cli_version.major < 2  # dbt Core, not Fusion: dagster-dbt's path for Core
