"""A rerun with nothing changed, against the full rebuild it replaces; and what publish costs.

In a fresh work folder: a first `tweetchat run`, then `tweetchat run --force` (the full
rebuild every rerun was before the fingerprint check, orchestration/rerun.py), then
`tweetchat run` with nothing changed, three times. Then `publish` alone on the built files,
three times: the whole copy of the working database over the published one, and publishing
again with nothing changed. Wall times of
whole commands, from a new process each, as a user sees them. Writes
benchmarks/results/<date>-rerun[-<posts>].json.

    python -m benchmarks.rerun                 # the bundled sample, reports included
    python -m benchmarks.rerun --posts 100000  # a generated sample, --no-reports
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import measure
from benchmarks.run import (
    RESULTS,
    ROOT,
    TWEETCHAT,
    log,
    machine,
    run_command,
    run_id_of,
    step_times,
)
from orchestration.settings import SAMPLE_DIR
from orchestration.warehouse import publish

RERUNS = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--posts", type=int, help="a generated sample of about this many posts, --no-reports"
    )
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "rerun")
    args = parser.parse_args(argv)
    work: Path = args.work / (str(args.posts) if args.posts else "sample")
    shutil.rmtree(work, ignore_errors=True)
    if args.posts:
        sample = work / "sample"
        log(f"writing a sample of {args.posts:,} posts")
        measure.run([TWEETCHAT, "sample", "--out", str(sample), "--posts", str(args.posts)]).check()
        raw, chats = sample / "raw", sample / "chats.yaml"
    else:
        raw, chats = SAMPLE_DIR / "raw", SAMPLE_DIR / "chats.yaml"
    published = work / "warehouse" / "tweetchat.duckdb"
    command = run_command(work, raw, chats, *(["--no-reports"] if args.posts else []))
    env = {"DAGSTER_HOME": str(work / "dagster")}
    (work / "dagster").mkdir(parents=True)

    log("first build")
    first = measure.run(command, env=env).check()
    log("full rebuild: tweetchat run --force")
    forced = measure.run([*command, "--force"], env=env).check()
    stages = step_times(work / "dagster", run_id_of(forced))
    reruns = []
    for attempt in range(RERUNS):
        log(f"nothing changed: tweetchat run ({attempt + 1}/{RERUNS})")
        rerun = measure.run(command, env=env).check()
        assert "nothing changed since the run of" in rerun.stderr, rerun.stderr[-2000:]
        reruns.append(round(rerun.seconds, 2))

    # publish alone: the whole copy (its marker removed), then again with nothing changed.
    build = published.parent / ".build" / published.name
    marker = published.with_name(f".{published.name}.published-from.json")
    copies, skips = [], []
    for _ in range(RERUNS):
        marker.unlink(missing_ok=True)
        for times, copied in ((copies, True), (skips, False)):
            started = time.monotonic()
            assert publish(build, published) is copied
            times.append(round(time.monotonic() - started, 3))

    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "sample": f"generated, {args.posts:,} posts" if args.posts else "bundled (4 chats)",
        "reports": not args.posts,
        "first_build_seconds": round(first.seconds, 2),
        "force_rebuild_seconds": round(forced.seconds, 2),
        "force_rebuild_stages": stages,
        "nothing_changed_seconds": reruns,
        "nothing_changed_median_seconds": statistics.median(reruns),
        "nothing_changed_peak_rss_mb": round(rerun.peak_rss_mb),
        "warehouse_mb": round(published.stat().st_size / 2**20, 1),
        "publish_copy_seconds": copies,
        "publish_unchanged_seconds": skips,
    }
    suffix = f"-{args.posts}" if args.posts else ""
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-rerun{suffix}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"rerun, {result['sample']}: full rebuild (--force) {forced.seconds:.1f} s "
        f"(publish step {stages.get('publish', '?')} s); nothing changed "
        f"{result['nothing_changed_median_seconds']:.2f} s (median of {reruns}); "
        f"publish alone {statistics.median(copies):.2f} s for {result['warehouse_mb']} MB, "
        f"{statistics.median(skips):.3f} s unchanged; "
        f"written to {path.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
