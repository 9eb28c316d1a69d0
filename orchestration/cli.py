"""The `tweetchat` command: run and check the warehouse, query it, write a sample, open the UI.

`tweetchat run` materialises the same Dagster job the UI and the schedule run, in this
process, recorded in DAGSTER_HOME so the run shows in the UI. The CLI only parses its
arguments into `Settings` and launches: what every run needs (recovering interrupted runs,
the warehouse pool, one run at a time) is in the definitions and dagster.yaml.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from orchestration.settings import (
    ENV_CHATS,
    ENV_OUT,
    ENV_PSEUDONYMISE,
    ENV_RAW,
    ENV_WAREHOUSE,
    PROJECT_ROOT,
    Settings,
    SettingsError,
    tool_path,
)

PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("tweetchat: interrupted", file=sys.stderr)
        return 130
    except CliError as error:
        print(f"tweetchat {args.command}: {error}", file=sys.stderr)
        return 2


class CliError(Exception):
    """A failure the user can fix; printed as one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tweetchat", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="build the warehouse for one month or all registry months"
    )
    run.add_argument(
        "--month",
        help="YYYY-MM: the chats that start in this month (default: every month of the registry)",
    )
    run.add_argument(
        "--no-reports",
        action="store_true",
        help="build, check and publish the warehouse without drawing the charts and reports "
        "(a backfill of many months)",
    )
    _path_options(run)
    run.set_defaults(handler=command_run)

    check = commands.add_parser(
        "check",
        help="validate the working warehouse as built (no rebuild) and publish it if it passes",
    )
    check.add_argument("--month", help="YYYY-MM (default: every month of the registry)")
    _path_options(check)
    check.set_defaults(handler=command_check)

    query = commands.add_parser(
        "query", help="run one SQL statement on the published warehouse (read-only)"
    )
    query.add_argument("sql", help='for example "select * from marts.monthly_activity"')
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.add_argument(
        "--warehouse", type=Path, help=f"published DuckDB file (env {ENV_WAREHOUSE})"
    )
    query.set_defaults(handler=command_query)

    shell = commands.add_parser(
        "shell", help="a read-only SQL prompt on the published warehouse (.help inside)"
    )
    shell.add_argument(
        "--warehouse", type=Path, help=f"published DuckDB file (env {ENV_WAREHOUSE})"
    )
    shell.set_defaults(handler=command_shell)

    sample = commands.add_parser(
        "sample", help="write a generated sample export and its chats.yaml"
    )
    sample.add_argument(
        "--out", required=True, type=Path, help="folder to write chats.yaml and raw/ into"
    )
    sample.add_argument(
        "--posts",
        type=int,
        help="about this many posts over many chats (for benchmarks); default: the Jan-Apr 2023 series",
    )
    sample.add_argument("--seed", type=int, default=2023, help="random seed (default 2023)")
    sample.set_defaults(handler=command_sample)

    ui = commands.add_parser("ui", help="start the Dagster UI (dagster dev) on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    _path_options(ui)
    ui.set_defaults(handler=command_ui)
    return parser


def _path_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw",
        type=Path,
        help=f"folder of export files (env {ENV_RAW}; default: the bundled sample)",
    )
    parser.add_argument(
        "--chats",
        type=Path,
        help=f"chat registry (env {ENV_CHATS}; default: the sample's chats.yaml)",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help=f"published DuckDB file (env {ENV_WAREHOUSE}; default warehouse/tweetchat.duckdb)",
    )
    parser.add_argument(
        "--out", type=Path, help=f"folder for charts and reports (env {ENV_OUT}; default output/)"
    )
    parser.add_argument(
        "--pseudonymise",
        action="store_true",
        default=None,
        help="show non-host handles as stable pseudonyms in reports and charts "
        f"(env {ENV_PSEUDONYMISE}=1; the key: TWEETCHAT_PSEUDONYM_KEY or .pseudonym_key "
        "beside the warehouse)",
    )


def _settings(args) -> Settings:
    """The environment's settings with the command's options over them."""
    try:
        return Settings.from_environment(
            raw_dir=getattr(args, "raw", None),
            chats_file=getattr(args, "chats", None),
            published_database=getattr(args, "warehouse", None),
            out_dir=getattr(args, "out", None),
            pseudonymise=getattr(args, "pseudonymise", None),
        )
    except SettingsError as error:
        raise CliError(str(error)) from error


def months_to_run(month: str | None, registry) -> tuple[str, str]:
    """First and last partition keys: the given month, or the registry's whole span."""
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise CliError(f"--month {month!r} is not YYYY-MM") from None
        return first.isoformat(), first.isoformat()
    months = registry.months()
    return months[0].isoformat(), months[-1].isoformat()


def command_run(args) -> int:
    job = "tweetchat_warehouse_job" if args.no_reports else "tweetchat_job"
    return _execute_job(args, job, "run", "built")


def command_check(args) -> int:
    return _execute_job(args, "tweetchat_check_job", "check", "validated")


