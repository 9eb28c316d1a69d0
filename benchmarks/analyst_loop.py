"""Analysts reading while a run rebuilds: a loop of read-only queries on the published
warehouse during a full rebuild of a large sample (issue 7: 300,000 posts).

A first run publishes the warehouse; then the working database is deleted and every month
is rebuilt from scratch while a reader opens the published file read-only over and over,
each time checking that its data is whole (every month's total equals the sum of its
chats, and marts.posts agrees). Prints and writes benchmarks/results/<date>-analyst-loop.json
with the queries made, the errors seen (lock errors, missing tables, half months) and the
versions of the warehouse the reader saw.

    python -m benchmarks.analyst_loop [--posts 300000] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks import measure
from benchmarks.run import RESULTS, ROOT, TWEETCHAT, log, machine

CHECK_SQL = """
    select m.month, m.posts, sum(a.posts)
    from marts.monthly_activity m
    join marts.chat_activity a on a.chat_month = m.month and a.scope = 'window'
    group by m.month, m.posts
"""


def read_once(published: Path) -> tuple[str | None, list[str]]:
    """(the warehouse version seen, problems) of one analyst session."""
    problems = []
    with duckdb.connect(str(published), read_only=True) as con:
        months = con.execute(CHECK_SQL).fetchall()
        posts = con.execute("select count(*) from marts.posts").fetchone()[0]
        version = con.execute("select max(loaded_at)::varchar from raw.loaded_files").fetchone()[0]
    bad = [row for row in months if row[1] != row[2]]
    if bad:
        problems.append(f"months whose chats do not add up: {bad[:3]}")
    if posts != sum(row[1] for row in months):
        problems.append(f"marts.posts has {posts} rows, the months {sum(r[1] for r in months)}")
    return version, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300_000)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "analyst")
    args = parser.parse_args(argv)
    work: Path = args.work
    sample = work / "sample"
    if not (sample / "chats.yaml").exists():
        log(f"writing a sample of {args.posts:,} posts")
        measure.run([TWEETCHAT, "sample", "--out", str(sample), "--posts", str(args.posts)]).check()
    published = work / "warehouse" / "tweetchat.duckdb"
    command = [
        TWEETCHAT, "run", "--no-reports", "--raw", str(sample / "raw"),
        "--chats", str(sample / "chats.yaml"), "--warehouse", str(published),
        "--out", str(work / "out"),
    ]  # fmt: skip
    env = {"DAGSTER_HOME": str(work / "dagster")}
    (work / "dagster").mkdir(parents=True, exist_ok=True)
    if not published.exists():
        log("first build (publishes the warehouse the analyst reads)")
        measure.run(command, env=env).check()
    shutil.rmtree(published.parent / ".build", ignore_errors=True)

    outcome = {"queries": 0, "errors": [], "versions": {}}
    stop = threading.Event()

    def analyst() -> None:
        while not stop.is_set():
            try:
                version, problems = read_once(published)
                outcome["versions"][version] = outcome["versions"].get(version, 0) + 1
                outcome["errors"] += problems
            except Exception as error:  # noqa: BLE001 - every failure is the finding
                outcome["errors"].append(repr(error))
            outcome["queries"] += 1
            time.sleep(0.02)

    reader = threading.Thread(target=analyst)
    reader.start()
    log("full rebuild from an empty working database, the analyst reading throughout")
    try:
        rebuild = measure.run(command, env=env).check()
    finally:
        stop.set()
        reader.join()
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "posts_requested": args.posts,
        "rebuild_seconds": round(rebuild.seconds, 1),
        "rebuild_peak_rss_mb": round(rebuild.peak_rss_mb),
        "queries": outcome["queries"],
        "errors": len(outcome["errors"]),
        "first_errors": outcome["errors"][:10],
        "versions_seen": outcome["versions"],
    }
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-analyst-loop.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    log(f"{result['queries']} queries, {result['errors']} errors, "
        f"{len(outcome['versions'])} versions seen -> {path}")  # fmt: skip
    return 0 if not outcome["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
