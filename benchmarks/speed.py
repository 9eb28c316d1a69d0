"""The speed table of issue 17: every measure beside the figure before the work and its target.

In one run, on this machine: the bundled sample's `tweetchat run` (reports included) and a
rerun with nothing changed; a 1,000-post sample's whole run with reports; the 100k sample with
reports (charts and reports per chat); the 1M sample with and without reports, each beside the
pandas script on the same files (--large; it takes a quarter of an hour or more); and one new
month on 24 built months (benchmarks/incremental.py, 250k posts). Prints the table (measure,
the figure the issue started from, target, this run's figure, met or not) and writes
benchmarks/results/<date>-speed.json.

    python -m benchmarks.speed [--large] [--no-incremental] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import incremental
from benchmarks.run import RESULTS, ROOT, bench_size, log, machine, timed_run

SAMPLE = ROOT / "sample"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    before: str  # the figure issue 17 started from
    target: float
    unit: str  # "s", "x" (a ratio) or "MB"


MEASURES = (
    Measure("sample_s", "bundled sample, `tweetchat run`, wall time, reports included", "64-69 s",
            20, "s"),
    Measure("one_chat_1k_s", "1,000 posts (1 chat), whole run, reports included", "33.2 s", 12,
            "s"),
    Measure("reports_per_chat_s", "charts + reports per chat (100k sample)", "2.4 s", 0.4, "s"),
    Measure("run_1m_reports_over_pandas", "1M posts, whole run with reports / pandas script",
            "not possible", 3.0, "x"),
    Measure("run_1m_over_pandas", "1M posts, run without reports / pandas script", "3.85", 1.0,
            "x"),
    Measure("warehouse_1m_over_pandas", "1M posts, warehouse stages / pandas script", "2.59",
            0.5, "x"),
    Measure("new_month_s", "one new month on 24 built months, wall time", "45.7 s", 15, "s"),
    Measure("new_month_over_alone", "that month / the same month alone", "1.09", 1.2, "x"),
    Measure("rerun_unchanged_s", "a rerun with nothing changed", "a full rebuild", 5, "s"),
    Measure("peak_1m_mb", "peak memory at 1M", "2,245 MB", 4096, "MB"),
)  # fmt: skip


def bundled_sample(work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    log("bundled sample: tweetchat run (reports included)")
    first = timed_run(work, SAMPLE / "raw", SAMPLE / "chats.yaml")
    log("bundled sample: the same run again, nothing changed")
    again = timed_run(work, SAMPLE / "raw", SAMPLE / "chats.yaml")
    return {"first": first, "unchanged": again}


def figures(results: dict) -> dict[str, float | None]:
    """This run's figure for each measure (None where the run did not measure it)."""
    out: dict[str, float | None] = {m.key: None for m in MEASURES}
    sample = results.get("sample")
    if sample:
        out["sample_s"] = sample["first"]["seconds"]
        out["rerun_unchanged_s"] = sample["unchanged"]["seconds"]
    if "1000" in results:
        out["one_chat_1k_s"] = results["1000"]["run"]["seconds"]
    if "100000" in results:
        run = results["100000"]["run"]
        chats = results["100000"]["chats"]
        out["reports_per_chat_s"] = round(run["stages"].get("charts_and_reports", 0) / chats, 3)
    large = results.get("1000000")
    if large:
        pandas = large["pandas"]["seconds"]
        out["run_1m_reports_over_pandas"] = round(large["run"]["seconds"] / pandas, 2)
        out["peak_1m_mb"] = large["run"]["peak_rss_mb"]
        plain = results.get("1000000_no_reports")
        if plain:
            out["run_1m_over_pandas"] = round(plain["seconds"] / pandas, 2)
            warehouse = sum(plain["stages"].get(s, 0) for s in ("ingest", "dbt_build", "checks"))
            out["warehouse_1m_over_pandas"] = round(warehouse / pandas, 2)
    grown = results.get("incremental")
    if grown:
        out["new_month_s"] = grown["incremental"]["seconds"]
        out["new_month_over_alone"] = grown["incremental_over_alone"]
    return out


def table(results: dict) -> str:
    rows = ["| measure | before (issue 17) | target | this run | met |", "|---|---|---|---|---|"]
    for m, value in zip(MEASURES, figures(results).values(), strict=True):
        target = f"<= {m.target:g} {m.unit}".replace(" x", "")
        if value is None:
            rows.append(f"| {m.label} | {m.before} | {target} | not measured | |")
            continue
        shown = f"{value:,.2f}" if m.unit != "MB" else f"{value:,.0f}"
        shown += {"s": " s", "x": "", "MB": " MB"}[m.unit]
        rows.append(
            f"| {m.label} | {m.before} | {target} | {shown} | {'yes' if value <= m.target else 'no'} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "speed")
    parser.add_argument("--large", action="store_true", help="also the 1M sample (slow)")
    parser.add_argument("--no-incremental", action="store_true")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    results: dict = {"date": f"{started:%Y-%m-%d %H:%M UTC}", "machine": machine()}
    results["sample"] = bundled_sample(args.work / "bundled")
    for posts in (1_000, 100_000, *((1_000_000,) if args.large else ())):
        log(f"{posts:,} posts with reports, beside the pandas script")
        results[str(posts)] = bench_size(posts, args.work / str(posts), twarc=False, reports=True)
    if args.large:
        log("1,000,000 posts without reports")
        work = args.work / "1000000"
        for folder in ("warehouse", "out", "dagster"):
            shutil.rmtree(work / folder, ignore_errors=True)
        results["1000000_no_reports"] = timed_run(
            work, work / "sample" / "raw", work / "sample" / "chats.yaml", "--no-reports"
        )
    if not args.no_incremental:
        incremental.main(["--work", str(args.work / "incremental")])
        results["incremental"] = json.loads(
            (RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-incremental.json").read_text()
        )
    results["figures"] = figures(results)
    path = RESULTS / f"{started:%Y-%m-%d}-speed.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    log(f"-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
