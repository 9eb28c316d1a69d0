"""A rerun with nothing changed: `tweetchat run` says so and leaves the warehouse as it is,
within seconds and without a Dagster run; a changed registry, a new export file or --force
builds again; a failed run stores no fingerprint."""

import dataclasses
import os
import shutil
import time
from pathlib import Path

import pytest

from orchestration import cli, rerun
from orchestration.runs import instance_for
from orchestration.settings import SAMPLE_DIR, Settings
from orchestration.warehouse import connect, publish
from tests.conftest import sample_settings

MONTH = "2023-04"
JOB = "tweetchat_warehouse_job"
# One month without reports: the quickest real build of the sample.
OPTIONS = ["--month", MONTH, "--no-reports"]


def settings_under(root: Path) -> Settings:
    """The sample's settings, but for a copy of its exports and registry under `root`."""
    return dataclasses.replace(
        sample_settings(root), raw_dir=root / "raw", chats_file=root / "chats.yaml"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the sample's April exports and registry (the tests change them), built once."""
    root = tmp_path_factory.mktemp("rerun")
    shutil.copytree(SAMPLE_DIR / "raw" / MONTH, root / "raw" / MONTH)
    shutil.copy(SAMPLE_DIR / "chats.yaml", root / "chats.yaml")
    settings = settings_under(root)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.as_environment().items():
            patch.setenv(name, value)
        assert cli.main(["run", *OPTIONS]) == 0
        yield settings


def run(settings: Settings, *options: str) -> tuple[int, float]:
    """`tweetchat run` in this process with the fixture's settings: (status, seconds)."""
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.as_environment().items():
            patch.setenv(name, value)
        status = cli.main(["run", *OPTIONS, *options])
    return status, time.monotonic() - started


def dagster_runs(settings: Settings) -> int:
    return len(instance_for(settings).get_run_records())


def files_state(settings: Settings) -> dict:
    """Size and modification time of everything a run writes."""
    written = [settings.published_database, settings.build_database]
    if settings.out_dir.exists():
        written += sorted(p for p in settings.out_dir.rglob("*") if p.is_file())
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in written}


def assert_no_op(settings: Settings, capsys) -> None:
    runs, state = dagster_runs(settings), files_state(settings)
    capsys.readouterr()
    status, seconds = run(settings)
    err = capsys.readouterr().err
    assert status == 0, err
    assert "nothing changed since the run of" in err and "--force to rebuild" in err
    assert seconds < 5, f"the nothing-changed rerun took {seconds:.1f}s"
    assert dagster_runs(settings) == runs, "a Dagster run was started"
    assert files_state(settings) == state, "the warehouse or the outputs were written"


def assert_builds(settings: Settings, capsys, *options: str) -> None:
    runs = dagster_runs(settings)
    published = settings.published_database.stat().st_mtime_ns
    capsys.readouterr()
    status, _ = run(settings, *options)
    err = capsys.readouterr().err
    assert status == 0, err[-3000:]
    assert "nothing changed" not in err
    assert dagster_runs(settings) == runs + 1
    assert settings.published_database.stat().st_mtime_ns != published
    assert rerun.record_path(settings).exists()


def test_a_rerun_with_nothing_changed_is_a_quick_no_op(built, capsys):
    record = rerun.record_path(built)
    assert record.exists() and record.parent == built.published_database.parent
    assert not list(built.raw_dir.rglob(".*")), "nothing is written into the raw folder"
    assert_no_op(built, capsys)
    # An export file touched but not changed: same content hash, so still nothing to do.
    export = sorted(built.raw_dir.rglob("*.jsonl"))[0]
    later = export.stat().st_mtime + 60
    os.utime(export, (later, later))
    assert_no_op(built, capsys)
    assert_no_op(built, capsys)


