"""Benchmark harness: the warehouse run beside the floor, a pandas script and twarc-csv.

For each size N it writes `tweetchat sample --posts N`, then, on the same files and in the
same run: the whole `tweetchat run` (wall time, peak memory of the process tree, and each
stage's time from the Dagster run's step statistics), the DuckDB floor (benchmarks/floor.py),
the pandas script (benchmarks/baseline_pandas.py, whose figures must equal the warehouse's
for every chat) and twarc-csv 0.7.2 converting the same JSONL (in its own virtual
environment, `make bench-venv`). Results go to benchmarks/results/<date>-<N>.json and the
table in docs/benchmarks.md is rebuilt from every result file.

    python -m benchmarks.run --posts 10000 100000 1000000 [--work DIR] [--no-twarc] [--no-pandas]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks import measure
from benchmarks.report import write_markdown

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TWARC = ROOT / "benchmarks" / ".venv-twarc" / "bin" / "twarc2"
TWEETCHAT = str(Path(sys.executable).with_name("tweetchat"))


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def stage_of(step_key: str) -> str:
    """The stage a Dagster step belongs to."""
    if step_key in ("chat_registry", "raw_exports"):
        return "ingest"
    # The dbt steps: the archive models, the month's models, those reading the Python steps'.
    if step_key.startswith("tweetchat_dbt_"):
        return "dbt_build"
    if step_key.startswith("reports__"):
        return "charts_and_reports"
    if step_key == "warehouse__published":
        return "publish"
    # The Python analysis steps (betweenness, draft themes) between the two dbt steps.
    if step_key in ("analysis__account_betweenness", "question_theme_drafts"):
        return "network"
    return "checks"


def step_times(dagster_home: Path, run_id: str) -> dict[str, float]:
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with dg.DagsterInstance.get() as instance:
        stats = instance.get_run_step_stats(run_id)
    stages: dict[str, float] = {}
    for stat in stats:
        if stat.start_time and stat.end_time:
            stage = stage_of(stat.step_key)
            stages[stage] = stages.get(stage, 0.0) + stat.end_time - stat.start_time
    return {stage: round(seconds, 2) for stage, seconds in sorted(stages.items())}


def run_command(work: Path, raw: Path, chats: Path, *options: str, tweetchat=(TWEETCHAT,)) -> list:
    """`tweetchat run` on `raw` and `chats` with its warehouse and outputs under `work`."""
    return [
        *tweetchat, "run", "--raw", str(raw), "--chats", str(chats),
        "--warehouse", str(work / "warehouse" / "tweetchat.duckdb"), "--out", str(work / "out"),
        *options,
    ]  # fmt: skip


def run_id_of(measured: measure.Measured) -> str | None:
    """The Dagster run id `tweetchat run` printed (None for a run that started none)."""
    found = re.search(r"\(run ([0-9a-f-]{36})\)", measured.stderr)
    return found.group(1) if found else None


def timed_run(work: Path, raw: Path, chats: Path, *options: str) -> dict:
    """`tweetchat run` with its own DAGSTER_HOME under `work`: wall time, peak memory, stages."""
    (work / "dagster").mkdir(parents=True, exist_ok=True)
    run = measure.run(
        run_command(work, raw, chats, *options), env={"DAGSTER_HOME": str(work / "dagster")}
    ).check()
    run_id = run_id_of(run)
    return {
        "seconds": round(run.seconds, 2),
        "peak_rss_mb": round(run.peak_rss_mb),
        "stages": step_times(work / "dagster", run_id) if run_id else {},
    }


def warehouse_figures(warehouse: Path) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select chat_id, posts, originals, retweets, replies, quotes, contributors "
            "from marts.chat_activity where scope = 'window'"
        ).fetchall()
    keys = ("posts", "originals", "retweets", "replies", "quotes", "contributors")
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_size(posts: int, work: Path, twarc: bool, reports: bool, pandas: bool = True) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    sample = work / "sample"
    if not (sample / "chats.yaml").exists():
        log(f"writing a sample of {posts:,} posts")
        shutil.rmtree(sample, ignore_errors=True)
        measure.run(
            [TWEETCHAT, "sample", "--out", str(sample), "--posts", str(posts)], log=None
        ).check()
    raw, chats = sample / "raw", sample / "chats.yaml"
    raw_bytes = directory_bytes(raw)
    result: dict = {
        "posts_requested": posts,
        "raw_files": sum(1 for _ in raw.rglob("*.jsonl")),
        "raw_mb": round(raw_bytes / 2**20, 1),
        "chats": len(registry_chats(chats)),
    }

    # The warehouse: a fresh working database, warehouse and DAGSTER_HOME each time.
    for folder in ("warehouse", "out", "dagster"):
        shutil.rmtree(work / folder, ignore_errors=True)
    log("tweetchat run" + ("" if reports else " --no-reports"))
    run = timed_run(work, raw, chats, *([] if reports else ["--no-reports"]))
    stages = run["stages"]
    result["run"] = {
        "seconds": run["seconds"],
        "peak_rss_mb": run["peak_rss_mb"],
        "reports": reports,
        "stages": stages,
        "warehouse_stages_seconds": round(
            sum(stages.get(s, 0) for s in ("ingest", "dbt_build", "checks")), 2
        ),
        "outside_steps_seconds": round(run["seconds"] - sum(stages.values()), 2),
    }
    figures = warehouse_figures(work / "warehouse" / "tweetchat.duckdb")
    result["posts_in_chats"] = sum(f["posts"] for f in figures.values())

    log("floor: DuckDB read_json into a table")
    floor = measure.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "floor.py"),
            str(raw),
            str(work / "floor.duckdb"),
        ]
    ).check()
    result["floor"] = {
        "seconds": round(floor.seconds, 2),
        "peak_rss_mb": round(floor.peak_rss_mb),
        "posts_read": int(floor.stdout.strip()),
    }
    (work / "floor.duckdb").unlink(missing_ok=True)

    if pandas:
        result["pandas"] = pandas_baseline(raw, chats, figures)

    if twarc and TWARC.exists():
        log("twarc-csv on the same JSONL (concatenated into one file first, not timed)")
        combined = work / "all.jsonl"
        with combined.open("wb") as target:
            for path in sorted(raw.rglob("*.jsonl")):
                with path.open("rb") as source:
                    shutil.copyfileobj(source, target)
        converted = measure.run(
            [str(TWARC), "--bearer-token", "x", "csv", str(combined), str(work / "all.csv")],
            cwd=work,  # twarc writes twarc.log into its working directory
        ).check()
        result["twarc_csv"] = {
            "seconds": round(converted.seconds, 2),
            "peak_rss_mb": round(converted.peak_rss_mb),
        }
        combined.unlink()
        (work / "all.csv").unlink(missing_ok=True)

    seconds = result["run"]["seconds"]
    ingest = stages.get("ingest", 0)
    result["ratios"] = {
        "run_over_floor": round(seconds / result["floor"]["seconds"], 2),
        "ingest_over_floor": round(ingest / result["floor"]["seconds"], 2),
        "ingest_mb_per_second": round(result["raw_mb"] / ingest, 1) if ingest else None,
    }
    if "pandas" in result:
        result["ratios"]["run_over_pandas"] = round(seconds / result["pandas"]["seconds"], 2)
        result["ratios"]["warehouse_stages_over_pandas"] = round(
            result["run"]["warehouse_stages_seconds"] / result["pandas"]["seconds"], 2
        )
    if "twarc_csv" in result:
        result["ratios"]["run_over_twarc_csv"] = round(seconds / result["twarc_csv"]["seconds"], 2)
    return result


def pandas_baseline(raw: Path, chats: Path, figures: dict) -> dict:
    """The pandas script on the same files, and whether its figures equal the warehouse's."""
    log("pandas script")
    pandas_run = measure.run(
        [sys.executable, str(ROOT / "benchmarks" / "baseline_pandas.py"), str(raw), str(chats)]
    ).check()
    pandas_figures = json.loads(pandas_run.stdout)
    differing = sorted(
        chat for chat in set(figures) | set(pandas_figures)
        if figures.get(chat) != pandas_figures.get(chat)
    )  # fmt: skip
    return {
        "seconds": round(pandas_run.seconds, 2),
        "peak_rss_mb": round(pandas_run.peak_rss_mb),
        "chats_compared": len(pandas_figures),
        "chats_with_different_figures": differing[:20],
        "figures_identical": not differing,
    }


def registry_chats(chats: Path) -> list:
    import yaml

    return yaml.safe_load(chats.read_text())["chats"]


def machine() -> dict:
    import psutil

    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--no-twarc", action="store_true", help="skip twarc-csv")
    parser.add_argument(
        "--no-pandas",
        action="store_true",
        help="skip the pandas script (it holds every page in memory: about 12 GB at 10M posts)",
    )
    parser.add_argument(
        "--reports-up-to",
        type=int,
        default=100_000,
        help="draw charts and reports only up to this many posts (one report a chat: ~1,000 "
        "chats at 1M posts); larger sizes run --no-reports (default 100000)",
    )
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for posts in args.posts:
        started = datetime.now(UTC)
        result = {
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            **bench_size(
                posts,
                args.work / str(posts),
                not args.no_twarc,
                posts <= args.reports_up_to,
                pandas=not args.no_pandas,
            ),
        }
        path = RESULTS / f"{started:%Y-%m-%d}-{posts}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        log(f"{posts:,} posts: {json.dumps(result['ratios'])} -> {path}")
    write_markdown(RESULTS, ROOT / "docs" / "benchmarks.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
