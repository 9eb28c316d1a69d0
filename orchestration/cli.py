"""The `tweetchat` command: run and check the warehouse, query it, write a sample, open the UI.

`tweetchat run` materialises the same Dagster job the UI and the schedule run, in this
process, recorded in DAGSTER_HOME so the run shows in the UI. The CLI only parses its
arguments into `Settings` and launches: what every run needs (recovering interrupted runs,
the warehouse pool, one run a lane at a time) is in the definitions and dagster.yaml.
"""

from __future__ import annotations

import argparse
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
    SAMPLE_DIR,
    Settings,
    SettingsError,
    graphical_session,
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
    run.add_argument(
        "--force",
        action="store_true",
        help="build even when nothing changed since the last successful run (which is "
        "otherwise left as it is)",
    )
    _path_options(run)
    _verbose_option(run)
    run.set_defaults(handler=command_run)

    check = commands.add_parser(
        "check",
        help="validate the working warehouse as built (no rebuild) and publish it if it passes",
    )
    check.add_argument("--month", help="YYYY-MM (default: every month of the registry)")
    _path_options(check)
    _verbose_option(check)
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

    chats = commands.add_parser("chats", help="find the chats in exports, or list the registry's")
    chat_commands = chats.add_subparsers(dest="chats_command", required=True)
    find = chat_commands.add_parser(
        "find",
        help="propose a chat registry from the exports: bursts of hashtag activity, "
        "their hosts, start times and questions",
    )
    find.add_argument("--raw", type=Path, required=True, help="folder of export files")
    find.add_argument(
        "--hashtag",
        action="append",
        help="only this hashtag (repeat for several; default: every hashtag that bursts)",
    )
    find.add_argument(
        "--timezone",
        help="the zone start times are written in (default: the --out registry's, else UTC)",
    )
    find.add_argument(
        "--out",
        type=Path,
        help="registry to write; an existing one keeps its chats and gains the new ones "
        "(default: print to standard output)",
    )
    find.add_argument(
        "--min-posts",
        type=int,
        default=20,
        help="posts an hour must have to count as a burst (default 20)",
    )
    find.set_defaults(handler=command_chats_find)
    listing = chat_commands.add_parser(
        "list", help="the registry's chats with their built figures (from the published warehouse)"
    )
    listing.add_argument("--chats", type=Path, help=f"chat registry (env {ENV_CHATS})")
    listing.add_argument(
        "--warehouse", type=Path, help=f"published DuckDB file (env {ENV_WAREHOUSE})"
    )
    listing.set_defaults(handler=command_chats_list)

    open_report = commands.add_parser(
        "open", help="open a chat's HTML report in the browser (default: the latest chat)"
    )
    open_report.add_argument("chat_id", nargs="?", help="the chat (default: the latest built)")
    open_report.add_argument(
        "--out", type=Path, help=f"folder of charts and reports (env {ENV_OUT}; default output/)"
    )
    open_report.add_argument("--print", action="store_true", help="only print the report's path")
    open_report.set_defaults(handler=command_open)

    themes = commands.add_parser(
        "themes", help="print a chat's draft themes; --write adds a starter themes.yaml block"
    )
    themes.add_argument("chat_id", help="the chat's id in chats.yaml")
    themes.add_argument("--question", help="one question id (default: every question)")
    themes.add_argument(
        "--write",
        action="store_true",
        help="add a block for the chat to themes.yaml (env TWEETCHAT_THEMES; default: beside "
        "chats.yaml) for the analyst to edit; the next run applies it",
    )
    themes.add_argument("--themes", type=Path, help="themes.yaml to write (env TWEETCHAT_THEMES)")
    themes.add_argument("--chats", type=Path, help=f"chat registry (env {ENV_CHATS})")
    themes.add_argument(
        "--warehouse", type=Path, help=f"published DuckDB file (env {ENV_WAREHOUSE})"
    )
    themes.set_defaults(handler=command_themes)

    ui = commands.add_parser("ui", help="start the Dagster UI (dagster dev) on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    _path_options(ui)
    ui.set_defaults(handler=command_ui)
    _collect_parser(commands)
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
        "--themes",
        type=Path,
        help="the analyst's theme edits (env TWEETCHAT_THEMES; default: themes.yaml beside "
        "the chat registry)",
    )
    parser.add_argument(
        "--pseudonymise",
        action="store_true",
        default=None,
        help="show non-host handles as stable pseudonyms in reports and charts "
        f"(env {ENV_PSEUDONYMISE}=1; the key: TWEETCHAT_PSEUDONYM_KEY or .pseudonym_key "
        "beside the warehouse)",
    )


