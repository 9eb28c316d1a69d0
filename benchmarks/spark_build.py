"""Build the dbt project on Spark (dbt-spark, local `session`) from the warehouse's raw tables.

Runs in the Spark environment (`make spark-venv`: pyspark, dbt-spark; no project imports),
driven by benchmarks/spark_marts.py. One process holds one local Spark session: the raw
tables are registered over the Parquet files the driver exported from DuckDB, then `dbt build
--target spark` runs once per --vars given (in order; a full build when none), and every
table of the marts schema is written to <out>/<table>/ as Parquet for the driver to compare.

    python benchmarks/spark_build.py --raw DIR --work DIR --out DIR [--vars JSON ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"


def log(message: str) -> None:
    print(f"[spark {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def spark_session(work: Path):
    from pyspark.sql import SparkSession

    # Hive support as dbt-spark's session connection asks for it; the metastore (Derby) and
    # the tables' files stay under `work`. Two local cores: this machine's.
    metastore = work / "metastore_db"
    return (
        SparkSession.builder.master("local[2]")
        .appName("tweetchat-dbt")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.warehouse.dir", str(work / "spark-warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work}")
        .enableHiveSupport()
        .getOrCreate()
    )


def register_raw(spark, raw: Path) -> list[str]:
    """One external table raw.<name> over each exported <raw>/<name>.parquet, and
    <schema>.<name> over each <raw>/<schema>/<name>.parquet (the other dbt sources)."""
    names = []
    folders = [(raw, "raw")] + [(d, d.name) for d in sorted(raw.iterdir()) if d.is_dir()]
    for folder, schema in folders:
        spark.sql(f"create database if not exists {schema}")
        for path in sorted(folder.glob("*.parquet")):
            spark.sql(f"drop table if exists {schema}.{path.stem}")
            spark.sql(f"create table {schema}.{path.stem} using parquet location '{path}'")
            names.append(f"{schema}.{path.stem}" if schema != "raw" else path.stem)
    return names


def dbt_build(work: Path, vars_: str | None) -> dict:
    from dbt.cli.main import dbtRunner

    args = [
        "build", "--target", "spark", "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR), "--target-path", str(work / "dbt-target"),
        "--log-path", str(work / "dbt-logs"),
        # The unit tests check the models' rules on DuckDB; Spark runs the data tests.
        "--exclude-resource-type", "unit_test",
    ]  # fmt: skip
    if vars_:
        args += ["--vars", vars_]
    started = time.perf_counter()
    result = dbtRunner().invoke(args)
    seconds = time.perf_counter() - started
    nodes = [
        {"node": r.node.unique_id, "status": str(r.status), "message": (r.message or "")[:1500]}
        for r in (result.result or [])
    ]
    failed = [n for n in nodes if n["status"] in ("error", "fail", "runtime error")]
    return {
        "vars": vars_,
        "seconds": round(seconds, 2),
        "nodes": len(nodes),
        "skipped": sum(n["status"] == "skipped" for n in nodes),
        "ok": bool(result.success) and not failed,
        "failed": failed,
        "exception": None if result.exception is None else str(result.exception),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder of <table>.parquet")
    parser.add_argument("--work", type=Path, required=True, help="Spark's metastore and files")
    parser.add_argument("--out", type=Path, required=True, help="the marts as Parquet")
    parser.add_argument("--vars", action="append", default=[], help="dbt --vars, once per run")
    parser.add_argument("--result", type=Path, help="write the build summary here (JSON)")
    args = parser.parse_args(argv)

    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    spark = spark_session(args.work.resolve())
    summary = {"spark": spark.version, "session_seconds": round(time.perf_counter() - started, 2)}
    log(f"Spark {spark.version} session up in {summary['session_seconds']} s")
    summary["raw_tables"] = register_raw(spark, args.raw.resolve())

    summary["builds"] = []
    for vars_ in args.vars or [None]:
        log(f"dbt build --target spark {'--vars ' + vars_ if vars_ else '(full)'}")
        build = dbt_build(args.work.resolve(), vars_)
        summary["builds"].append(build)
        log(f"{build['nodes']} nodes in {build['seconds']} s, ok={build['ok']}")
        if not build["ok"]:
            break

    summary["marts"] = {}
    if all(b["ok"] for b in summary["builds"]):
        for row in spark.sql("show tables in marts").collect():
            if row.isTemporary:
                continue
            table = spark.table(f"marts.{row.tableName}")
            table.write.mode("overwrite").parquet(str(args.out / row.tableName))
            summary["marts"][row.tableName] = table.count()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    if args.result:
        args.result.write_text(json.dumps(summary, indent=2))
    spark.stop()
    return 0 if all(b["ok"] for b in summary["builds"]) else 1


if __name__ == "__main__":
    sys.exit(main())
