"""What Dagster's per-partition event records cost a run: time to the first step, the dbt
steps' wall time beside what `dbt build` itself reports, and the run's event count.

Runs `tweetchat run` (reports included unless --no-reports) on the bundled sample or a
generated one, each time with a fresh warehouse at the same path, with each code tree given
(`--code DIR`, default this checkout; a tree other than this one runs as `python -m
orchestration.cli` from that folder, with its own dbt manifest), alternating the trees
`--repeats` times so both see the same machine state. For each dbt invocation it prints how
dbt parsed the project: partially, or in full and dbt's reason (a tree that keeps the parsed
project between runs parses in full only on its first run of a warehouse).

    python -m benchmarks.dbt_events [--posts 100000] [--no-reports] [--code DIR ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import measure
from benchmarks.run import RESULTS, ROOT, TWEETCHAT, log, machine, run_command, run_id_of

DBT_STEP_PREFIX = "tweetchat_dbt"


def tweetchat_command(code: Path) -> tuple[list[str], dict[str, str]]:
    """The command that runs `tweetchat` from the code tree `code`, and its environment."""
    if code.resolve() == ROOT:
        return [TWEETCHAT], {}
    return [sys.executable, "-m", "orchestration.cli"], {"PYTHONPATH": str(code)}


def dbt_reported_seconds(code: Path, run_id: str) -> dict:
    """What dbt's own logs (dbt.log of the run's target folders) say of each invocation: its
    elapsed time, the seconds spent parsing the project in full (partial parsing refused), and
    how it parsed: "partial (N files changed)" or "full: <dbt's reason>"; and the seconds its
    nodes took, data and unit tests apart from models and seeds."""
    elapsed, full_parses, parses = [], [], []
    nodes = {"tests": [0, 0.0], "models_and_seeds": [0, 0.0]}
    for log_path in sorted((code / "dbt_project" / "target").glob(f"*{run_id[:7]}*/dbt.log")):
        refused = None
        for line in log_path.read_text().splitlines():
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            code_, moment = event["info"]["code"], datetime.fromisoformat(event["info"]["ts"])
            if code_ == "A001":  # "Running with dbt=...": an invocation starts
                parses.append("no parse logged")
            elif code_ == "I024":  # "Unable to do partial parsing because ..."
                reason = event["data"]["reason"]
                parses[-1] = parses[-1] + "; " + reason if refused else f"full: {reason}"
                refused = refused or moment
            elif code_ == "I040":  # partial parsing: the files added, changed, deleted
                changed = sum(event["data"].get(k, 0) for k in ("added", "changed", "deleted"))
                parses[-1] = f"partial ({changed} files changed)"
            elif code_ == "W006" and refused is not None:  # "Found N models, ..."
                full_parses.append(round((moment - refused).total_seconds(), 2))
                refused = None
            elif code_ == "E047":  # "Finished running ... in N seconds"
                elapsed.append(round(event["data"]["execution_time"], 2))
            elif code_ in ("Q007", "Q012", "Q016"):  # a test's, a model's, a seed's result
                kind = nodes["tests" if code_ == "Q007" else "models_and_seeds"]
                kind[0] += 1
                kind[1] += event["data"]["execution_time"]
    return {
        "invocations_s": elapsed,
        "full_parses_s": full_parses,
        "parses": parses,
        "nodes": {kind: {"count": n, "seconds": round(t, 2)} for kind, (n, t) in nodes.items()},
    }


def run_figures(dagster_home: Path, run_id: str, process_started: float) -> dict:
    """Seconds from the process start to the run's record, its start event and first step;
    the dbt steps' wall time; the run's event records by type."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with dg.DagsterInstance.get() as instance:
        records = instance.all_logs(run_id)
        stats = instance.get_run_step_stats(run_id)
        created = instance.get_run_record_by_id(run_id).create_timestamp.timestamp()
    events = Counter(
        record.dagster_event.event_type_value if record.is_dagster_event else "log message"
        for record in records
    )

    def first(kind: str) -> float:
        return min(
            r.timestamp
            for r in records
            if r.is_dagster_event and r.dagster_event.event_type_value == kind
        )

    started, first_step = first(dg.DagsterEventType.RUN_START.value), first("STEP_START")
    dbt_steps = {
        stat.step_key: round(stat.end_time - stat.start_time, 2)
        for stat in stats
        if stat.step_key.startswith(DBT_STEP_PREFIX) and stat.start_time and stat.end_time
    }
    return {
        "to_first_step_s": round(first_step - process_started, 2),
        "process_start_to_run_created_s": round(created - process_started, 2),
        "run_created_to_run_start_s": round(started - created, 2),
        "run_start_to_first_step_s": round(first_step - started, 2),
        "dbt_steps_s": dbt_steps,
        "events": sum(events.values()),
        "events_by_type": dict(events.most_common()),
    }


def one_run(code: Path, work: Path, raw: Path, chats: Path, reports: bool) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    (work / "dagster").mkdir(parents=True)
    command, env = tweetchat_command(code)
    command = run_command(
        work, raw, chats, *([] if reports else ["--no-reports"]), tweetchat=command
    )
    started = time.time()
    run = measure.run(command, env={"DAGSTER_HOME": str(work / "dagster"), **env}, cwd=code)
    run.check()
    run_id = run_id_of(run)
    figures = run_figures(work / "dagster", run_id, started)
    return {
        "seconds": round(run.seconds, 2),
        **figures,
        "dbt_reported_s": dbt_reported_seconds(code, run_id),
        "run_id": run_id,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, help="a generated sample (default: the bundled one)")
    parser.add_argument("--no-reports", action="store_true")
    parser.add_argument("--code", type=Path, action="append", help="code trees (default: this)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "dbt_events")
    args = parser.parse_args(argv)
    codes = [path.resolve() for path in (args.code or [ROOT])]
    if args.posts:
        sample = args.work / f"sample-{args.posts}"
        if not (sample / "chats.yaml").exists():
            log(f"writing a sample of {args.posts:,} posts")
            measure.run(
                [TWEETCHAT, "sample", "--out", str(sample), "--posts", str(args.posts)]
            ).check()
        raw, chats = sample / "raw", sample / "chats.yaml"
    else:
        raw, chats = ROOT / "sample" / "raw", ROOT / "sample" / "chats.yaml"
    result: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "posts": args.posts or "bundled sample",
        "reports": not args.no_reports,
        "runs": [],
    }
    for repeat in range(args.repeats):
        for index, code in enumerate(codes):
            load = round(os.getloadavg()[0], 1)
            log(f"run {repeat + 1}: {code} (load {load})")
            figures = one_run(code, args.work / f"run-{index}", raw, chats, not args.no_reports)
            figures = {"code": str(code), "load_before": load, **figures}
            result["runs"].append(figures)
            print(json.dumps(figures), flush=True)
            dbt_log = figures["dbt_reported_s"]
            log(
                f"{figures['seconds']} s; dbt steps {figures['dbt_steps_s']}; dbt's own "
                f"{dbt_log['invocations_s']}; parses {dbt_log['parses']}"
            )
    label = (f"{args.posts}" if args.posts else "sample") + f"-{datetime.now(UTC):%H%M}"
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-dbt-events-{label}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    log(f"-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
