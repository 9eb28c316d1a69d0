"""What `tweetchat run` shows: plain lines on a pipe, a live display on a terminal, the
summary table of its chats at the end, and Dagster's and dbt's logs in the run's log file."""

import os
import pty
import re
import select
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from orchestration.progress import Step, chats_line, check_status, ingest_line
from tests.conftest import sample_variables

TWEETCHAT = str(Path(sys.executable).with_name("tweetchat"))
CHAT = "leadingqi-2023-04"
COMMAND = [TWEETCHAT, "run", "--month", "2023-04"]


def environment(root: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, **sample_variables(root), **extra}


def test_run_through_a_pipe_prints_plain_lines_and_the_summary(tmp_path):
    completed = subprocess.run(
        COMMAND, env=environment(tmp_path), capture_output=True, text=True, timeout=1200
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    shown = completed.stdout + completed.stderr
    assert "\x1b" not in shown, "control codes on a pipe"
    assert "PreviewWarning" not in shown and "BetaWarning" not in shown
    assert "Warning" not in shown
    # One plain line per step as it ends, numbered from the run's plan.
    assert re.search(r"^tweetchat run: \[\d+/\d+\] dbt models and tests .*: done in", shown, re.M)
    assert re.search(r"^tweetchat run: \[\d+/\d+\] publish .*: done in", shown, re.M)
    # Ingest tells its files and megabytes; dbt its models and tests of the plan's; the
    # charts and the reports their chats.
    ingest = re.search(
        r"^tweetchat run: \[\d+/\d+\] ingest .*: done in \d+s \((\d+)/(\d+) files, "
        r"([\d.]+)/([\d.]+) MB",
        shown,
        re.M,
    )
    assert ingest and ingest[1] == ingest[2] != "0" and ingest[3] == ingest[4], shown
    dbt = re.search(r"dbt models and tests .*: done in .*\((\d+)/(\d+) asset\(s\)", shown)
    assert dbt and dbt[1] == dbt[2], shown
    for step in ("charts", "reports"):
        made = re.search(
            rf"^tweetchat run: \[\d+/\d+\] {step} \(\w+\): done in \d+s \((\d+)/(\d+) chats",
            shown,
            re.M,
        )
        assert made and made[1] == made[2] == "1", shown
    # dbt's build log is not on the screen: it is in the log file.
    assert "OK created" not in shown
    # The summary ends the output: the chat, its window's figures, its report.
    last = completed.stdout.strip().splitlines()[-1].split()
    report = tmp_path / "output" / CHAT / "report.html"
    assert last[0] == CHAT and last[-1] == report.as_uri() and report.exists()
    assert all(figure.isdigit() for figure in last[1:4])
    # The status of the checks of the chat's month, as the run recorded them.
    assert last[4] == "passed", last
    log = Path(re.search(r"^log:\s+(\S+)$", completed.stdout, re.M).group(1))
    assert log.parent == tmp_path / "dagster_home" / "logs"
    text = log.read_text()
    assert "Running with dbt=" in text and "OK created" in text


def run_on_a_terminal(command: list[str], env: dict[str, str], timeout: float) -> str:
    """The command's whole output as a terminal of 160 columns shows it."""
    import fcntl
    import struct
    import termios

    main_fd, terminal_fd = pty.openpty()
    fcntl.ioctl(terminal_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    process = subprocess.Popen(
        command,
        stdin=terminal_fd,
        stdout=terminal_fd,
        stderr=terminal_fd,
        env={**env, "TERM": "xterm-256color"},
        close_fds=True,
    )
    os.close(terminal_fd)
    output = bytearray()
    try:
        while True:
            ready, _, _ = select.select([main_fd], [], [], timeout)
            if not ready:
                raise TimeoutError(output[-3000:].decode(errors="replace"))
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            output += chunk
    finally:
        process.wait(timeout=60)
        os.close(main_fd)
    assert process.returncode == 0, output[-3000:].decode(errors="replace")
    return output.decode(errors="replace")


def test_run_on_a_terminal_shows_the_display_and_ends_with_the_summary(tmp_path):
    shown = run_on_a_terminal(COMMAND, environment(tmp_path), timeout=1200)
    assert "\x1b[" in shown, "no live display on a terminal"
    assert "PreviewWarning" not in shown and "BetaWarning" not in shown
    assert "dbt models and tests" in shown
    summary = shown.rindex("chats of the run")
    assert summary > shown.rindex("built in")
    report = (tmp_path / "output" / CHAT / "report.html").as_uri()
    assert CHAT in shown[summary:] and "checks" in shown[summary:]
    assert "passed" in shown[summary:]
    # The report's path is a hyperlink (OSC 8) to its file:// address.
    assert "\x1b]8;id=" in shown[summary:] and f";{report}\x1b\\" in shown[summary:]
    # The live display showed the ingest's files and megabytes and the chats made.
    assert re.search(r"\d+/\d+ files, [\d.]+/[\d.]+ MB", shown)
    assert re.search(r"\d+/\d+ chats", shown)


def test_a_step_reads_its_progress_lines_and_estimates_the_time_left():
    step = Step("raw_exports", started=time.monotonic() - 10)
    assert step.read_line(ingest_line(3, 12, 3 * 2**20, 12 * 2**20))
    assert step.detail() == "3/12 files, 3.0/12.0 MB"
    charts = Step("charts", started=time.monotonic() - 10)
    assert not charts.read_line("loading 3 chats")
    assert charts.read_line(chats_line("charts", 2, 6, "leadingqi-2023-04"))
    # 10 s for 2 chats: about 20 s for the other 4.
    assert re.fullmatch(r"2/6 chats, about 2\ds left", charts.detail()), charts.detail()
    charts.ended = time.monotonic()
    assert charts.detail() == "2/6 chats"


def test_the_check_status_of_a_chat_is_that_of_its_month(tmp_path):
    import duckdb

    from orchestration.quality import ExpectationOutcome, record

    database = tmp_path / "build.duckdb"
    outcome = ExpectationOutcome(
        "suite", "marts.chat_activity", "expect", "marts", "error", True, ""
    )
    with duckdb.connect(str(database)) as con:
        record(con, [outcome], "run-1", "2023-03-01", "2023-05-01")
        record(
            con,
            [replace(outcome, severity="warn", success=False)],
            "run-1",
            "2023-04-01",
            "2023-05-01",
        )
        record(con, [replace(outcome, success=False)], "run-1", "2023-05-01", "2023-06-01")
        record(con, [replace(outcome, success=False)], "run-0", "2023-03-01", "2023-04-01")
    months = {
        "march": date(2023, 3, 1),
        "april": date(2023, 4, 1),
        "may": date(2023, 5, 1),
        "june": date(2023, 6, 1),
    }
    assert check_status(database, "run-1", months) == {
        "march": "passed",
        "april": "warned:1",
        "may": "failed:1",
        "june": "unchecked",
    }


def test_a_run_of_two_months_counts_each_asset_once_and_reads_the_steps_lines():
    """On a real Dagster instance: a step that makes its assets for two months (one
    materialisation per month each) shows each asset once against the plan's, and a line the
    step logs (ingest's files and megabytes) is read into its progress."""
    import io

    import dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG as END
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_START_TAG as START

    from orchestration.progress import RunProgress

    months = dg.MonthlyPartitionsDefinition(start_date="2023-03-01", end_date="2023-05-01")

    @dg.multi_asset(
        specs=[dg.AssetSpec("posts"), dg.AssetSpec("users")],
        partitions_def=months,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def raw_exports(context: dg.AssetExecutionContext):
        context.log.info(ingest_line(2, 2, 3 * 2**20, 3 * 2**20))
        yield dg.MaterializeResult(asset_key="posts")
        yield dg.MaterializeResult(asset_key="users")

    shown = io.StringIO()
    with dg.instance_for_test() as instance:
        watcher = RunProgress(instance, "run", shown, interval=60)
        result = dg.materialize(
            [raw_exports],
            instance=instance,
            tags={START: "2023-03-01", END: "2023-04-01", **watcher.tags},
        )
        assert result.success
        materialised = result.get_asset_materialization_events()
        assert len(materialised) == 4, "one materialisation per asset and month"
        watcher._read()  # finds the run
        watcher._read()  # reads its events
    assert re.search(
        r"^tweetchat run: \[1/1\] ingest \(raw_exports\): done in \d+s "
        r"\(2/2 files, 3\.0/3\.0 MB, 2/2 asset\(s\)\)$",
        shown.getvalue(),
        re.M,
    ), shown.getvalue()
