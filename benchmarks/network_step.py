"""The network step's phases on a built warehouse, two codes' betweenness in one process.

On the marts of `--warehouse` (a run's warehouse), as the asset analysis/account_betweenness
does it: read each chat's accounts and edges, compute betweenness, write the rows. The
betweenness is computed by this checkout's `chat_betweenness` and by that of `--code DIR` (a
checkout, or a `git archive main` unpacked in a folder), alternately, `--rounds` times, in
CPU and wall seconds (CPU is what a loaded machine does not blur); the two results are
compared value by value. Rows are written into a temporary table, so the warehouse is left
as it is.

    python -m benchmarks.network_step --warehouse W --code /tmp/base [--out results.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import duckdb

from orchestration.defs.network import betweenness_rows, read_networks
from orchestration.network import chat_betweenness
from orchestration.warehouse import insert_many


def load_betweenness(code: Path):
    """`chat_betweenness` of the checkout `code`, imported by path beside this one's."""
    spec = importlib.util.spec_from_file_location("base_network", code / "orchestration/network.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.chat_betweenness


def timed(function, *args):
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args)
    return result, round(time.process_time() - cpu, 3), round(time.perf_counter() - wall, 3)


def measure(warehouse: Path, code: Path, rounds: int) -> dict:
    base = load_betweenness(code.resolve())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        bounds = list(
            con.execute(
                "select min(chat_month), max(chat_month) + interval 1 month "
                "from marts.account_degrees"
            ).fetchone()
        )
        networks, read_cpu, read_wall = timed(read_networks, con, bounds)
        figures = {
            "chats": len(networks),
            "accounts": sum(len(accounts) for accounts, _ in networks.values()),
            "edges": sum(len(edges) for _, edges in networks.values()),
            "largest_chat_accounts": max(len(accounts) for accounts, _ in networks.values()),
            "read": {"cpu_s": read_cpu, "wall_s": read_wall},
        }
        runs: dict[str, list] = {"base": [], "branch": []}
        results = {}
        for _ in range(rounds):
            for label, betweenness in (("base", base), ("branch", chat_betweenness)):
                rows, cpu, wall = timed(betweenness_rows, networks, betweenness)
                runs[label].append({"cpu_s": cpu, "wall_s": wall})
                results[label] = rows
        figures["betweenness"] = runs
        before = {row[:3]: row[3] for row in results["base"]}
        after = {row[:3]: row[3] for row in results["branch"]}
        differences = [abs(before[key] - after[key]) for key in before.keys() & after.keys()]
        figures["comparison"] = {
            "same_accounts": before.keys() == after.keys(),
            "max_abs_difference": max(differences, default=0.0),
            # As marts.account_centrality uses them: 6 decimals shown, 9 for the ranking.
            "differ_at_6_decimals": sum(round(before[k], 6) != round(after[k], 6) for k in before),
            "differ_at_9_decimals": sum(round(before[k], 9) != round(after[k], 9) for k in before),
        }
        con.execute(
            "create temp table account_betweenness as "
            "select * from analysis.account_betweenness limit 0"
        )
        _, write_cpu, write_wall = timed(
            insert_many, con, "temp.account_betweenness", results["branch"]
        )
        figures["write"] = {"cpu_s": write_cpu, "wall_s": write_wall}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--code", type=Path, required=True, help="the baseline checkout")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the figures here as JSON too")
    args = parser.parse_args(argv)
    figures = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "warehouse": str(args.warehouse),
        **measure(args.warehouse, args.code, args.rounds),
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0 if figures["comparison"]["same_accounts"] else 1


if __name__ == "__main__":
    sys.exit(main())
