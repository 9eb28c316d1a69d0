"""The marts of a warehouse saved as Parquet, and compared row for row with another warehouse.

A change of shape (a model split, a figure derived another way) must leave every mart equal:
save the marts of a warehouse built before the change, build again after it, compare.

    python -m benchmarks.marts_snapshot save --warehouse W --to DIR
    python -m benchmarks.marts_snapshot compare --warehouse W --with DIR

Columns are compared by name (their order may change), doubles to 9 significant places, rows
as multisets (`except all` both ways). `compare` exits 1 when a mart differs or is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb


def mart_tables(con) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
    ]


def save(warehouse: Path, to: Path) -> dict[str, int]:
    """Every table of the marts schema to <to>/<table>.parquet; returns their row counts."""
    to.mkdir(parents=True, exist_ok=True)
    counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in mart_tables(con):
            con.execute(f"copy marts.{table} to '{to / table}.parquet' (format parquet)")
            counts[table] = con.execute(f"select count(*) from marts.{table}").fetchone()[0]
    return counts


def _normalised(column: str, data_type: str) -> str:
    value = f'"{column}"'
    if data_type in ("DOUBLE", "FLOAT"):
        return f'round({value}, 9) as "{column}"'
    return f'cast({value} as {data_type}) as "{column}"'


def compare(warehouse: Path, saved: Path) -> dict[str, dict]:
    """Per mart saved or present: rows on each side and rows only on one side."""
    comparison = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = sorted(set(mart_tables(con)) | {p.stem for p in saved.glob("*.parquet")})
        for table in tables:
            file = saved / f"{table}.parquet"
            present = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ?",
                [table],
            ).fetchall()
            if not file.exists() or not present:
                comparison[table] = {"missing": "before" if present else "after"}
                continue
            before_columns = {
                row[0]
                for row in con.execute(f"describe select * from read_parquet('{file}')").fetchall()
            }
            now = dict(present)
            if set(now) != before_columns:
                comparison[table] = {
                    "columns_only_before": sorted(before_columns - set(now)),
                    "columns_only_after": sorted(set(now) - before_columns),
                }
                continue
            columns = ", ".join(_normalised(c, t) for c, t in sorted(now.items()))
            only_after, only_before, after_rows, before_rows = row_differences(
                con,
                f"select {columns} from marts.{table}",
                f"select {columns} from read_parquet('{file}')",
            )
            comparison[table] = {
                "rows_before": before_rows,
                "rows_after": after_rows,
                "only_before": only_before,
                "only_after": only_after,
            }
    return comparison


def row_differences(con, left: str, right: str) -> tuple[int, int, int, int]:
    """Rows only in `left`, only in `right` (as multisets), and each side's row count."""
    return con.execute(
        f"""
        with l as ({left}), r as ({right})
        select
            (select count(*) from (select * from l except all select * from r)),
            (select count(*) from (select * from r except all select * from l)),
            (select count(*) from l),
            (select count(*) from r)
        """
    ).fetchone()


def differences(comparison: dict[str, dict]) -> dict[str, dict]:
    return {
        table: result
        for table, result in comparison.items()
        if result.get("only_before", 1) or result.get("only_after", 1)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    saving = commands.add_parser("save")
    saving.add_argument("--warehouse", type=Path, required=True)
    saving.add_argument("--to", type=Path, required=True)
    comparing = commands.add_parser("compare")
    comparing.add_argument("--warehouse", type=Path, required=True)
    comparing.add_argument("--with", dest="saved", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "save":
        print(json.dumps(save(args.warehouse, args.to), indent=2))
        return 0
    comparison = compare(args.warehouse, args.saved)
    print(json.dumps(comparison, indent=2))
    different = differences(comparison)
    if different:
        print(f"marts differ: {', '.join(sorted(different))}", file=sys.stderr)
        return 1
    print(f"{len(comparison)} marts equal row for row", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