def test_a_changed_registry_a_new_file_or_force_builds_again(built, capsys):
    with built.chats_file.open("a") as registry:
        registry.write("# edited by the analyst\n")
    assert_builds(built, capsys)
    assert_no_op(built, capsys)
    export = sorted(built.raw_dir.rglob("*.jsonl"))[0]
    shutil.copy(export, export.with_name("another_export.jsonl"))
    assert_builds(built, capsys)
    assert_builds(built, capsys, "--force")
    assert_no_op(built, capsys)


def test_outputs_changed_by_another_run_are_not_taken_as_built(built, capsys):
    # The published copy replaced by someone else (a run from the UI, a restore).
    shutil.copy(built.published_database, built.published_database.with_suffix(".copy"))
    built.published_database.with_suffix(".copy").replace(built.published_database)
    current = rerun.fingerprint(built, JOB, MONTH)
    assert rerun.unchanged_since_last_run(built, current) is None
    # Another job or month is another run.
    assert_builds(built, capsys)
    other = rerun.fingerprint(built, "tweetchat_job", MONTH)
    assert rerun.unchanged_since_last_run(built, other) is None
    assert rerun.unchanged_since_last_run(built, rerun.fingerprint(built, JOB, None)) is None
    assert rerun.unchanged_since_last_run(built, rerun.fingerprint(built, JOB, MONTH))


def test_a_failed_run_stores_no_fingerprint(built, capsys):
    assert rerun.record_path(built).exists()
    # Too little memory for DuckDB: the run fails inside Dagster (a setting that does not
    # change the output, so the fingerprint is the one of the last good run).
    failing = dataclasses.replace(built, duckdb_memory="1MB")
    runs = dagster_runs(built)
    status, _ = run(failing, "--force")
    assert status == 1, capsys.readouterr().err[-3000:]
    assert dagster_runs(built) == runs + 1
    assert not rerun.record_path(built).exists()
    current = rerun.fingerprint(built, JOB, MONTH)
    assert rerun.unchanged_since_last_run(built, current) is None


def test_publish_copies_only_a_changed_working_database(tmp_path):
    build, published = tmp_path / ".build" / "w.duckdb", tmp_path / "w.duckdb"
    with connect(build) as con:
        con.execute("create table posts as select range as id from range(1000)")
    assert publish(build, published) is True
    copy = published.stat()
    # Nothing written since: the published copy is left as it is (same file, same stamp).
    assert publish(build, published) is False
    assert (published.stat().st_ino, published.stat().st_mtime_ns) == (
        copy.st_ino,
        copy.st_mtime_ns,
    )
    with connect(build) as con:
        con.execute("insert into posts values (1000)")
    assert publish(build, published) is True
    assert published.stat().st_ino != copy.st_ino
    with connect(published, read_only=True) as con:
        assert con.execute("select count(*) from posts").fetchone() == (1001,)
    # A published copy replaced by something else is replaced again.
    shutil.copy(published, tmp_path / "other.duckdb")
    (tmp_path / "other.duckdb").replace(published)
    assert publish(build, published) is True


def test_a_theme_model_put_in_place_changes_the_fingerprint(tmp_path, monkeypatch):
    """`make theme-model` (or another model folder) after a run changes what the themes are,
    so the rerun check must not call it unchanged; `tfidf` and an unset variable without a
    model on disk are the same TF-IDF run."""
    root = tmp_path / "copy"
    shutil.copytree(SAMPLE_DIR / "raw" / MONTH, root / "raw" / MONTH)
    shutil.copy(SAMPLE_DIR / "chats.yaml", root / "chats.yaml")
    settings = settings_under(root)
    model = tmp_path / "model"
    model.mkdir()
    (model / "modules.json").write_text("[]")
    monkeypatch.setenv("TWEETCHAT_THEME_MODEL", "tfidf")
    tfidf = rerun.fingerprint(settings, JOB, MONTH).inputs
    monkeypatch.setenv("TWEETCHAT_THEME_MODEL", str(model))
    with_model = rerun.fingerprint(settings, JOB, MONTH).inputs
    assert with_model != tfidf
    (model / "model.safetensors").write_bytes(b"weights")
    assert rerun.fingerprint(settings, JOB, MONTH).inputs != with_model
