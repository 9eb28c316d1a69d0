"""The raw-directory sensor: a new or changed export file requests its chats' months."""

import json
from pathlib import Path

import dagster as dg

from orchestration.defs.jobs import tweetchat_job
from orchestration.defs.partitions import month_key, monthly_partitions
from orchestration.defs.resources import SettingsResource
from orchestration.ingest import export_files, file_months
from orchestration.readers import UnknownFormatError
from orchestration.registry import RegistryError


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


@dg.sensor(
    job=tweetchat_job,
    minimum_interval_seconds=60,
    description="Watches the raw export directory; each new or changed file requests the month "
    "partitions of the chats whose windows its posts fall in.",
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
    files_by_month: dict[str, list[str]] = {}
    valid_keys = set(monthly_partitions.get_partition_keys())
    for name, path in changed:
        try:
            months = file_months(path, chats, current.raw_dir)
        except (UnknownFormatError, RuntimeError, ValueError) as error:
            context.log.warning(f"{path}: skipped by the sensor: {error}")
            continue
        for month in months:
            key = month_key(month)
            if key in valid_keys:
                files_by_month.setdefault(key, []).append(f"{name}@{new_cursor[name]}")
    context.update_cursor(json.dumps(new_cursor, sort_keys=True))
    if not files_by_month:
        return dg.SkipReason(f"{len(changed)} changed files hold no post of a registered chat")
    return [
        dg.RunRequest(run_key=f"{key}:{'|'.join(sorted(files))}", partition_key=key)
        for key, files in sorted(files_by_month.items())
    ]
