"""How long `tweetchat chats find` takes on a generated sample, and where the time goes.

Runs the finder (`find_chats`, as `tweetchat chats find --raw DIR` does) on a sample's raw
folder and times its phases from its own log lines: loading the exports through ingest's
readers (the floor: the same work `tweetchat run`'s ingest does), then DuckDB's counting
(posts per hashtag and hour, the bursts) and describing every burst (host, start, questions,
title). Checks the chats found against the sample's registry (ids' hashtags, hosts, starts).
Prints the figures and writes benchmarks/results/<date>-finder-<posts>.json.

    .venv/bin/tweetchat sample --out /tmp/s --posts 1000000
    nice .venv/bin/python -m benchmarks.finder /tmp/s
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.run import RESULTS, machine
from orchestration.finder import find_chats
from orchestration.registry import load_registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", type=Path, help="a `tweetchat sample --out` folder")
    args = parser.parse_args(argv)
    registry = load_registry(args.sample / "chats.yaml")
    timezone = registry.chats[0].timezone
    marks: list[tuple[float, str]] = []
    started = time.monotonic()
    found = find_chats(
        args.sample / "raw",
        timezone=timezone,
        log=lambda message: marks.append((time.monotonic(), message)),
    )
    ended = time.monotonic()
    read = next(at for at, message in marks if "posts read" in message)
    bursts = next(at for at, message in marks if "bursts of hashtag activity" in message)
    expected = {(chat.hosts[0], chat.starts_local.replace(tzinfo=None)) for chat in registry.chats}
    proposed = {(chat.hosts[0], chat.starts_local) for chat in found if chat.hosts}
    raw_bytes = sum(
        path.stat().st_size for path in (args.sample / "raw").rglob("*") if path.is_file()
    )
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": os.getloadavg(),
        "raw_megabytes": round(raw_bytes / 2**20, 1),
        "chats_in_registry": len(registry.chats),
        "chats_found": len(found),
        "hosts_and_starts_exact": len(expected & proposed),
        "seconds": {
            "load_exports (floor: ingest's readers)": round(read - started, 1),
            "count_bursts": round(bursts - read, 1),
            "describe_bursts": round(ended - bursts, 1),
            "total": round(ended - started, 1),
        },
    }
    print(json.dumps(result, indent=2))
    out = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-finder-{len(registry.chats)}-chats.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
