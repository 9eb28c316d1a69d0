"""dbt threads: the same `dbt build` on DuckDB with 1 thread and with 2 (this machine's cores).

For each given build warehouse (a benchmark run's `warehouse/.build/tweetchat.duckdb`), a
copy keeps only the raw schema, then `dbt build --threads N` builds every model, seed and
test from it; each setting runs --repeat times on a fresh copy, alternating, so both see
the same files and the same disk cache. Writes benchmarks/results/<date>-dbt-threads.json.

    python -m benchmarks.threads benchmarks/work/1000/warehouse/.build/tweetchat.duckdb ...
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks.run import RESULTS, ROOT, log, machine

DBT = str(Path(sys.executable).with_name("dbt"))


def raw_only_copy(build: Path, target: Path) -> int:
    """`build` copied to `target` without the schemas dbt makes; returns raw.posts' rows."""
    shutil.copy(build, target)
    with duckdb.connect(str(target)) as con:
        for schema in ("staging", "intermediate", "marts"):
            con.execute(f"drop schema if exists {schema} cascade")
        return con.execute("select count(*) from raw.posts").fetchone()[0]


def dbt_build(database: Path, threads: int) -> float:
    env = {**os.environ, "TWEETCHAT_BUILD_DATABASE": str(database)}
    command = [DBT, "build", "--profiles-dir", ".", "--threads", str(threads), "--quiet"]
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT / "dbt_project", env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"dbt build --threads {threads} failed:\n{completed.stdout[-3000:]}")
    return round(seconds, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", type=Path, nargs="+", help="build warehouses to start from")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "threads")
    args = parser.parse_args(argv)

    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for build in args.builds:
        if not build.exists():
            print(f"error: {build} does not exist: run `make bench` first", file=sys.stderr)
            return 2
        timings: dict[int, list[float]] = {threads: [] for threads in args.threads}
        posts = None
        for attempt in range(args.repeat):
            for threads in args.threads:
                database = args.work / "tweetchat.duckdb"
                database.unlink(missing_ok=True)
                posts = raw_only_copy(build, database)
                seconds = dbt_build(database, threads)
                timings[threads].append(seconds)
                log(
                    f"{build}: {posts} raw posts, threads {threads}, try {attempt + 1}: {seconds} s"
                )
        results.append(
            {
                "build": str(build),
                "raw_posts": posts,
                "seconds": {str(t): s for t, s in timings.items()},
                "median_seconds": {
                    str(t): round(statistics.median(s), 2) for t, s in timings.items()
                },
            }
        )
    for result in results:
        medians = ", ".join(f"{t} thread(s) {s} s" for t, s in result["median_seconds"].items())
        print(f"{result['raw_posts']:>9} raw posts: {medians}")
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-dbt-threads.json"
    path.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine(),
                "results": results,
            },
            indent=2,
        )
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
