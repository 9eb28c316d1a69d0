"""What the fixed first month partition costs: the definitions loaded with partitions from
the sample's first month (2023-01, 48 partitions: what reading chats.yaml gave) and from the
default first month (2007-08, about 230), each in a fresh process.

Measured: loading the definitions (what `dagster dev` and every run do), listing the
partition keys, evaluating the schedule, and the partition status Dagster computes for the
UI's asset page (materialized partitions of marts/posts on an instance holding the sample's
four months).

    .venv/bin/python -m benchmarks.partitions
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

FIRST_MONTHS = ("2023-01", "2007-08")
REPEATS = 3

PROBE = r"""
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from orchestration.definitions import build_definitions
from orchestration.settings import Settings, SAMPLE_DIR
root = Path(sys.argv[1])
settings = Settings(published_database=root / "warehouse" / "tweetchat.duckdb",
                    out_dir=root / "output", dagster_home=root / "dagster_home")
defs = build_definitions(settings)
job = defs.resolve_job_def("tweetchat_job")
loaded = time.perf_counter()
keys = job.partitions_def.get_partition_keys()
listed = time.perf_counter()
import dagster as dg
from datetime import datetime
from zoneinfo import ZoneInfo
schedule = defs.resolve_schedule_def("monthly_schedule")
context = dg.build_schedule_context(
    scheduled_execution_time=datetime(2023, 5, 2, 6, tzinfo=ZoneInfo("Europe/London")),
    repository_def=defs.get_repository_def())
list(schedule.evaluate_tick(context).run_requests)
scheduled = time.perf_counter()
from orchestration.runs import instance_for
instance = instance_for(settings)
for month in ("2023-01-01", "2023-02-01", "2023-03-01", "2023-04-01"):
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key=dg.AssetKey(["marts", "posts"]), partition=month))
reported = time.perf_counter()
materialized = instance.get_materialized_partitions(dg.AssetKey(["marts", "posts"]))
missing = [k for k in keys if k not in materialized]
status = time.perf_counter()
print(json.dumps({"partitions": len(keys), "load_s": loaded - started,
                  "keys_s": listed - loaded, "schedule_s": scheduled - listed,
                  "status_s": status - reported, "missing": len(missing)}))
"""


def probe(first_month: str) -> dict:
    with tempfile.TemporaryDirectory() as root:
        environment = {**os.environ, "TWEETCHAT_FIRST_MONTH": first_month}
        completed = subprocess.run(
            [sys.executable, "-c", PROBE, root],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = {}
    for first_month in FIRST_MONTHS:
        runs = [probe(first_month) for _ in range(REPEATS)]
        best = {key: min(run[key] for run in runs) for key in runs[0]}
        rows[first_month] = best
        print(
            f"first month {first_month}: {best['partitions']:.0f} partitions; "
            f"definitions load {best['load_s']:.2f}s, keys {best['keys_s'] * 1000:.1f}ms, "
            f"schedule tick {best['schedule_s'] * 1000:.1f}ms, partition status "
            f"{best['status_s'] * 1000:.1f}ms (best of {REPEATS})",
            flush=True,
        )
    baseline, fixed = rows[FIRST_MONTHS[0]], rows[FIRST_MONTHS[1]]
    print(
        f"cost of {fixed['partitions'] - baseline['partitions']:.0f} more partitions: "
        f"load {fixed['load_s'] - baseline['load_s']:+.2f}s, "
        f"status {(fixed['status_s'] - baseline['status_s']) * 1000:+.1f}ms"
    )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f}s)")
