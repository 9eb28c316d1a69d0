"""Runs whose process died: every run, however launched, is recovered the same way.

A run killed mid-way (SIGKILL, a reboot, `dagster dev` stopped hard) stays STARTED in
DAGSTER_HOME and keeps its claim on the warehouse pool, so the next run would wait for it
forever. Its working database needs nothing: DuckDB replays or drops what the dead process
left, and the next run rebuilds its months. So:

- every run records the process executing it (`tweetchat/process` = host:pid) as it starts,
  through `tweetchat_executor`, the executor of every job (CLI, UI, schedule, sensor);
- the same executor first closes the runs whose process on this machine is gone: marks them
  failed and frees their pool slots (a CLI run has no daemon to do it);
- under `dagster dev` the daemon's run monitoring (dagster.yaml) asks `TweetchatRunLauncher`
  whether a run's process lives, so a dead run no longer holds its lane's queue either,
  and frees the pool slots of ended runs.
"""

from __future__ import annotations

import os
import socket

import dagster as dg
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG
from dagster._core.execution.retries import RetryMode
from dagster._core.execution.step_dependency_config import StepDependencyConfig
from dagster._core.executor.in_process import InProcessExecutor
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus

from orchestration.settings import INSTANCE_CONFIG, Settings

# host:pid of the process executing a run.
PROCESS_TAG = "tweetchat/process"
IN_PROGRESS = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_process(run: dg.DagsterRun) -> str | None:
    """The pid of the run's process when it ran on this machine and is gone, else None."""
    host, _, pid = run.tags.get(PROCESS_TAG, "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or process_alive(int(pid)):
        return None
    return pid


def recover_interrupted_runs(instance: dg.DagsterInstance, current_run_id: str) -> list[str]:
    """Mark failed the in-progress runs whose process died and free their pool slots; one
    line for each."""
    recovered = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS)):
        pid = dead_process(run) if run.run_id != current_run_id else None
        if pid is None:
            continue
        instance.report_run_failed(run, message=f"the process {pid} executing it died mid-run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(
            f"run {run.run_id} was interrupted (process {pid} is gone); marked failed and its "
            "hold on the warehouse released. This run rebuilds its months."
        )
    return recovered


class RecoveringInProcessExecutor(InProcessExecutor):
    """Dagster's in-process executor, which first records its process on the run and
    recovers the runs whose process died."""

    def execute(self, plan_context, execution_plan):
        instance, run_id = plan_context.instance, plan_context.run_id
        instance.add_run_tags(run_id, {PROCESS_TAG: this_process()})
        for line in recover_interrupted_runs(instance, run_id):
            plan_context.log.warning(line)
        yield from super().execute(plan_context, execution_plan)


@dg.executor(name="in_process", config_schema=IN_PROC_CONFIG)
def tweetchat_executor(init_context: dg.InitExecutorContext) -> RecoveringInProcessExecutor:
    """One process for every step (they share one DuckDB file, so parallel processes would
    only wait), recovering interrupted runs before the first step."""
    config = init_context.executor_config
    return RecoveringInProcessExecutor(
        retries=RetryMode.from_config(config["retries"]),
        step_dependency_config=StepDependencyConfig.from_config(
            config.get("step_dependency_config")
        ),
    )


class TweetchatRunLauncher(dg.DefaultRunLauncher):
    """Dagster's default launcher, which can tell run monitoring whether a run's process
    lives (dagster.yaml selects it): the default cannot, so a run whose `dagster dev` was
    killed would stay STARTED for ever."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        pid = dead_process(run)
        if pid is not None:
            return CheckRunHealthResult(
                WorkerStatus.FAILED, f"the process {pid} executing the run is gone"
            )
        # Alive, on another machine, or not yet recorded (monitoring fails any other status).
        return CheckRunHealthResult(WorkerStatus.RUNNING)


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The Dagster instance of DAGSTER_HOME: its storage, and its dagster.yaml, or the
    project's when it has none (as `dagster dev` does for a home it makes up)."""
    from dagster._core.instance.ref import InstanceRef

    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config_dir = home if (home / "dagster.yaml").exists() else INSTANCE_CONFIG.parent
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), config_dir=str(config_dir)))
