"""The `tweetchat` command and the sample generator."""

import hashlib
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from orchestration.defs.dbt import dbt_environment
from orchestration.defs.partitions import dbt_vars, previous_month_key
from orchestration.sample.generator import write_sample
from orchestration.settings import SAMPLE_DIR, Settings

TWEETCHAT = [str(Path(sys.executable).with_name("tweetchat"))]


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_bundled_sample_is_what_the_generator_writes(tmp_path):
    write_sample(tmp_path, seed=2023, log=lambda m: None)
    assert digest(tmp_path) == digest(SAMPLE_DIR)


def test_sample_of_n_posts_spreads_over_chats_and_months(tmp_path):
    completed = subprocess.run(
        [*TWEETCHAT, "sample", "--out", str(tmp_path), "--posts", "5000", "--seed", "7"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    lines = sum(1 for p in (tmp_path / "raw").rglob("*.jsonl") for _ in p.open())
    months = {p.parent.name for p in (tmp_path / "raw").rglob("*.jsonl")}
    assert lines >= 50 and len(months) == 5
    assert "5 chats" in completed.stdout


def test_run_with_a_bad_registry_exits_non_zero_with_one_line(tmp_path):
    chats = tmp_path / "chats.yaml"
    chats.write_text('chats:\n  - {id: a, hashtags: ["#x"]}\n')
    completed = subprocess.run(
        [*TWEETCHAT, "run", "--chats", str(chats), "--raw", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"DAGSTER_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 2
    assert str(chats) in completed.stderr and "field 'starts'" in completed.stderr


def test_dbt_months_environment_and_schedule_month():
    assert dbt_vars(datetime(2023, 1, 1), datetime(2023, 5, 1)) == {
        "month_start": "2023-01-01",
        "month_end": "2023-05-01",
    }
    settings = Settings.from_environment({}, published_database=Path("/w/tweetchat.duckdb"))
    months = {"month_start": "2023-04-01", "month_end": "2023-05-01"}
    assert dbt_environment(settings, months) == {
        "TWEETCHAT_BUILD_DATABASE": "/w/.build/tweetchat.duckdb",
        "TWEETCHAT_DUCKDB_MEMORY": settings.duckdb_memory,
        "TWEETCHAT_MONTH_START": "2023-04-01",
        "TWEETCHAT_MONTH_END": "2023-05-01",
    }
    # A run of no partition: the months are unset, every month is built.
    assert dbt_environment(settings, {})["TWEETCHAT_MONTH_START"] is None
    assert previous_month_key(datetime(2023, 1, 2, 6)) == "2022-12-01"
    assert previous_month_key(datetime(2023, 5, 2, 6)) == "2023-04-01"
