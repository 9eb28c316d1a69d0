"""Rebuilds the results tables of docs/benchmarks.md from benchmarks/results/*.json.

The text around the tables is written by hand; only the part between the markers is
generated.
"""

from __future__ import annotations

import json
from pathlib import Path

START, END = "<!-- results:start -->", "<!-- results:end -->"


def _latest_by_size(results: Path) -> list[dict]:
    latest: dict[int, dict] = {}
    for path in sorted(results.glob("*.json")):
        result = json.loads(path.read_text())
        if "posts_requested" in result and "floor" in result:  # size runs, not the loops
            latest[result["posts_requested"]] = {**result, "file": path.name}
    return [latest[size] for size in sorted(latest)]


def _cell(value) -> str:
    return "–" if value is None else str(value)


def _identical(pandas: dict) -> str:
    """Whether the pandas script's figures equal the warehouse's ('–' where it did not run)."""
    if "figures_identical" not in pandas:
        return "–"
    return "yes" if pandas["figures_identical"] else "NO"


def tables(results: Path) -> str:
    rows = _latest_by_size(results)
    if not rows:
        return "No results yet: run `make bench`."
    lines = [
        "| posts | raw MB | chats | run s | run peak MB | ingest s | dbt build s | checks s "
        "| network s | charts+reports s | publish s | outside steps s | floor s | pandas s "
        "| pandas peak MB | twarc-csv s | figures = pandas |",
        "|" + "---|" * 17,
    ]
    for r in rows:
        stages = r["run"]["stages"]
        pandas = r.get("pandas") or {}
        lines.append(
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    f"{r['posts_in_chats']:,}", r["raw_mb"], r["chats"], r["run"]["seconds"],
                    r["run"]["peak_rss_mb"], stages.get("ingest"), stages.get("dbt_build"),
                    stages.get("checks"), stages.get("network"), stages.get("charts_and_reports"),
                    stages.get("publish"), r["run"]["outside_steps_seconds"],
                    r["floor"]["seconds"], pandas.get("seconds"), pandas.get("peak_rss_mb"),
                    (r.get("twarc_csv") or {}).get("seconds"), _identical(pandas),
                )
            )
            + " |"
        )  # fmt: skip
    lines += [
        "",
        "| posts | run/pandas | warehouse stages/pandas | run/floor | ingest/floor "
        "| ingest MB/s | run/twarc-csv | result file |",
        "|" + "---|" * 8,
    ]
    for r in rows:
        ratios = r["ratios"]
        lines.append(
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    f"{r['posts_in_chats']:,}", ratios.get("run_over_pandas"),
                    ratios.get("warehouse_stages_over_pandas"), ratios["run_over_floor"],
                    ratios["ingest_over_floor"], ratios["ingest_mb_per_second"],
                    ratios.get("run_over_twarc_csv"), f"`benchmarks/results/{r['file']}`",
                )
            )
            + " |"
        )  # fmt: skip
    machine = rows[-1]["machine"]
    lines += [
        "",
        f"Machine: {machine['cpus']} CPUs, {machine['memory_gb']} GB RAM, {machine['platform']}, "
        f"Python {machine['python']}, DuckDB {machine['duckdb']}. Dates: "
        + ", ".join(sorted({r["date"] for r in rows}))
        + ".",
    ]
    return "\n".join(lines)


def write_markdown(results: Path, document: Path) -> None:
    generated = f"{START}\n{tables(results)}\n{END}"
    if document.exists() and START in document.read_text():
        text = document.read_text()
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        document.write_text(before + generated + after)
    else:
        document.parent.mkdir(parents=True, exist_ok=True)
        document.write_text(f"# Benchmarks\n\n{generated}\n")
