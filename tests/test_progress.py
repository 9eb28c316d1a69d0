"""What `tweetchat run` shows: plain lines on a pipe, a live display on a terminal, the
summary table of its chats at the end, and Dagster's and dbt's logs in the run's log file."""

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

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
    # dbt's build log is not on the screen: it is in the log file.
    assert "OK created" not in shown
    # The summary ends the output: the chat, its window's figures, its report.
    last = completed.stdout.strip().splitlines()[-1].split()
    report = tmp_path / "output" / CHAT / "report.html"
    assert last[0] == CHAT and last[-1] == report.as_uri() and report.exists()
    assert all(figure.isdigit() for figure in last[1:4])
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
    assert CHAT in shown[summary:] and report in shown[summary:]
