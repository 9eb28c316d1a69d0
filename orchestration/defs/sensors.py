"""The raw-directory sensor: a new or changed export file requests its chats' months."""

import json
import time
from pathlib import Path

import dagster as dg

from orchestration.defs.jobs import tweetchat_job
from orchestration.defs.partitions import month_key, monthly_partitions
from orchestration.defs.resources import SettingsResource
from orchestration.ingest import export_files
from orchestration.months import SCAN_ERRORS, MonthScanner, MonthScanTimeout
from orchestration.registry import RegistryError
from orchestration.settings import environment_value


def changed_files(
    raw_dir: Path, cursor: dict[str, str]
) -> tuple[list[tuple[str, Path]], dict[str, str]]:
    """(name, path) of files whose modification time or size differ from the cursor's, and the
    new cursor {name: "mtime_ns:size"}."""
    seen = {}
    changed = []
    for path in export_files(raw_dir):
        stat = path.stat()
        stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
        name = path.relative_to(raw_dir).as_posix()
        seen[name] = stamp
        if cursor.get(name) != stamp:
            changed.append((name, path))
    return changed, seen


# Dagster gives a tick DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS (60 by default); the months of the
# changed files are read in two thirds of it, and files not reached wait for the next tick.
DAGSTER_TIMEOUT_VARIABLE = "DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS"


def tick_seconds() -> float:
    """How long one tick may spend reading the months of changed files."""
    return int(environment_value(DAGSTER_TIMEOUT_VARIABLE) or 60) * 2 / 3


@dg.sensor(
    job=tweetchat_job,
    minimum_interval_seconds=60,
    description="Watches the raw export directory; each new or changed file requests the month "
    "partitions of the chats whose windows its posts fall in (read from its post times only). "
    "A file whose months cannot be read is reported once and not read again until it changes.",
)
def raw_directory_sensor(context: dg.SensorEvaluationContext, settings: SettingsResource):
    current = settings.resolve()
    if not current.raw_dir.is_dir():
        return dg.SkipReason(f"{current.raw_dir} does not exist yet")
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed, new_cursor = changed_files(current.raw_dir, cursor)
    if not changed:
        return dg.SkipReason("no new or changed export files")
    try:
        chats = settings.registry().chats
    except RegistryError as error:
        return dg.SkipReason(f"chat registry unreadable: {error}")
    files_by_month, skipped, deferred = _months_of_files(context, changed, chats, current.raw_dir)
    for name in deferred:
        # Not reached in this tick's time: the next tick reads it.
        if name in cursor:
            new_cursor[name] = cursor[name]
        else:
            del new_cursor[name]
    context.update_cursor(json.dumps(new_cursor, sort_keys=True))
    if not files_by_month:
        unread = f" ({len(skipped)} could not be read: {', '.join(skipped)})" if skipped else ""
        return dg.SkipReason(
            f"{len(changed)} changed files hold no post of a registered chat{unread}"
        )
    return [
        dg.RunRequest(
            run_key=f"{key}:{'|'.join(sorted(f'{name}@{new_cursor[name]}' for name in names))}",
            partition_key=key,
        )
        for key, names in sorted(files_by_month.items())
    ]


def _months_of_files(
    context, changed: list[tuple[str, Path]], chats, raw_dir: Path
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """{partition key: names of the files holding posts of its chats}, the files whose months
    could not be read (each gets one warning naming it and why) and the files left for the
    next tick."""
    started, budget = time.monotonic(), tick_seconds()
    valid_keys = set(monthly_partitions.get_partition_keys())
    files_by_month: dict[str, list[str]] = {}
    skipped: list[str] = []
    with MonthScanner(chats, raw_dir) as scanner:
        for position, (name, path) in enumerate(changed):
            remaining = budget - (time.monotonic() - started)
            if position and remaining < 1:
                return files_by_month, skipped, [name for name, _ in changed[position:]]
            try:
                months = scanner.months(path, seconds=remaining)
            except MonthScanTimeout as error:
                if position:
                    # It had only what earlier files left of the tick: the next tick retries it.
                    return files_by_month, skipped, [name for name, _ in changed[position:]]
                context.log.warning(_unread_message(name, error))
                skipped.append(name)
                continue
            # Anything else that stops a file (a reader's own error on odd input) is reported the
            # same way: a tick that raised would not move the cursor and would fail again forever.
            except Exception as error:  # noqa: BLE001
                if not isinstance(error, SCAN_ERRORS):
                    error = f"{type(error).__name__}: {error}"
                context.log.warning(_unread_message(name, error))
                skipped.append(name)
                continue
            for month in months:
                key = month_key(month)
                if key in valid_keys:
                    files_by_month.setdefault(key, []).append(name)
    return files_by_month, skipped, []


def _unread_message(name: str, error: Exception | str) -> str:
    return (
        f"{name}: skipped by the sensor, which requests no run for it: {error}. It is not read "
        "again until it changes; `tweetchat run` still loads it."
    )
