"""One tick of the raw-directory sensor on one large export file (issue 22), beside the old path.

Writes `tweetchat sample --posts N` (default 600,000 posts, 600 chats over 72 months), then
one ~450 MB file: the chats of five months in six concatenated (every sixth month left out, so
the registry holds months the file does not), and one ~2 GB file: that file repeated. For each
file, in a fresh process (so the imports count): the real sensor, evaluated with
`build_sensor_context` and the real resources of `build_definitions()`, timed with its peak
memory (the whole process tree, psutil). Beside it, in the same run, the old path: the file
loaded whole into an in-memory DuckDB (what the sensor did before, `months_by_loading` below),
on the ~450 MB file; on the 2 GB one only with --old-on-large. The months requested must equal
exactly the months of the chats concatenated into the file, and the old path's months.

    python -m benchmarks.sensor_tick [--posts 600000] [--work DIR] [--old-on-large] [--keep]

Generated files stay under --work (benchmarks/work/, ignored by git) and are deleted at the
end unless --keep. Results go to benchmarks/results/<date>-sensor-tick.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import measure
from benchmarks.run import RESULTS, ROOT, log, machine

# Every sixth month of the sample is left out of the file.
LEFT_OUT_EVERY = 6

TICK = """
import json, time
started = time.perf_counter()
import dagster as dg
from orchestration.definitions import build_definitions

defs = build_definitions()
sensor = defs.resolve_sensor_def("raw_directory_sensor")
imported = time.perf_counter()
with dg.DagsterInstance.ephemeral() as instance, dg.build_sensor_context(
    instance=instance,
    resources={"settings": defs.resources["settings"]},
    repository_def=defs.get_repository_def(),
) as context:
    ticked = time.perf_counter()
    result = sensor.evaluate_tick(context)
done = time.perf_counter()
keys = sorted(request.partition_key for request in result.run_requests)
print("RESULT " + json.dumps({
    "months": [key[:7] for key in keys], "skip": result.skip_message,
    "import_seconds": round(imported - started, 1),
    "evaluate_tick_seconds": round(done - ticked, 1),
    "cpu_seconds": round(time.process_time(), 1),
}))
"""

OLD_PATH = """
import json, sys, time
from pathlib import Path
from benchmarks.sensor_tick import months_by_loading
from orchestration.registry import load_registry

months = months_by_loading(Path(sys.argv[1]), load_registry(sys.argv[2]).chats)
print("RESULT " + json.dumps({"months": [month.isoformat()[:7] for month in months],
                              "cpu_seconds": round(time.process_time(), 1)}))
"""


def months_by_loading(path: Path, chats) -> list:
    """The sensor's month detection before issue 22 (it was `ingest.file_months`): the file's
    reader loads it whole into an in-memory DuckDB, then its posts meet the chat windows."""
    import duckdb

    from orchestration.readers import detect_format
    from orchestration.readers.canonical import create_raw_tables

    reader = detect_format(path)
    with duckdb.connect() as con:
        create_raw_tables(con)
        reader.load(con, path, path.name)
        times = [
            row[0]
            for row in con.execute(
                "select distinct created_at from raw.posts "
                "where section = 'data' and created_at is not null"
            ).fetchall()
        ]
    months = {
        chat.month
        for chat in chats
        if any(chat.window_start_utc <= moment < chat.window_end_utc for moment in times)
    }
    return sorted(months)


def write_exports(work: Path, posts: int, large_gb: float) -> tuple[Path, Path, list[str]]:
    """The sample, the ~450 MB file of five months in six, the ~2 GB file; the file's months."""
    from orchestration.sample.generator import write_sample

    sample = work / "sample"
    if not (sample / "chats.yaml").exists():
        log(f"writing the sample of {posts:,} posts")
        write_sample(sample, posts=posts, log=lambda message: None)
    month_dirs = sorted(path for path in (sample / "raw").iterdir() if path.is_dir())
    kept = [path for index, path in enumerate(month_dirs) if index % LEFT_OUT_EVERY != 1]
    medium = work / "medium" / "export.jsonl"
    large = work / "large" / "export.jsonl"
    if not medium.exists():
        log(f"concatenating {len(kept)} of {len(month_dirs)} months into {medium}")
        medium.parent.mkdir(parents=True, exist_ok=True)
        with medium.open("wb") as target:
            for month in kept:
                for source in sorted(month.glob("*.jsonl")):
                    with source.open("rb") as handle:
                        shutil.copyfileobj(handle, target)
    if not large.exists():
        log(f"repeating {medium.name} into {large}")
        large.parent.mkdir(parents=True, exist_ok=True)
        with large.open("wb") as target:
            while target.tell() < large_gb * 2**30:
                with medium.open("rb") as handle:
                    shutil.copyfileobj(handle, target)
    return medium, large, [path.name for path in kept]


