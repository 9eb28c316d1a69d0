"""Incremental months: a new month on top of 24 built months, against that month alone.

From one generated sample (about 5 chats of ~1,000 posts a month, 2019 on):
1. the archive: a warehouse built from the chats and files of 24 months (2019-01..2020-12);
2. incremental: the next month's files and chats added, then `tweetchat run --month 2021-01`;
3. alone: the same month into an empty warehouse (its files and chats only).
The target is incremental <= 1.5 x alone. Writes benchmarks/results/<date>-incremental.json.

    python -m benchmarks.incremental [--posts 250000] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from benchmarks import measure
from benchmarks.run import RESULTS, ROOT, TWEETCHAT, log, machine, timed_run

ARCHIVE_MONTHS = 24
NEW_MONTH = "2021-01"


def write_registry(source: dict, months: set[str], path: Path) -> int:
    chats = [chat for chat in source["chats"] if str(chat["starts"])[:7] in months]
    path.write_text(yaml.safe_dump({**source, "chats": chats}, sort_keys=False))
    return len(chats)


def link_months(sample_raw: Path, months: set[str], raw: Path) -> int:
    """Hard-link the month folders' files into `raw` (no copy; the exports stay untouched)."""
    count = 0
    for month in sorted(months):
        for path in sorted((sample_raw / month).glob("*.jsonl")):
            target = raw / month / path.name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.hardlink_to(path)
                count += 1
    return count


def tweetchat_run(work: Path, raw: Path, chats: Path, month: str | None) -> dict:
    return {
        **timed_run(work, raw, chats, *(["--month", month] if month else [])),
        "warehouse_mb": round((work / "warehouse" / "tweetchat.duckdb").stat().st_size / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=250_000)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "incremental")
    args = parser.parse_args(argv)
    work: Path = args.work
    sample = work / "sample"
    if not (sample / "chats.yaml").exists():
        log(f"writing a sample of {args.posts:,} posts")
        measure.run([TWEETCHAT, "sample", "--out", str(sample), "--posts", str(args.posts)]).check()
    source = yaml.safe_load((sample / "chats.yaml").read_text())
    months = sorted({str(chat["starts"])[:7] for chat in source["chats"]})
    archive = set(months[:ARCHIVE_MONTHS])
    assert NEW_MONTH in months and NEW_MONTH not in archive, months[:30]

    for name in ("archive", "alone"):
        shutil.rmtree(work / name, ignore_errors=True)
    result: dict = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}

    grown = work / "archive"
    chats_file = grown / "chats.yaml"
    grown.mkdir(parents=True)
    archive_chats = write_registry(source, archive, chats_file)
    archive_files = link_months(sample / "raw", archive, grown / "raw")
    log(f"archive: {ARCHIVE_MONTHS} months, {archive_chats} chats, {archive_files} files")
    result["archive_build"] = {
        "months": ARCHIVE_MONTHS,
        "chats": archive_chats,
        **tweetchat_run(grown, grown / "raw", chats_file, None),
    }

    new_chats = write_registry(source, archive | {NEW_MONTH}, chats_file) - archive_chats
    link_months(sample / "raw", {NEW_MONTH}, grown / "raw")
    log(f"incremental: {NEW_MONTH} ({new_chats} chats) on top of the archive")
    result["incremental"] = {"month": NEW_MONTH, "chats": new_chats,
                             **tweetchat_run(grown, grown / "raw", chats_file, NEW_MONTH)}  # fmt: skip

    alone = work / "alone"
    alone.mkdir(parents=True)
    write_registry(source, {NEW_MONTH}, alone / "chats.yaml")
    link_months(sample / "raw", {NEW_MONTH}, alone / "raw")
    log(f"alone: {NEW_MONTH} into an empty warehouse")
    result["alone"] = {"month": NEW_MONTH, "chats": new_chats,
                       **tweetchat_run(alone, alone / "raw", alone / "chats.yaml", NEW_MONTH)}  # fmt: skip
    result["incremental_over_alone"] = round(
        result["incremental"]["seconds"] / result["alone"]["seconds"], 2
    )
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-incremental.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    log(f"incremental/alone = {result['incremental_over_alone']} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
