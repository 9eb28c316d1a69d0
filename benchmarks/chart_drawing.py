"""A chat's first chart drawing, per chart and for many chats: code trees side by side.

On a warehouse built by `benchmarks.charts_per_chat` (--work, the same folder), for each code
tree given by --code (a checkout, or a `git archive` of one unpacked in a folder), in its own
process and alternately, `--rounds` times:

- each chart of `--chats` chats drawn in one process (`chart_plan`'s `draw()`): ms a chart
  by kind;
- the same chats through `draw_charts_of_chats(reuse=False)`: wall seconds and the CPU
  seconds of the process and of the processes it spawned (CPU is what a loaded machine
  does not blur).

    python -m benchmarks.chart_drawing --work /tmp/charts-bench --code /tmp/main --code .
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def measure(code: Path, work: Path, chats: int) -> None:
    """Run in a child process with `code` first on sys.path: print this code's figures."""
    sys.path.insert(0, str(code))
    import duckdb

    from orchestration.reports import chart_plan, draw_charts_of_chats
    from orchestration.reports.content import chat_ids
    from orchestration.reports.loading import load_chat_reports

    database = work / "warehouse" / ".build" / "tweetchat.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        reports = load_chat_reports(con, chat_ids(con, "1900-01-01", "9999-01-01")[:chats])
    out = Path(tempfile.mkdtemp(prefix="chart-drawing-"))
    seconds, counts = defaultdict(float), defaultdict(int)
    for report in reports:
        for chart in chart_plan(report, out / "one" / report.chat_id)[1]:
            stem = chart.path.stem  # q1_wordcloud, poll_1, timeline
            kind = stem.split("_")[-1] if stem.startswith("q") else stem.split("_")[0]
            started = time.perf_counter()
            chart.draw()
            seconds[kind] += time.perf_counter() - started
            counts[kind] += 1
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    started = time.perf_counter()
    list(draw_charts_of_chats([(r, out / "many" / r.chat_id) for r in reports], reuse=False))
    wall = time.perf_counter() - started
    after = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = [
        (b.ru_utime + b.ru_stime) - (a.ru_utime + a.ru_stime)
        for a, b in zip(usage, after, strict=True)
    ]
    per_chart = ", ".join(
        f"{kind} {seconds[kind] / counts[kind] * 1000:.0f}"
        for kind in sorted(seconds, key=lambda k: -seconds[k])
    )
    print(f"| {code} | {sum(seconds.values()) / len(reports):.2f} | {per_chart} | "
          f"{wall:.2f} | {cpu[0]:.1f} + {cpu[1]:.1f} | {os.getloadavg()[0]:.2f} |", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--code", type=Path, action="append", required=True)
    parser.add_argument("--chats", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        measure(args.one, args.work.resolve(), args.chats)
        return 0
    print(f"{args.chats} chats, every chart drawn")
    print("| code | one process s/chat | ms a chart | draw_charts_of_chats wall s "
          "| CPU s (process + spawned) | load |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for _ in range(args.rounds):
        for code in args.code:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--work",
                    str(args.work),
                    "--chats",
                    str(args.chats),
                    "--one",
                    str(code.resolve()),
                    "--code",
                    ".",
                ],
                check=True,
            )  # fmt: skip  (by path: spawned processes import this file, not a package)
    return 0


if __name__ == "__main__":
    sys.exit(main())