def tagged_result(measured: measure.Measured) -> dict:
    (line,) = [row for row in measured.stdout.splitlines() if row.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def sensor_tick(export: Path, chats_file: Path, work: Path) -> dict:
    """One sensor tick on a raw directory holding only `export`, in a fresh process."""
    env = {
        "TWEETCHAT_RAW": str(export.parent),
        "TWEETCHAT_CHATS": str(chats_file),
        "TWEETCHAT_WAREHOUSE": str(work / "warehouse" / "tweetchat.duckdb"),
        "TWEETCHAT_OUT": str(work / "output"),
    }
    measured = measure.run([sys.executable, "-c", TICK], env=env, cwd=ROOT).check()
    return {**tagged_result(measured), **_figures(measured)}


def old_path(export: Path, chats_file: Path) -> dict:
    measured = measure.run(
        [sys.executable, "-c", OLD_PATH, str(export), str(chats_file)], cwd=ROOT
    ).check()
    return {**tagged_result(measured), **_figures(measured)}


def _figures(measured: measure.Measured) -> dict:
    return {"seconds": round(measured.seconds, 1), "peak_rss_mb": round(measured.peak_rss_mb)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=600_000)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "sensor")
    parser.add_argument(
        "--old-on-large", action="store_true", help="also time the old path on the 2 GB file"
    )
    parser.add_argument(
        "--no-old", action="store_true", help="skip the old path (minutes on a busy machine)"
    )
    parser.add_argument("--large-gb", type=float, default=2.0)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)
    medium, large, expected = write_exports(args.work, args.posts, args.large_gb)
    chats_file = args.work / "sample" / "chats.yaml"
    rows = []
    failures = []
    for export, run_old in ((medium, not args.no_old), (large, args.old_on_large)):
        size_mb = export.stat().st_size / 2**20
        log(f"sensor tick on {size_mb:,.0f} MB (load average {os.getloadavg()[0]:.1f})")
        tick = sensor_tick(export, chats_file, args.work)
        log(f"tick: {json.dumps({k: v for k, v in tick.items() if k != 'months'})}")
        if run_old:
            log(f"old path (the file loaded whole) on {size_mb:,.0f} MB")
            old = old_path(export, chats_file)
        elif args.no_old:
            old = {"skipped": "--no-old"}
        else:
            old = {
                "skipped": "the old path loads the whole file: on ~450 MB it took minutes and "
                "3+ GB; on 2 GB it would hold several times the file in memory"
            }
        row = {"file_mb": round(size_mb), "expected_months": len(expected), "tick": tick,
               "old_path": old, "load_average": round(os.getloadavg()[0], 1)}  # fmt: skip
        if tick["months"] != expected:
            failures.append(
                f"{size_mb:,.0f} MB: the tick requested {len(tick['months'])} months, "
                f"the file holds {len(expected)}: missing {sorted(set(expected) - set(tick['months']))}, "
                f"extra {sorted(set(tick['months']) - set(expected))}"
            )
        if "months" in old and old["months"] != tick["months"]:
            failures.append(f"{size_mb:,.0f} MB: the old path found other months than the tick")
        rows.append(row)
        old_figures = (
            f"old path {old['seconds']} s, {old['peak_rss_mb']} MB"
            if "seconds" in old
            else f"old path skipped: {old['skipped']}"
        )
        log(
            f"{size_mb:,.0f} MB: tick {tick['seconds']} s, {tick['peak_rss_mb']} MB peak, "
            f"{len(tick['months'])} months requested (expected {len(expected)}); {old_figures}"
        )
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "posts_in_sample": args.posts,
        "months_in_registry": len(list((args.work / "sample" / "raw").iterdir())),
        "months_in_file": len(expected),
        "files": rows,
        "months_match": not failures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-sensor-tick.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    log(f"results in {path}")
    if not args.keep:
        shutil.rmtree(args.work)
    for failure in failures:
        log(f"MISMATCH: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