def _verbose_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="stream Dagster's and dbt's logs instead of the progress display and log file",
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
            themes_file=getattr(args, "themes", None),
        )
    except SettingsError as error:
        raise CliError(str(error)) from error


def _collect_parser(commands) -> None:
    collect = commands.add_parser(
        "collect",
        help="fetch the registry's chats from Bluesky and Mastodon into the raw folder "
        "(resumable; see docs/operations.md, 'Watch a chat live')",
    )
    collect.add_argument(
        "--chat", action="append", default=[], metavar="ID",
        help="a chat id of the registry (repeatable; default: every chat whose window has "
        "begun and whose collection is not complete)",
    )  # fmt: skip
    collect.add_argument(
        "--platform", action="append", choices=("bluesky", "mastodon"),
        help="collect only this platform (repeatable; default: both)",
    )  # fmt: skip
    collect.add_argument(
        "--mastodon-instance", metavar="URL",
        help="instance for chats without mastodon_instances in the registry "
        "(env TWEETCHAT_MASTODON_INSTANCE; default https://mastodon.social)",
    )  # fmt: skip
    collect.add_argument(
        "--max-requests", type=int, default=300,
        help="at most this many requests this call (default 300); the next call goes on",
    )  # fmt: skip
    collect.add_argument(
        "--max-wait", type=float, default=300.0, metavar="SECONDS",
        help="longest wait a rate limit may ask for before the call stops (default 300)",
    )  # fmt: skip
    collect.add_argument(
        "--raw", type=Path, help=f"folder the files are written under (env {ENV_RAW}; required)"
    )
    collect.add_argument("--chats", type=Path, help=f"chat registry (env {ENV_CHATS})")
    collect.add_argument(
        "--warehouse", type=Path,
        help=f"published DuckDB file; the collection state is kept beside it (env {ENV_WAREHOUSE})",
    )  # fmt: skip
    collect.set_defaults(handler=command_collect)


def command_collect(args) -> int:
    from orchestration.collect import collect
    from orchestration.collect.polite import Politeness
    from orchestration.collect.store import CollectError, state_dir_for
    from orchestration.registry import RegistryError, load_registry

    current = _settings(args)
    if current.raw_dir == SAMPLE_DIR / "raw":
        raise CliError(
            f"pass --raw DIR (or set {ENV_RAW}): collection never writes into the bundled sample"
        )
    if args.max_requests < 1:
        raise CliError("--max-requests must be at least 1")
    try:
        registry = load_registry(current.chats_file)
        reports = collect(
            registry, current.raw_dir, state_dir_for(current.published_database),
            platforms=args.platform or ("bluesky", "mastodon"), chat_ids=args.chat,
            mastodon_instance=args.mastodon_instance,
            polite=Politeness(max_requests=args.max_requests, max_wait_seconds=args.max_wait),
            log=lambda line: print(f"tweetchat collect: {line}", file=sys.stderr),
        )  # fmt: skip
    except (RegistryError, CollectError) as error:
        raise CliError(str(error)) from error
    if not reports:
        print("tweetchat collect: no chat's window has begun; nothing to collect", file=sys.stderr)
    failed = [r for r in reports if r.problem and not r.problem.startswith("stopped:")]
    posts = sum(r.posts for r in reports)
    print(f"collected: {posts} posts into {current.raw_dir}")
    if failed:
        print(
            f"tweetchat collect: {len(failed)} chat/platform pair(s) failed (see above); what "
            "was saved is kept and the next call goes on from there",
            file=sys.stderr,
        )
        return 1
    return 0


