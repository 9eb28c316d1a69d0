"""`dagster dev` as an analyst starts it: `.venv/bin/dagster dev -w workspace.yaml` with the
venv not activated (no venv on PATH), and a run launched through the instance (as the UI,
the schedule and the sensor launch them) that is killed mid-build, then recovered the same
way a CLI run is: marked failed, its hold on the pool released, the next run equal to a
clean one."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from orchestration.runs import PROCESS_TAG, instance_for
from orchestration.settings import INSTANCE_CONFIG
from tests.conftest import MONTHS, PROJECT_ROOT, sample_settings
from tests.test_reliability import tables_of

DAGSTER = str(Path(sys.executable).with_name("dagster"))
TWEETCHAT = str(Path(sys.executable).with_name("tweetchat"))
# What a shell has without the venv activated.
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"

REPOSITORIES = """
query {
  repositoriesOrError {
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
    ... on PythonError { message }
  }
}
"""
LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        body = json.load(answer)
    assert "errors" not in body, body
    return body["data"]


class DagsterDev:
    """`.venv/bin/dagster dev -w workspace.yaml` in its own process group, venv not on PATH."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("VIRTUAL_ENV", "PATH", "PYTHONHOME")
        }
        environment.update(sample_settings(root).as_environment(), PATH=BARE_PATH)
        self.log = root / f"dagster-dev-{len(list(root.glob('dagster-dev-*.log')))}.log"
        with self.log.open("w") as handle:
            self.process = subprocess.Popen(
                [DAGSTER, "dev", "-w", "workspace.yaml", "-p", str(self.port)],
                cwd=PROJECT_ROOT,
                env=environment,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_loaded(self, timeout: float = 300) -> dict:
        """The code location's repository once it loaded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-4000:]
            try:
                nodes = graphql(self.url, REPOSITORIES)["repositoriesOrError"].get("nodes")
                if nodes:
                    return nodes[0]
            except OSError:
                pass
            time.sleep(2)
        pytest.fail(f"dagster dev did not load: {self.log.read_text()[-4000:]}")

    def launch(self, repository: dict) -> str:
        params = {
            "selector": {
                "repositoryLocationName": repository["location"]["name"],
                "repositoryName": repository["name"],
                "jobName": "tweetchat_job",
            },
            "executionMetadata": {
                "tags": [
                    {"key": "dagster/asset_partition_range_start", "value": MONTHS[0]},
                    {"key": "dagster/asset_partition_range_end", "value": MONTHS[1]},
                ]
            },
        }
        launched = graphql(self.url, LAUNCH, {"params": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        return launched["run"]["runId"]

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"{what} did not happen in {timeout:.0f}s: {log.read_text()[-4000:]}")


def step_started(instance: dg.DagsterInstance, run_id: str, step: str) -> bool:
    return any(
        step in (record.step_key or "")
        for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    )


def kill_run_process(instance: dg.DagsterInstance, run_id: str) -> None:
    """SIGKILL the run's own process, if killing `dagster dev`'s process group left it (after
    `dagster dev`, so its code server cannot notice the death and close the run itself)."""
    pid = int(instance.get_run_by_id(run_id).tags[PROCESS_TAG].rpartition(":")[2])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def home(tmp_path):
    """A DAGSTER_HOME holding the project's instance configuration, as `make install`
    links it into .dagster/."""
    home = sample_settings(tmp_path).dagster_home
    home.mkdir(parents=True)
    (home / "dagster.yaml").symlink_to(INSTANCE_CONFIG)
    return home


def test_a_killed_dagster_dev_run_is_recovered_and_the_next_run_equals_a_clean_one(
    sample_run, tmp_path, home
):
    clean = tables_of(sample_run["root"] / "warehouse" / "tweetchat.duckdb")
    instance = instance_for(sample_settings(tmp_path))
    server = DagsterDev(tmp_path)
    try:
        repository = server.wait_loaded()
        assert {"tweetchat_job", "tweetchat_check_job"} <= {j["name"] for j in repository["jobs"]}
        killed = server.launch(repository)
        # Killed hard while dbt builds the marts: `dagster dev` and the run's own process.
        wait_for(
            lambda: step_started(instance, killed, "tweetchat_dbt_models"),
            600,
            "the run reaching dbt",
            server.log,
        )
    finally:
        server.kill()
    kill_run_process(instance, killed)
    assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.STARTED
    # A dead run holds its pool slots: nothing else could write the warehouse.
    assert instance.event_log_storage.get_concurrency_run_ids()

    server = DagsterDev(tmp_path)
    try:
        repository = server.wait_loaded()
        # The daemon's run monitoring finds the run's process gone and fails the run ...
        wait_for(
            lambda: instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE,
            240,
            "the dead run marked failed",
            server.log,
        )
        # ... and frees its slots, so the next run (the queue allows one) runs and finishes.
        rerun = server.launch(repository)
        wait_for(
            lambda: instance.get_run_by_id(rerun).is_finished,
            900,
            "the rerun finishing",
            server.log,
        )
    finally:
        server.stop()
    assert instance.get_run_by_id(rerun).status == dg.DagsterRunStatus.SUCCESS
    assert tables_of(tmp_path / "warehouse" / "tweetchat.duckdb") == clean


def test_a_cli_run_recovers_a_killed_dagster_dev_run(sample_run, tmp_path, home):
    """The same recovery from the other side: the run's own executor closes a dead run that
    `dagster dev` launched, before its first step claims the pool."""
    instance = instance_for(sample_settings(tmp_path))
    server = DagsterDev(tmp_path)
    try:
        killed = server.launch(server.wait_loaded())
        wait_for(lambda: step_started(instance, killed, "raw_exports"), 600, "ingest", server.log)
    finally:
        server.kill()
    kill_run_process(instance, killed)
    environment = {**os.environ, **sample_settings(tmp_path).as_environment()}
    completed = subprocess.run(
        [TWEETCHAT, "run", "--month", "2023-04"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"run {killed} was interrupted" in completed.stderr
    assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
