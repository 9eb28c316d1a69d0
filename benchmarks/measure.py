"""Runs a command and measures its wall time and peak memory (the whole process tree)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psutil

SAMPLE_SECONDS = 0.05


@dataclass
class Measured:
    command: list[str]
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> Measured:
        if self.returncode != 0:
            raise RuntimeError(
                f"{' '.join(self.command)} failed ({self.returncode}):\n{self.stderr[-3000:]}"
            )
        return self


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += member.memory_info().rss
    return total


def run(command: list[str], env: dict | None = None, cwd=None, log=None) -> Measured:
    """Run `command`, sampling the RSS of its process tree; stderr lines go to `log`."""
    started = time.perf_counter()
    with subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        process = psutil.Process(child.pid)
        peak = 0
        # Read the pipes in threads so a chatty child never blocks on a full pipe.
        out, err = [], []

        def pump(stream, sink, echo):
            for line in stream:
                sink.append(line)
                if echo:
                    echo(line.rstrip())

        threads = [
            threading.Thread(target=pump, args=(child.stdout, out, None), daemon=True),
            threading.Thread(target=pump, args=(child.stderr, err, log), daemon=True),
        ]
        for thread in threads:
            thread.start()
        while child.poll() is None:
            try:
                peak = max(peak, tree_rss(process))
            except psutil.NoSuchProcess:
                break
            time.sleep(SAMPLE_SECONDS)
        child.wait()
        for thread in threads:
            thread.join()
    return Measured(
        command=command,
        seconds=time.perf_counter() - started,
        peak_rss_mb=peak / 2**20,
        returncode=child.returncode,
        stdout="".join(out),
        stderr="".join(err),
    )


def python() -> str:
    return sys.executable