def months_to_run(month: str | None, registry, raw_dir: Path | None = None) -> tuple[str, str]:
    """First and last partition keys: the given month; else, with `raw_dir`, the span of the
    months its export files hold posts of (told as the folder sensor tells them,
    orchestration/months.py); else, or when a file's months cannot be told, the registry's
    whole span."""
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise CliError(f"--month {month!r} is not YYYY-MM") from None
        return first.isoformat(), first.isoformat()
    months = registry.months()
    if raw_dir is not None and raw_dir.is_dir():
        from orchestration.months import directory_months

        held, problems = directory_months(raw_dir, registry.chats)
        for problem in problems:
            print(f"tweetchat run: notice: {problem}", file=sys.stderr)
        if held and not problems:
            months = held
        else:
            why = (
                "the months of some export files are unknown"
                if problems
                else "no export file holds a post of a registered chat"
            )
            print(f"tweetchat run: notice: {why}; every registry month is built", file=sys.stderr)
    return months[0].isoformat(), months[-1].isoformat()


def command_run(args) -> int:
    from orchestration.rerun import build_unless_unchanged

    job = "tweetchat_warehouse_job" if args.no_reports else "tweetchat_job"
    current = _settings(args)
    return build_unless_unchanged(
        current,
        job,
        args.month,
        args.force,
        lambda: _execute_job(args, job, "run", "built", current),
    )


def command_check(args) -> int:
    return _execute_job(args, "tweetchat_check_job", "check", "validated")


