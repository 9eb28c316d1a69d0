"""What `tweetchat run` and `tweetchat check` show while the job runs, and the summary after.

The steps come from the run's own Dagster event log (step start, success and failure,
materialisations and check evaluations), read by a thread while `dagster.execute_job` runs in
the main one, so the display tells what Dagster recorded and nothing else. On a terminal it is
a live `rich` table; elsewhere (a pipe, CI, cron) plain lines. Dagster's and dbt's own logs go
to a log file per run unless `--verbose` streams them.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

# Marks the run this CLI process launched, so the reader finds it in the instance.
PROGRESS_TAG = "tweetchat/cli_progress"

# What each step does, told by the words of its key (the job's asset and check names).
STEP_LABELS = (
    # The asset checks' steps are named by the table they check (first: a check's own name
    # may hold another step's word, as `published_figures` does).
    ("marts__", "checks"),
    ("raw__", "checks"),
    ("registry", "registry"),
    ("raw_exports", "ingest"),
    ("dbt", "dbt models and tests"),
    ("betweenness", "network"),
    ("network", "network"),
    ("theme", "themes"),
    ("transcript", "transcripts"),
    ("charts", "charts"),
    ("chat_reports", "reports"),
    ("published", "publish"),
)


# The lines steps log for the display (through `context.log`, so they are in the run's event
# log): ingest's files and megabytes, and the chats the charts and reports have made.
INGEST_LINE = re.compile(r"ingested (\d+)/(\d+) files, ([\d.]+)/([\d.]+) MB")
CHATS_LINE = re.compile(r"^(\w+) (\d+)/(\d+) chats done")


def ingest_line(files_done: int, files: int, bytes_done: int, bytes_total: int) -> str:
    return (
        f"ingested {files_done}/{files} files, "
        f"{bytes_done / 2**20:.1f}/{bytes_total / 2**20:.1f} MB"
    )


def chats_line(what: str, done: int, total: int, chat_id: str) -> str:
    return f"{what} {done}/{total} chats done ({chat_id})"


def quiet_warnings() -> None:
    """Dagster's Preview/Beta/supersession and deprecation warnings are for the project's
    developers, not its users: silenced in the CLI process only."""
    import dagster as dg

    for category in (
        dg.PreviewWarning,
        dg.BetaWarning,
        dg.SupersessionWarning,
        DeprecationWarning,
        FutureWarning,
    ):
        warnings.filterwarnings("ignore", category=category)


def step_label(step_key: str) -> str:
    lowered = step_key.lower()
    for word, label in STEP_LABELS:
        if word in lowered:
            return f"{label} ({step_key})"
    return step_key


def log_path_for(dagster_home: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return dagster_home / "logs" / f"run-{stamp}-{uuid.uuid4().hex[:6]}.log"


@contextlib.contextmanager
def logs_to(log_path: Path, verbose: bool):
    """Dagster's and dbt's output (they write to sys.stdout/sys.stderr) into the run's log
    file; with `verbose`, to stderr as before (no file)."""
    if verbose:
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("a", encoding="utf-8", buffering=1) as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        yield


def _of(total: int | None) -> str:
    return f"/{total}" if total else ""


@dataclass
class Step:
    key: str
    started: float
    ended: float | None = None
    status: str = "running"
    # The assets and checks done, each once however many months (partitions) the run has.
    assets_done: set = field(default_factory=set)
    checks_done: set = field(default_factory=set)
    # What the run's plan says the step makes (a dbt step: its models and its tests).
    planned_assets: int | None = None
    planned_checks: int | None = None
    # The step's own progress lines: ingest's files and megabytes, the chats made.
    files: tuple[int, int, float, float] | None = None
    chats: tuple[int, int] | None = None

    def detail(self) -> str:
        parts = []
        if self.files:
            done, total, megabytes, of_megabytes = self.files
            parts.append(f"{done}/{total} files, {megabytes:.1f}/{of_megabytes:.1f} MB")
        if self.chats:
            done, total = self.chats
            parts.append(f"{done}/{total} chats" + self._time_left(done, total))
        if self.assets_done or self.planned_assets:
            parts.append(f"{len(self.assets_done)}{_of(self.planned_assets)} asset(s)")
        if self.checks_done or self.planned_checks:
            parts.append(f"{len(self.checks_done)}{_of(self.planned_checks)} check(s)")
        return ", ".join(parts)

    def _time_left(self, done: int, total: int) -> str:
        # From the pace so far: the step's time over the chats done (its set-up included).
        if self.ended is not None or not done or done >= total:
            return ""
        left = self.seconds() / done * (total - done)
        return f", about {left:.0f}s left"

    def read_line(self, message: str) -> bool:
        """Takes a progress line the step logged; True when it was one."""
        if found := INGEST_LINE.search(message):
            done, total = int(found[1]), int(found[2])
            self.files = (done, total, float(found[3]), float(found[4]))
            return True
        if found := CHATS_LINE.search(message):
            self.chats = (int(found[2]), int(found[3]))
            return True
        return False

    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started


@dataclass
class RunProgress:
    """Follows one run in the instance's event log and shows its steps on `stream`."""

    instance: object
    verb: str
    stream: TextIO
    interval: float = 0.5
    tag_value: str = field(default_factory=lambda: uuid.uuid4().hex)
    run_id: str | None = None
    steps: dict[str, Step] = field(default_factory=dict)
    total_steps: int | None = None
    # step key -> (assets, checks) the run's plan has it make.
    planned: dict[str, tuple[int, int]] = field(default_factory=dict)
    # On a pipe, a step's progress line at most this often (seconds).
    plain_every: float = 15.0

    def __post_init__(self):
        self.live_display = self.stream.isatty()
        self._cursor = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._live = None
        self._started = time.monotonic()
        self._said_progress: dict[str, float] = {}

    @property
    def tags(self) -> dict[str, str]:
        return {PROGRESS_TAG: self.tag_value}

    def __enter__(self) -> RunProgress:
        if self.live_display:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, force_terminal=True)
            self._live = Live(
                self,
                console=console,
                refresh_per_second=4,
                transient=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self._live is not None:
            self._live.refresh()
            self._live.stop()

    def _follow(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()
        self._read()

    def _read(self) -> None:
        import dagster as dg

        try:
            if self.run_id is None:
                runs = self.instance.get_runs(
                    filters=dg.RunsFilter(tags={PROGRESS_TAG: self.tag_value}), limit=1
                )
                if not runs:
                    return
                self.run_id = runs[0].run_id
                self.total_steps = self._planned_steps(runs[0])
                self._say(f"run {self.run_id}")
            records = self.instance.get_records_for_run(self.run_id, cursor=self._cursor)
        except Exception as error:  # the display must never stop the run
            self._say(f"progress unavailable: {error}")
            self._stop.set()
            return
        self._cursor = records.cursor
        for record in records.records:
            self._record(record.event_log_entry)

    def _planned_steps(self, run) -> int | None:
        try:
            plan = self.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
        except Exception:
            return None
        for step in plan.steps:
            outputs = [output.properties for output in step.outputs if output.properties]
            checks = sum(1 for output in outputs if output.asset_check_key is not None)
            assets = sum(
                1 for output in outputs if output.is_asset and output.asset_check_key is None
            )
            self.planned[step.key] = (assets, checks)
        return len(plan.step_keys_to_execute)

    def _record(self, entry) -> None:
        from dagster import DagsterEventType as kind

        event = entry.dagster_event
        if event is None:
            # Run-level warnings (an interrupted run recovered, ...) are the user's business.
            if entry.step_key is None and entry.level >= 30:
                self._say(f"warning: {entry.user_message}")
            elif entry.step_key is not None:
                self._step_line(entry.step_key, entry.user_message or "")
            return
        key = event.step_key
        with self._lock:
            if event.event_type == kind.STEP_START:
                assets, checks = self.planned.get(key, (0, 0))
                self.steps[key] = Step(
                    key,
                    time.monotonic(),
                    planned_assets=assets or None,
                    planned_checks=checks or None,
                )
                if not self.live_display:
                    self._say(f"{self._count()} {step_label(key)}: started")
                return
            step = self.steps.get(key) if key else None
            if step is None:
                return
            if event.event_type == kind.ASSET_MATERIALIZATION:
                step.assets_done.add(event.asset_key)
            elif event.event_type == kind.ASSET_CHECK_EVALUATION:
                evaluation = event.event_specific_data
                step.checks_done.add((evaluation.asset_key, evaluation.check_name))
            elif event.event_type in (kind.STEP_SUCCESS, kind.STEP_FAILURE):
                step.ended = time.monotonic()
                step.status = "done" if event.event_type == kind.STEP_SUCCESS else "failed"
                if not self.live_display:
                    detail = step.detail()
                    self._say(
                        f"{self._count()} {step_label(key)}: {step.status} in "
                        f"{step.seconds():.0f}s" + (f" ({detail})" if detail else "")
                    )

    def _step_line(self, key: str, message: str) -> None:
        with self._lock:
            step = self.steps.get(key)
            if step is None or not step.read_line(message):
                return
            detail = step.detail()
        # On a pipe a long step says how far it is now and then (the display shows it live).
        now = time.monotonic()
        if not self.live_display and now - self._said_progress.get(key, step.started) >= (
            self.plain_every
        ):
            self._said_progress[key] = now
            self._say(f"{self._count()} {step_label(key)}: {detail}")

    def _count(self) -> str:
        finished = sum(1 for step in self.steps.values() if step.ended is not None)
        return f"[{finished}/{self.total_steps or '?'}]"

    def _say(self, line: str) -> None:
        text = f"tweetchat {self.verb}: {line}"
        if self._live is not None:
            self._live.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def __rich__(self):
        from rich.spinner import Spinner
        from rich.table import Table

        table = Table.grid(padding=(0, 1))
        marks = {"done": "[green]✓[/]", "failed": "[red]✗[/]"}
        with self._lock:
            steps = list(self.steps.values())
            count = self._count()
        for step in steps:
            mark = marks.get(step.status) or Spinner("dots", style="cyan")
            table.add_row(mark, step_label(step.key), step.detail(), f"{step.seconds():.0f}s")
        elapsed = time.monotonic() - self._started
        table.add_row("", f"[bold]{self.verb}[/] {count} steps", "", f"{elapsed:.0f}s")
        return table


# The summary's columns of counts, right-aligned.
FIGURES = ("contributors", "originals", "retweets")


def chat_summary(published_database: Path, chat_ids: list[str]) -> list[tuple]:
    """(chat_id, contributors, originals, retweets) of the window, as the published warehouse
    counted them."""
    if not chat_ids or not published_database.exists():
        return []
    from orchestration.warehouse import connect

    with connect(published_database, read_only=True) as con:
        return con.execute(
            "select chat_id, contributors, originals, retweets from marts.chat_activity "
            "where scope = 'window' and chat_id in (select unnest(?)) order by chat_id",
            [chat_ids],
        ).fetchall()


# The expectations a run recorded that cover a chat's month: the month's own checks and the
# raw tables' (which record no month). Worst first: a failed blocking one, then a warning.
CHECKS_OF_CHATS = """
with chats as (
    select unnest(?) as chat_id, unnest(?)::date as chat_month
)
select
    chats.chat_id,
    count(results.success) as expectations,
    count(*) filter (where not results.success and results.severity = 'error') as failed,
    count(*) filter (where not results.success and results.severity <> 'error') as warned,
from chats
left join audit.validation_results as results
    on results.run_id = ?
    and (
        results.month_start is null
        or (chats.chat_month >= results.month_start and chats.chat_month < results.month_end)
    )
group by chats.chat_id
"""


def check_status(database: Path, run_id: str, chat_months: dict[str, date]) -> dict[str, str]:
    """Per chat, the status of the run's checks of its month, from the results the checks
    recorded (audit.validation_results, the run's quality page): `passed`, `warned:N`,
    `failed:N` (expectations), or `unchecked`."""
    if not chat_months or not database.exists():
        return {}
    from orchestration.warehouse import connect, has_table

    with connect(database, read_only=True) as con:
        if not has_table(con, "audit", "validation_results"):
            return dict.fromkeys(chat_months, "unchecked")
        rows = con.execute(
            CHECKS_OF_CHATS, [list(chat_months), list(chat_months.values()), run_id]
        ).fetchall()
    status = {}
    for chat_id, expectations, failed, warned in rows:
        if failed:
            status[chat_id] = f"failed:{failed}"
        elif warned:
            status[chat_id] = f"warned:{warned}"
        else:
            status[chat_id] = "passed" if expectations else "unchecked"
    return status


def print_summary(
    rows: list[tuple], out_dir: Path, stream: TextIO, checks: dict[str, str] | None = None
) -> None:
    """One line per chat: its window's figures, its checks' status and its report (a
    `file://` link, clickable on a terminal that supports links)."""
    checks = checks or {}
    reports = {}
    for row in rows:
        report = out_dir / row[0] / "report.html"
        reports[row[0]] = report if report.exists() else None
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title="chats of the run")
        for name in ("chat", "contributors", "originals", "retweets", "checks"):
            table.add_column(name, justify="right" if name in FIGURES else "left")
        table.add_column("report", overflow="fold")
        styles = {"passed": "green", "warned": "yellow", "failed": "red"}
        for chat_id, contributors, originals, retweets in rows:
            report = reports[chat_id]
            shown = (
                Text(str(report), style=f"link {report.as_uri()}") if report else Text("no report")
            )
            status = checks.get(chat_id, "unchecked")
            table.add_row(
                chat_id,
                str(contributors),
                str(originals),
                str(retweets),
                Text(status, style=styles.get(status.split(":")[0], "")),
                shown,
            )
        Console(file=stream, force_terminal=True).print(table)
        return
    print(
        f"{'chat':<28} {'contributors':>12} {'originals':>9} {'retweets':>8} {'checks':<10}  report",
        file=stream,
    )
    for chat_id, contributors, originals, retweets in rows:
        report = reports[chat_id]
        print(
            f"{chat_id:<28} {contributors:>12} {originals:>9} {retweets:>8} "
            f"{checks.get(chat_id, 'unchecked'):<10}  {report.as_uri() if report else 'no report'}",
            file=stream,
        )
