"""The same marts on a distributed engine: the dbt project built on Spark, compared with DuckDB.

The first step of scaling out (docs/benchmarks.md): the dbt models run unchanged on dbt-spark
(a local `session`, Spark 4) from the same raw data as a DuckDB warehouse, and every mart
comes out with the same rows.

1. The raw tables (exports and registry) of a built warehouse, and the `analysis` tables its
   Python assets wrote (dbt sources too), are exported to Parquet.
2. benchmarks/spark_build.py, in the Spark environment (`make spark-venv`), registers them
   as Spark tables and runs `dbt build --target spark` (models, seeds and every data test),
   once per --month given (the month partition, as `tweetchat run --month` builds it) or
   once in full.
3. Every table of the DuckDB warehouse's marts schema is compared row for row with Spark's
   (columns by name, cast to DuckDB's types, doubles to 9 significant places).

    python -m benchmarks.spark_marts --warehouse warehouse/tweetchat.duckdb [--month 2023-01 ...]

Writes benchmarks/results/<date>-spark.json with --save.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks.marts_snapshot import row_differences

ROOT = Path(__file__).resolve().parents[1]
SPARK_PYTHON = ROOT / "benchmarks" / ".venv-spark" / "bin" / "python"
RESULTS = ROOT / "benchmarks" / "results"


class SparkUnavailable(RuntimeError):
    """The Spark environment or Java is missing."""


def log(message: str) -> None:
    print(f"[spark-marts {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# Schemas of the dbt sources: the loaders' raw tables, and what the Python assets computed.
SOURCE_SCHEMAS = {"raw": "", "analysis": "analysis"}


def export_raw(warehouse: Path, raw: Path) -> dict[str, int]:
    """Every source table to <raw>/<table>.parquet (raw schema) or <raw>/<schema>/<table>.parquet
    (other source schemas); returns their row counts."""
    counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, folder in SOURCE_SCHEMAS.items():
            tables = con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1",
                [schema],
            ).fetchall()
            (raw / folder).mkdir(parents=True, exist_ok=True)
            for (table,) in tables:
                name = f"{schema}.{table}"
                con.execute(f"copy {name} to '{raw / folder / table}.parquet' (format parquet)")
                count = con.execute(f"select count(*) from {name}").fetchone()[0]
                counts[table if schema == "raw" else name] = count
    return counts


def month_vars(month: str) -> str:
    """dbt --vars for one month partition ('2023-01'), as the Dagster dbt asset passes them."""
    year, number = (int(part) for part in month.split("-"))
    following = f"{year + number // 12}-{number % 12 + 1:02d}-01"
    return json.dumps({"month_start": f"{month}-01", "month_end": following})


def build_on_spark(raw: Path, work: Path, out: Path, months: list[str]) -> dict:
    if not SPARK_PYTHON.exists():
        raise SparkUnavailable(f"{SPARK_PYTHON} is missing: run `make spark-venv` first")
    if shutil.which("java") is None:
        raise SparkUnavailable("java is not on PATH: run `make system-packages` (OpenJDK 17)")
    result = work / "spark-result.json"
    # -P: benchmarks/ stays off Spark's sys.path (dbt imports every dbt_* module it finds).
    command = [
        str(SPARK_PYTHON), "-P", str(ROOT / "benchmarks" / "spark_build.py"),
        "--raw", str(raw), "--work", str(work), "--out", str(out), "--result", str(result),
    ]  # fmt: skip
    for month in months:
        command += ["--vars", month_vars(month)]
    completed = subprocess.run(command, capture_output=True, text=True)
    summary = json.loads(result.read_text()) if result.exists() else {}
    if completed.returncode != 0:
        failed = [b for b in summary.get("builds", []) if not b["ok"]]
        detail = json.dumps(failed, indent=2) if failed else completed.stderr[-6000:]
        raise RuntimeError(f"dbt build on Spark failed:\n{detail}\n{completed.stdout[-3000:]}")
    return summary


def dbt_marts() -> list[str]:
    """The marts dbt builds (every mart: Python assets write only `analysis` sources)."""
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    )


def compare_marts(warehouse: Path, spark_out: Path) -> dict[str, dict]:
    """Per dbt mart: rows in DuckDB, rows in Spark, rows only in one of them."""
    comparison = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in dbt_marts():
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            files = spark_out / table
            if not files.exists():
                comparison[table] = {"duckdb_rows": None, "spark_rows": None, "missing": True}
                continue

            def normalised(column: str, data_type: str, source: str) -> str:
                value = f'cast({source}."{column}" as {data_type})'
                if data_type in ("DOUBLE", "FLOAT"):
                    return f'round({value}, 9) as "{column}"'
                return f'{value} as "{column}"'

            duck = ", ".join(normalised(c, t, "d") for c, t in columns)
            spark = ", ".join(normalised(c, t, "s") for c, t in columns)
            spark_relation = f"read_parquet('{files}/*.parquet') s"
            only_duckdb, only_spark, duckdb_rows, spark_rows = row_differences(
                con,
                f"select {duck} from marts.{table} d",
                f"select {spark} from {spark_relation}",
            )
            comparison[table] = {
                "duckdb_rows": duckdb_rows,
                "spark_rows": spark_rows,
                "only_in_duckdb": only_duckdb,
                "only_in_spark": only_spark,
            }
    return comparison


def run(warehouse: Path, work: Path, months: list[str]) -> dict:
    """Export, build on Spark and compare; the result as a dict."""
    if work.exists():
        shutil.rmtree(work)
    started = time.perf_counter()
    log(f"exporting raw tables of {warehouse}")
    raw_rows = export_raw(warehouse, work / "raw")
    log(f"building on Spark ({'months ' + ', '.join(months) if months else 'full build'})")
    spark = build_on_spark(work / "raw", work / "spark", work / "marts", months)
    log("comparing the marts")
    comparison = compare_marts(warehouse, work / "marts")
    return {
        "warehouse": str(warehouse),
        "raw_rows": raw_rows,
        "months": months,
        "spark": spark,
        "marts": comparison,
        "identical": all(
            c.get("only_in_duckdb") == 0 and c.get("only_in_spark") == 0
            for c in comparison.values()
        ),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "warehouse" / "tweetchat.duckdb")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "spark")
    parser.add_argument(
        "--month", action="append", default=[], help="build month by month (YYYY-MM), in order"
    )
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args(argv)
    if not args.warehouse.exists():
        print(f"error: no warehouse at {args.warehouse}: run `make demo` first", file=sys.stderr)
        return 2
    try:
        result = run(args.warehouse.resolve(), args.work.resolve(), args.month)
    except SparkUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for table, figures in result["marts"].items():
        print(
            f"{table:28} duckdb {figures['duckdb_rows']!s:>8}  spark {figures['spark_rows']!s:>8}"
            f"  only in duckdb {figures.get('only_in_duckdb')!s:>5}"
            f"  only in spark {figures.get('only_in_spark')!s:>5}"
        )
    builds = result["spark"]["builds"]
    print(
        f"Spark {result['spark']['spark']}: {sum(b['nodes'] for b in builds)} dbt nodes in"
        f" {sum(b['seconds'] for b in builds):.1f} s over {len(builds)} build(s);"
        f" marts identical: {result['identical']}"
    )
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
        path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-spark.json"
        path.write_text(json.dumps(result, indent=2))
        print(f"wrote {path}")
    return 0 if result["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
