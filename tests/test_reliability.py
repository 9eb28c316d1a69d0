"""Crashes and concurrent readers: killed runs then a rerun equal a clean run; an analyst
reading the published file during a rebuild never fails and never sees half a month."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from tests.conftest import sample_variables

TWEETCHAT = str(Path(sys.executable).with_name("tweetchat"))
# Tables whose rows carry the time or id of the run that wrote them.
RUN_STAMPED = {"raw.loaded_files", "audit.validation_results"}


def environment(root: Path) -> dict:
    return {**os.environ, **sample_variables(root)}


def tables_of(database: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('raw', 'marts') and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {
            name: sorted(map(repr, con.execute(f"select * from {name}").fetchall()))
            for name in names
            if name not in RUN_STAMPED
        }


def start_run(root: Path, *options: str) -> subprocess.Popen:
    """`tweetchat run` in its own process group; its progress goes to root/run-N.log."""
    (root / "dagster_home").mkdir(parents=True, exist_ok=True)
    log = root / f"run-{len(list(root.glob('run-*.log')))}.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            # --verbose: Dagster's and dbt's log lines on stderr, where the kill markers are.
            [TWEETCHAT, "run", "--verbose", *options],
            env=environment(root),
            stdout=subprocess.DEVNULL,
            stderr=handle,
            start_new_session=True,
        )
    process.log = log
    return process


def finish(process: subprocess.Popen) -> str:
    """Wait for the run; its whole log."""
    try:
        process.wait(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return process.log.read_text()


def kill_when(process: subprocess.Popen, marker: str, timeout: float = 600) -> None:
    """SIGKILL the run (and its dbt) as soon as its log shows `marker`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if marker in process.log.read_text(errors="replace"):
            break
        time.sleep(0.2)
    assert process.poll() is None, f"the run ended before {marker!r}"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_three_killed_runs_then_a_rerun_equal_a_clean_run(sample_run, tmp_path):
    clean = tables_of(sample_run["root"] / "warehouse" / "tweetchat.duckdb")
    # Killed while loading the exports, while dbt builds the marts, and while rendering.
    for marker in ("raw_exports - [", "START sql incremental model marts.posts", "charts 1/"):
        kill_when(start_run(tmp_path), marker)
    rerun = start_run(tmp_path)
    log = finish(rerun)
    assert rerun.returncode == 0, log[-3000:]
    # The run killed last was still 'started' in DAGSTER_HOME, holding the warehouse pool.
    assert "was interrupted" in log
    assert tables_of(tmp_path / "warehouse" / "tweetchat.duckdb") == clean
    assert not list((tmp_path / "warehouse").glob(".*.publishing"))


def test_reader_sees_whole_months_while_a_run_rebuilds(sample_run, tmp_path):
    first = start_run(tmp_path)
    log = finish(first)
    assert first.returncode == 0, log[-3000:]
    published = tmp_path / "warehouse" / "tweetchat.duckdb"
    outcomes = {"queries": 0, "errors": []}
    stop = threading.Event()

    def analyst():
        while not stop.is_set():
            try:
                with duckdb.connect(str(published), read_only=True) as con:
                    # Whole data: the months, the chats and the posts agree with one another.
                    months = con.execute(
                        "select m.month, m.posts, sum(a.posts) from marts.monthly_activity m "
                        "join marts.chat_activity a on a.chat_month = m.month "
                        "and a.scope = 'window' group by m.month, m.posts"
                    ).fetchall()
                    posts = con.execute("select count(*) from marts.posts").fetchone()[0]
                if len(months) != 4 or any(a != b for _, a, b in months):
                    outcomes["errors"].append(f"months disagree: {months}")
                if posts != sum(a for _, a, _ in months):
                    outcomes["errors"].append(f"posts {posts} vs months {months}")
            except Exception as error:  # noqa: BLE001 - every failure is the finding
                outcomes["errors"].append(repr(error))
            outcomes["queries"] += 1
            time.sleep(0.05)

    reader = threading.Thread(target=analyst)
    reader.start()
    try:
        # --force: with nothing changed, `tweetchat run` would leave the warehouse as it is.
        rebuild = start_run(tmp_path, "--force")
        log = finish(rebuild)
    finally:
        stop.set()
        reader.join()
    assert rebuild.returncode == 0, log[-3000:]
    assert outcomes["queries"] > 50
    assert outcomes["errors"] == []
