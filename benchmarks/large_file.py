"""One large export file (issue 7: 2 GB) through ingest: time, peak memory, lines landed.

Writes a JSONL file of about --gb gigabytes by repeating the sample's twarc2 pages with
fresh post ids (so nothing is a duplicate), then loads it into an empty database with
`orchestration.ingest.load_directory`, the same code a run uses, in a child process whose
peak memory (the whole process tree) is sampled. DuckDB's memory limit for ingest
(TWEETCHAT_DUCKDB_MEMORY, default 2GB) makes it spill to disk rather than hold the file.

    python -m benchmarks.large_file [--gb 2] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import measure
from benchmarks.run import RESULTS, ROOT, log, machine

LOAD = """
import sys, duckdb
from pathlib import Path
from orchestration.ingest import load_directory
with duckdb.connect(sys.argv[2]) as con:
    summary = load_directory(con, Path(sys.argv[1]))
    print("RESULT", summary.posts, summary.rejected,
          con.execute("select count(*) from raw.posts where section = 'data'").fetchone()[0])
"""


def write_large_file(path: Path, gigabytes: float) -> tuple[int, int]:
    """Repeat the bundled sample's pages with new ids until the file is `gigabytes` big."""
    pages = []
    for source in sorted((ROOT / "sample" / "raw").rglob("*.jsonl")):
        pages += [line for line in source.read_text(encoding="utf-8").splitlines() if line]
    target = int(gigabytes * 2**30)
    written = lines = 0
    round_number = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        while written < target:
            round_number += 1
            for page in pages:
                # Post ids are 19 digits; a per-round prefix keeps every copy distinct.
                text = page.replace('"id": "1', f'"id": "{round_number % 9 + 1}{round_number:05d}')
                handle.write(text + "\n")
                written += len(text) + 1
                lines += 1
                if written >= target:
                    break
    return written, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "large")
    args = parser.parse_args(argv)
    raw = args.work / "raw"
    big = raw / "large.jsonl"
    if not big.exists() or big.stat().st_size < args.gb * 2**30 * 0.99:
        log(f"writing a {args.gb} GB export")
        size, lines = write_large_file(big, args.gb)
    else:
        size = big.stat().st_size
        lines = sum(1 for _ in big.open("rb"))
    database = args.work / "ingest.duckdb"
    database.unlink(missing_ok=True)
    log(f"ingest of {size / 2**30:.2f} GB ({lines:,} lines)")
    loaded = measure.run([sys.executable, "-c", LOAD, str(raw), str(database)]).check()
    # DuckDB's progress bar also writes to stdout: take the tagged line.
    (line,) = [row for row in loaded.stdout.splitlines() if row.startswith("RESULT ")]
    posts, rejected, data_posts = map(int, line.split()[1:])
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "file_gb": round(size / 2**30, 2),
        "lines": lines,
        "seconds": round(loaded.seconds, 1),
        "mb_per_second": round(size / 2**20 / loaded.seconds, 1),
        "peak_rss_mb": round(loaded.peak_rss_mb),
        "posts_landed": posts,
        "export_posts_landed": data_posts,
        "rejected": rejected,
    }
    database.unlink(missing_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-large-file.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    log(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