def _execute_job(args, job_name: str, verb: str, done: str, current: Settings | None = None) -> int:
    from orchestration.registry import RegistryError, load_registry

    current = current or _settings(args)
    try:
        registry = load_registry(current.chats_file)
    except RegistryError as error:
        raise CliError(str(error)) from error
    for notice in registry.notices:
        print(f"tweetchat {verb}: notice: {notice}", file=sys.stderr)
    first, last = months_to_run(args.month, registry, current.raw_dir if verb == "run" else None)

    from orchestration import progress

    progress.quiet_warnings()
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
    verbose = getattr(args, "verbose", False)
    log_path = progress.log_path_for(current.dagster_home)
    if not verbose:
        print(f"tweetchat {verb}: Dagster's and dbt's logs: {log_path}", file=sys.stderr)
    # The display goes to stderr; stdout keeps the summary; the logs go to the log file
    # (with --verbose, to stderr).
    watcher = progress.RunProgress(instance, verb, sys.stderr)
    with (
        watcher,
        progress.logs_to(log_path, verbose),
        dg.execute_job(
            job,
            instance=instance,
            tags={**tags, **watcher.tags},
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
    from orchestration.reports.quality_page import page_path

    quality = page_path(current.out_dir, run_id)
    if quality.exists():
        print(f"tweetchat {verb}: every check of the run: {quality}", file=sys.stderr)
    if errors or not success:
        if errors:
            reason = f"{len(errors)} blocking check(s) failed; nothing downstream of them was made"
        print(f"tweetchat {verb}: failed after {elapsed:.0f}s: {reason}", file=sys.stderr)
        print(
            f"tweetchat {verb}: the last good warehouse is unchanged at "
            f"{current.published_database}",
            file=sys.stderr,
        )
        if not verbose:
            print(f"tweetchat {verb}: the run's log: {log_path}", file=sys.stderr)
        return 1
    print(
        f"tweetchat {verb}: {span} {done} in {elapsed:.0f}s (run {run_id})",
        file=sys.stderr,
    )
    print(f"warehouse: {current.published_database}")
    if current.out_dir.exists():
        print(f"outputs:   {current.out_dir}")
    print(f"dagster:   DAGSTER_HOME={current.dagster_home} (open it with `tweetchat ui`)")
    if not verbose:
        print(f"log:       {log_path}")
    chat_months = {
        chat.id: chat.month for chat in registry.chats if first <= chat.month.isoformat() <= last
    }
    progress.print_summary(
        progress.chat_summary(current.published_database, list(chat_months)),
        current.out_dir,
        sys.stdout,
        progress.check_status(current.build_database, run_id, chat_months),
    )
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


def command_chats_find(args) -> int:
    from orchestration.finder import FinderError, find_chats, write_registry
    from orchestration.registry import RegistryError, load_registry

    timezone = args.timezone
    if timezone is None and args.out is not None and Path(args.out).exists():
        try:
            timezone = load_registry(args.out).chats[0].timezone
        except (RegistryError, IndexError):
            timezone = None
    timezone = timezone or "UTC"
    started = time.monotonic()
    try:
        found = find_chats(
            args.raw.expanduser().resolve(),
            hashtags=args.hashtag,
            timezone=timezone,
            min_posts=args.min_posts,
            log=lambda message: print(f"tweetchat chats find: {message}", file=sys.stderr),
        )
        text = write_registry(found, timezone, args.out)
    except (FinderError, RegistryError) as error:
        raise CliError(str(error)) from error
    if args.out is None:
        sys.stdout.write(text)
    print(
        f"tweetchat chats find: {len(found)} chat(s) found in {time.monotonic() - started:.1f}s"
        + (f"; registry written to {args.out}" if args.out else ""),
        file=sys.stderr,
    )
    if not found:
        print(
            "tweetchat chats find: no hour stood out; try --min-posts lower or name the "
            "--hashtag of your chat",
            file=sys.stderr,
        )
    return 0


def command_chats_list(args) -> int:
    from orchestration.registry import RegistryError, load_registry

    chats_file = (
        Path(args.chats).expanduser().resolve() if args.chats else _settings(args).chats_file
    )
    try:
        registry = load_registry(chats_file)
    except RegistryError as error:
        raise CliError(str(error)) from error
    warehouse = _published_warehouse(args)
    figures: dict[str, tuple] = {}
    if warehouse.exists():
        import duckdb

        from orchestration.warehouse import connect

        try:
            with connect(warehouse, read_only=True) as con:
                figures = {
                    row[0]: row[1:]
                    for row in con.execute(
                        "select chat_id, contributors, originals, retweets "
                        "from marts.chat_activity where scope = 'window'"
                    ).fetchall()
                }
        except duckdb.Error as error:
            print(f"tweetchat chats list: {warehouse}: {error}", file=sys.stderr)
    print(
        f"{'chat':<28} {'starts':<17} {'contributors':>12} {'originals':>9} {'retweets':>8}  title"
    )
    for chat in registry.chats:
        built = figures.get(chat.id)
        numbers = f"{built[0]:>12} {built[1]:>9} {built[2]:>8}" if built else f"{'not built':>31}"
        print(f"{chat.id:<28} {chat.starts_local:%Y-%m-%d %H:%M} {numbers}  {chat.title}")
    return 0


def command_open(args) -> int:
    import webbrowser

    out = Path(args.out).expanduser().resolve() if args.out else _settings(args).out_dir
    reports = sorted(out.glob("*/report.html"))
    if not reports:
        raise CliError(f"{out}: no report yet; build one with `tweetchat run`")
    if args.chat_id:
        report = out / args.chat_id / "report.html"
        if not report.exists():
            known = ", ".join(path.parent.name for path in reports)
            raise CliError(f"{report}: no such report; reports exist for {known}")
    else:
        # The latest built report.
        report = max(reports, key=lambda path: path.stat().st_mtime)
    print(report)
    if not args.print and graphical_session():
        webbrowser.open(report.as_uri())
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


def command_themes(args) -> int:
    from orchestration.themes.starter import (
        StarterError,
        chat_themes,
        format_themes,
        write_starter,
    )

    warehouse = _published_warehouse(args)
    if not warehouse.exists():
        raise CliError(f"{warehouse}: no published warehouse yet; run `tweetchat run` first")
    questions = chat_themes(warehouse, args.chat_id, args.question)
    if not questions:
        raise CliError(
            f"{warehouse}: no questions of chat {args.chat_id!r}"
            + (f" with id {args.question!r}" if args.question else "")
            + "; check the id in chats.yaml and that its month was built"
        )
    print(format_themes(args.chat_id, questions))
    if args.write:
        path = _settings(args).themes_path
        try:
            write_starter(path, args.chat_id, questions)
        except StarterError as error:
            raise CliError(str(error)) from error
        print(f"\nwrote a block for {args.chat_id} to {path}: edit it, then run again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
