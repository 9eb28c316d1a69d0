"""How long one chat's transcript takes, against reading the chat's posts and its report.

From a generated sample (`tweetchat sample --posts N`, chats of ~1,000 posts) built with
`tweetchat run --no-reports`, for the chat with the most transcript entries, the median of
several repeats of:

- floor: `select * from marts.posts` of the chat, fetched (the least any output of it costs);
- transcript load: `load_transcript` (marts.transcript_posts, polls, headings);
- transcript written: arranging, rendering and writing transcript.html and .md, no hash yet;
- transcript unchanged: `write_transcript` again, which finds the content hash equal;
- report baseline: the chat's report.html (`load_chat_report` + `write_html`, no charts).

Prints the figures and writes benchmarks/results/<date>-transcript.json.

    .venv/bin/python -m benchmarks.transcript [--posts 1000] [--repeats 7] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks.run import RESULTS, machine
from orchestration.reports.render import ChartFiles, write_html
from orchestration.reports.transcript import HASH_NAME, load_transcript, write_transcript

TWEETCHAT = str(Path(sys.executable).with_name("tweetchat"))


def timed(action, repeats: int) -> float:
    """Median seconds of `repeats` calls of `action`."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def build(work: Path, posts: int) -> Path:
    subprocess.run(
        [TWEETCHAT, "sample", "--out", str(work / "sample"), "--posts", str(posts)],
        check=True,
        capture_output=True,
    )
    warehouse = work / "warehouse" / "tweetchat.duckdb"
    (work / "dagster").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [TWEETCHAT, "run", "--raw", str(work / "sample" / "raw"),
         "--chats", str(work / "sample" / "chats.yaml"), "--warehouse", str(warehouse),
         "--out", str(work / "out"), "--no-reports"],
        check=True,
        capture_output=True,
        env={**os.environ, "DAGSTER_HOME": str(work / "dagster")},
    )  # fmt: skip
    return warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="transcript-bench-"))
    warehouse = build(work, args.posts)
    out = work / "out" / "bench"
    from orchestration.reports.content import load_chat_report

    with duckdb.connect(str(warehouse), read_only=True) as con:
        chat_id, entries = con.execute(
            "select chat_id, count(*) from marts.transcript_posts group by chat_id "
            "order by count(*) desc limit 1"
        ).fetchone()
        posts, originals = con.execute(
            "select count(*), count(*) filter (where not is_retweet) from marts.posts "
            "where chat_id = ?",
            [chat_id],
        ).fetchone()
        floor = timed(
            lambda: con.execute(
                "select * from marts.posts where chat_id = ?", [chat_id]
            ).fetchall(),
            args.repeats,
        )
        load = timed(lambda: load_transcript(con, chat_id), args.repeats)

        def write_fresh():
            (out / HASH_NAME).unlink(missing_ok=True)
            write_transcript(load_transcript(con, chat_id), out)

        fresh = timed(write_fresh, args.repeats)
        unchanged = timed(
            lambda: write_transcript(load_transcript(con, chat_id), out), args.repeats
        )
        report = timed(
            lambda: write_html(load_chat_report(con, chat_id), ChartFiles(), out / "report.html"),
            args.repeats,
        )
    figures = {
        "floor: fetch the chat's marts.posts rows": floor,
        "transcript: load from the marts": load,
        "transcript: load + render + write html and md": fresh,
        "transcript: load + hash, unchanged (nothing written)": unchanged,
        "baseline: the chat's report.html (load + render, no charts)": report,
    }
    print(f"chat {chat_id}: {posts} posts ({originals} originals), {entries} transcript entries")
    print(f"median of {args.repeats} runs, seconds (load average {os.getloadavg()[0]:.1f}):")
    for label, seconds in figures.items():
        print(f"  {seconds:8.4f}  {label}")
    result = {
        "posts_requested": args.posts,
        "chat": {"posts": posts, "originals": originals, "transcript_entries": entries},
        "repeats": args.repeats,
        "median_seconds": {label: round(seconds, 4) for label, seconds in figures.items()},
        "load_average_1min": round(os.getloadavg()[0], 1),
        "machine": machine(),
    }
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-transcript.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"files in {out}; results in {path}")


if __name__ == "__main__":
    main()
