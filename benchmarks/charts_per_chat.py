"""Charts and reports per chat: the two report assets materialised on a built warehouse.

Builds (once, kept in --work) `tweetchat sample --posts N` and its warehouse with
`tweetchat run --no-reports`, then materialises `reports/charts` and `reports/chat_reports`
over every month of the sample, in this process, twice: first into an empty output folder
(every chart drawn: nothing to reuse), then again on the same rows (charts reused where
their rows did not change). Prints seconds per chat for each asset and pass (wall, and CPU
of this process and the processes it spawned), and writes
benchmarks/results/<date>-charts-per-chat-<label>.json.

The script runs the `orchestration` package of the Python that runs it, so the same command
with another checkout's Python measures that checkout on the same warehouse:

    python -m benchmarks.charts_per_chat --work /tmp/charts-bench --label branch
    /path/to/main/.venv/bin/python benchmarks/charts_per_chat.py --work /tmp/charts-bench \
        --label main --skip-build
    python -m benchmarks.charts_per_chat --work /tmp/charts-bench --profile 25
    python -m benchmarks.charts_per_chat --work /tmp/charts-bench --months 3   # 12 chats

`--code DIR` imports the `orchestration` package of another checkout (e.g. `git archive main`
unpacked in a temporary folder) with this Python and this script, so two codes are measured
by one harness on one warehouse, and their results land side by side here:

    python -m benchmarks.charts_per_chat --work /tmp/charts-bench --code /tmp/main --label main
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def log(message: str) -> None:
    print(f"[charts-bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def build_warehouse(work: Path, posts: int) -> None:
    tweetchat = str(Path(sys.executable).with_name("tweetchat"))
    sample = work / "sample"
    if not (sample / "chats.yaml").exists():
        log(f"writing a sample of {posts:,} posts")
        subprocess.run(
            [tweetchat, "sample", "--out", str(sample), "--posts", str(posts)], check=True
        )
    if not (work / "warehouse" / ".build" / "tweetchat.duckdb").exists():
        log("tweetchat run --no-reports (the warehouse the reports read)")
        (work / "dagster").mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [tweetchat, "run", "--raw", str(sample / "raw"), "--chats", str(sample / "chats.yaml"),
             "--warehouse", str(work / "warehouse" / "tweetchat.duckdb"),
             "--out", str(work / "out"), "--no-reports"],
            check=True, env={**os.environ, "DAGSTER_HOME": str(work / "dagster")},
        )  # fmt: skip


def cpu_seconds() -> float:
    """CPU seconds so far of this process and of its children that ended (the charts'
    spawned processes): what a loaded machine does not blur as it blurs wall seconds."""
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def materialise(asset, resources, first: str, last: str) -> tuple[float, dict]:
    """The asset materialised over the months: its seconds and its metadata."""
    import dagster as dg

    started = time.perf_counter()
    result = dg.materialize(
        [asset],
        resources=resources,
        tags={RANGE_START: first, RANGE_END: last},
        raise_on_error=True,
    )
    seconds = time.perf_counter() - started
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    return seconds, {k: v.value for k, v in metadata.items() if isinstance(v.value, int)}


def chart_files(out: Path) -> dict[str, int]:
    """Every chart file under the output folder and its mtime (ns)."""
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.suffix in (".png", ".svg")
    }


def compare_loading(database: Path) -> dict:
    """Every chat's report content read chat by chat (`load_chat_report`: the same queries as
    for all chats, one chat each) and once per table for all chats (reports/loading.py):
    seconds, and whether the two give the same content."""
    import duckdb

    from orchestration.reports.content import chat_ids, load_chat_report
    from orchestration.reports.loading import load_chat_reports
    from orchestration.reports.report_stamps import content_digest

    with duckdb.connect(str(database), read_only=True) as con:
        chats = chat_ids(con, "1900-01-01", "9999-01-01")
        started = time.perf_counter()
        alone = [load_chat_report(con, chat_id) for chat_id in chats]
        per_chat = time.perf_counter() - started
        started = time.perf_counter()
        together = load_chat_reports(con, chats)
        per_table = time.perf_counter() - started
    same = sum(content_digest(a) == content_digest(b) for a, b in zip(alone, together, strict=True))
    return {
        "chats": len(chats),
        "per_chat_queries_s": round(per_chat, 2),
        "per_table_queries_s": round(per_table, 2),
        "chats_with_equal_content": same,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--label", default="branch")
    parser.add_argument("--skip-build", action="store_true", help="the warehouse is built")
    parser.add_argument(
        "--months", type=int, default=0, help="only the sample's first N months (0: all)"
    )
    parser.add_argument(
        "--passes", type=int, choices=(1, 2), default=2, help="1: only the first pass"
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="cProfile a pass's two assets, print N rows"
    )
    parser.add_argument("--profile-pass", choices=("first", "again"), default="first")
    parser.add_argument(
        "--reuse-out",
        action="store_true",
        help="keep the output folder of the last run and measure only the second pass",
    )
    parser.add_argument(
        "--compare-loading",
        action="store_true",
        help="also time loading every chat per chat vs once per table (this branch's code)",
    )
    parser.add_argument(
        "--code", type=Path, help="import orchestration from this checkout (default: this one)"
    )
    args = parser.parse_args(argv)
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
    work = args.work.resolve()
    if not args.skip_build:
        build_warehouse(work, args.posts)

    from orchestration.defs.reports import charts, chat_reports
    from orchestration.defs.resources import build_resources
    from orchestration.registry import load_registry
    from orchestration.settings import Settings

    out = work / "bench-out"
    settings = Settings(
        raw_dir=work / "sample" / "raw",
        chats_file=work / "sample" / "chats.yaml",
        published_database=work / "warehouse" / "tweetchat.duckdb",
        out_dir=out,
        dagster_home=work / "dagster",
    )
    registry = load_registry(settings.chats_file)
    months = registry.months()[: args.months or None]
    first, last = months[0].isoformat(), months[-1].isoformat()
    resources = build_resources(settings)
    if not args.reuse_out:
        shutil.rmtree(out, ignore_errors=True)
    passes = {}
    first_files = chart_files(out)
    for name in ("again",) if args.reuse_out else ("first", "again")[: args.passes]:
        log(f"{name} pass: charts")
        profiler = cProfile.Profile() if args.profile and name == args.profile_pass else None
        if profiler:
            profiler.enable()
        cpu_before = cpu_seconds()
        charts_s, charts_meta = materialise(charts, resources, first, last)
        cpu_charts = cpu_seconds()
        chats = charts_meta["chats"]
        before_reports = chart_files(out)
        log(f"{name} pass: chat_reports")
        reports_s, reports_meta = materialise(chat_reports, resources, first, last)
        cpu_after = cpu_seconds()
        if profiler:
            profiler.disable()
        passes[name] = {
            "charts_drawn": charts_meta.get("charts_drawn"),
            # Absent where the code rewrites every report (before reports.json).
            "reports_written": reports_meta.get("reports_written", chats),
            "charts_seconds": round(charts_s, 2),
            "reports_seconds": round(reports_s, 2),
            "charts_per_chat": round(charts_s / chats, 3),
            "reports_per_chat": round(reports_s / chats, 3),
            "per_chat": round((charts_s + reports_s) / chats, 3),
            "charts_cpu_per_chat": round((cpu_charts - cpu_before) / chats, 3),
            "reports_cpu_per_chat": round((cpu_after - cpu_charts) / chats, 3),
            "chart_files": len(before_reports),
            "load_average": [round(v, 2) for v in os.getloadavg()],
        }
        if name == "first":
            first_files = before_reports
        else:
            passes[name]["chart_files_rewritten"] = sum(
                1 for k, v in before_reports.items() if first_files.get(k) != v
            )
        if profiler:
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
            stats.print_stats(args.profile)
            print(text.getvalue())
    loading = compare_loading(settings.build_database) if args.compare_loading else None
    result = {
        "benchmark": "charts_per_chat",
        "label": args.label,
        "code": str(Path(sys.modules["orchestration"].__file__).parents[1]),
        "posts_requested": args.posts,
        "chats": chats,
        "months": [first, last],
        "passes": passes,
        "loading_all_chats": loading,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(v, 2) for v in os.getloadavg()],
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
    }
    print(f"charts + reports, {chats} chats, code {result['code']} ({args.label})")
    print(
        "| pass | charts s | reports s | charts s/chat | reports s/chat | total s/chat "
        "| CPU s/chat charts + reports (process and spawned) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, p in passes.items():
        print(
            f"| {name} | {p['charts_seconds']} | {p['reports_seconds']} | "
            f"{p['charts_per_chat']} | {p['reports_per_chat']} | {p['per_chat']} | "
            f"{p['charts_cpu_per_chat']} + {p['reports_cpu_per_chat']} |"
        )
    if loading:
        print(
            f"loading {loading['chats']} chats: per chat {loading['per_chat_queries_s']} s, "
            f"once per table {loading['per_table_queries_s']} s, "
            f"{loading['chats_with_equal_content']} chats with equal content"
        )
    print(f"load average after: {result['machine']['load_average']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    path = RESULTS / f"{stamp}-charts-per-chat-{args.label}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