def _execute_job(args, job_name: str, verb: str, done: str) -> int:
    from orchestration.registry import RegistryError, load_registry

    current = _settings(args)
    try:
        registry = load_registry(current.chats_file)
    except RegistryError as error:
        raise CliError(str(error)) from error
    for notice in registry.notices:
        print(f"tweetchat {verb}: notice: {notice}", file=sys.stderr)
    first, last = months_to_run(args.month, registry)

    import dagster as dg

    from orchestration.defs.partitions import monthly_partitions
    from orchestration.runs import instance_for

    keys = monthly_partitions.get_partition_keys()
    for key in (first, last):
        if key not in keys:
            raise CliError(
                f"month {key[:7]} is outside the partitions {keys[0][:7]}..{keys[-1][:7]} "
                "(from TWEETCHAT_FIRST_MONTH to the current month); for an earlier month set "
                "TWEETCHAT_FIRST_MONTH"
            )
    if verb == "check" and not current.build_database.exists():
        raise CliError(
            f"no working warehouse at {current.build_database}; run `tweetchat run` first"
        )
    # Rebuilt by name in this process, so the run has the job's executor (execute_in_process
    # would replace it): the executor is what recovers interrupted runs.
    job = dg.build_reconstructable_job(
        "orchestration.definitions",
        "settings_job",
        reconstructable_args=(current.as_dict(), job_name),
    )
    instance = instance_for(current)
    tags = {PARTITION_RANGE_START: first, PARTITION_RANGE_END: last}
    span = first[:7] if first == last else f"{first[:7]}..{last[:7]}"
    source = current.raw_dir if verb == "run" else current.build_database
    print(
        f"tweetchat {verb}: {span} from {source} into {current.published_database}",
        file=sys.stderr,
    )
    started = time.monotonic()
    # Progress (Dagster's and dbt's log lines) goes to stderr; stdout keeps the summary.
    with (
        contextlib.redirect_stdout(sys.stderr),
        dg.execute_job(
            job,
            instance=instance,
            tags=tags,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        ) as result,
    ):
        success, run_id = result.success, result.run_id
        errors, warnings = failed_checks(result)
        reason = None if success else failure_reason(result)
    elapsed = time.monotonic() - started
    for line in warnings:
        print(f"tweetchat {verb}: warning: {line}", file=sys.stderr)
    for line in errors:
        print(f"tweetchat {verb}: check failed: {line}", file=sys.stderr)
    if errors or not success:
        if errors:
            reason = f"{len(errors)} blocking check(s) failed; nothing downstream of them was made"
        print(f"tweetchat {verb}: failed after {elapsed:.0f}s: {reason}", file=sys.stderr)
        print(
            f"tweetchat {verb}: the last good warehouse is unchanged at "
            f"{current.published_database}",
            file=sys.stderr,
        )
        return 1
    print(
        f"tweetchat {verb}: {span} {done} in {elapsed:.0f}s (run {run_id})",
        file=sys.stderr,
    )
    print(f"warehouse: {current.published_database}")
    if current.out_dir.exists():
        print(f"outputs:   {current.out_dir}")
    print(f"dagster:   DAGSTER_HOME={current.dagster_home} (open it with `tweetchat ui`)")
    return 0


def failed_checks(result) -> tuple[list[str], list[str]]:
    """Failed asset checks of a run as lines (errors, warnings), with what they observed."""
    import dagster as dg

    errors: list[str] = []
    warnings: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
        failures = evaluation.metadata.get("failures")
        observed = failures.value if failures is not None else evaluation.description or ""
        line = f"{name}: {observed}".replace("\n", "\n    ")
        if evaluation.severity == dg.AssetCheckSeverity.ERROR:
            errors.append(line)
        else:
            warnings.append(line)
    return errors, warnings


def failure_reason(result) -> str:
    """One line: the first failed step and its error message."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            message = event.step_failure_data.error.message.strip().splitlines()
            return f"step {event.step_key}: {message[-1] if message else 'failed'}"
    return "the run failed (see the Dagster UI for the run's logs)"


def _published_warehouse(args) -> Path:
    return _settings(args).published_database


def command_query(args) -> int:
    from orchestration.analyst import QueryError, run_query

    try:
        run_query(_published_warehouse(args), args.sql, args.format, sys.stdout)
    except QueryError as error:
        raise CliError(str(error)) from error
    return 0


def command_shell(args) -> int:
    from orchestration.analyst import shell

    return shell(_published_warehouse(args))


def command_sample(args) -> int:
    from orchestration.sample.generator import write_sample

    if args.posts is not None and args.posts < 100:
        raise CliError("--posts must be at least 100")
    started = time.monotonic()
    summary = write_sample(
        args.out, posts=args.posts, seed=args.seed, log=lambda m: print(m, file=sys.stderr)
    )
    print(
        f"tweetchat sample: {summary['posts_written']} posts in {summary['chats']} chats written to "
        f"{summary['raw_dir']} with {Path(args.out) / 'chats.yaml'} in {time.monotonic() - started:.1f}s"
    )
    return 0


def command_ui(args) -> int:
    current = _settings(args)
    command = [
        tool_path("dagster"),
        "dev",
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    current.dagster_home.mkdir(parents=True, exist_ok=True)
    if not (current.dagster_home / "dagster.yaml").exists():
        print(
            f"tweetchat ui: notice: {current.dagster_home} has no dagster.yaml, so runs "
            f"started from the UI get Dagster's defaults; link the project's: "
            f"ln -s {PROJECT_ROOT / 'dagster.yaml'} {current.dagster_home}/",
            file=sys.stderr,
        )
    print(f"tweetchat ui: http://{args.host}:{args.port} (Ctrl-C stops it)", file=sys.stderr)
    return subprocess.call(command, cwd=PROJECT_ROOT, env=current.child_environment())


if __name__ == "__main__":
    sys.exit(main())
