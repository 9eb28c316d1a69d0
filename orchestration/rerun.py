"""Whether `tweetchat run` has anything to do: a fingerprint of what a run's output depends on.

The fingerprint covers the raw folder's files (path, size and modification time; the content
hash only of a file whose size or time changed, as ingest does; formats.yaml among them),
the chat registry, the themes file, the settings and options that change the output (the
pseudonym key as a hash), and the code: orchestration/, dbt_project/ and the installed
libraries' versions. A run that succeeds stores it, with the state it left the published
warehouse, the working database and the outputs in, in a file beside the published
warehouse. The next run whose fingerprint is the same, and which finds them as that run left
them, does nothing. A run that does build first removes the stored fingerprint, so a run that
fails leaves none and the run after it builds again.

The check imports neither Dagster nor dbt nor DuckDB nor pandas, so it answers in well under
a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import sysconfig
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.pseudonyms import load_key
from orchestration.settings import (
    DBT_PROJECT_DIR,
    ENV_PSEUDONYM_KEY,
    PROJECT_ROOT,
    Settings,
    environment_value,
    theme_model_folder,
)
from orchestration.stamps import file_sha256, file_stamp, write_atomically

# Bumped when the stored record's layout changes: an older record then never matches.
RECORD_VERSION = 1
CODE_FOLDERS = (PROJECT_ROOT / "orchestration", DBT_PROJECT_DIR)
# What dbt and Python write into the code folders: not code.
NOT_CODE = {"__pycache__", "target", "logs", "dbt_packages", ".user.yml"}
# Settings that do not change what a run makes.
NOT_OUTPUT = {"duckdb_memory", "pseudonym_key_set"}


def record_path(settings: Settings) -> Path:
    """Where the last successful run's fingerprint is kept: beside the published warehouse
    (hidden, so no reader takes it for a warehouse; never in the raw folder)."""
    published = settings.published_database
    return published.parent / f".{published.name}.last-run.json"


@dataclass
class Fingerprint:
    """What a run depends on: one digest of everything but the raw folder, and each raw
    file's [size, modified_at, sha256 or None]."""

    inputs: str
    raw_files: dict[str, list] = field(default_factory=dict)


def fingerprint(settings: Settings, job: str, month: str | None) -> Fingerprint:
    """The fingerprint of a run of `job` (the month given, or None) with `settings`.

    The raw files are only listed and stat-ed; their content hashes come from the working
    database after the run (`record_success`). Raises OSError when the raw folder or the
    registry is missing."""
    digest = hashlib.sha256()
    chosen = {k: v for k, v in settings.as_dict().items() if k not in NOT_OUTPUT}
    key = pseudonym_key_digest(settings) if settings.pseudonymise else None
    _add(digest, "run", [job, month, chosen, key])
    # The theme model a run would use (the variable, else models/ when present) and its files:
    # `make theme-model` after a run changes the themes, so it must not read as unchanged.
    model = theme_model_folder()
    model_files = sorted(Path(model).rglob("*")) if model and Path(model).is_dir() else []
    _add(digest, "theme_model", [model, [[p.name, *_stamp(p)] for p in model_files if p.is_file()]])
    _add(digest, "registry", file_sha256(settings.chats_file))
    themes = settings.themes_path
    _add(digest, "themes", file_sha256(themes) if themes.is_file() else None)
    for path in code_files():
        _add(digest, path.relative_to(PROJECT_ROOT).as_posix(), file_sha256(path))
    _add(digest, "libraries", installed_versions())
    raw_files = {name: [*_stamp(path), None] for name, path in raw_folder_files(settings.raw_dir)}
    return Fingerprint(digest.hexdigest(), raw_files)


def raw_folder_files(raw_dir: Path) -> list[tuple[str, Path]]:
    """Every file of the raw folder but hidden ones, as ingest sees the folder: the export
    files, and formats.yaml (any other file too: a change to it only costs a build)."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(raw_dir)
    files = []
    for directory, subdirectories, names in os.walk(raw_dir):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                path = Path(directory) / name
                files.append((path.relative_to(raw_dir).as_posix(), path))
    return files


def pseudonym_key_digest(settings: Settings) -> str:
    """A hash of the pseudonym key (a new key changes every pseudonym), never the key. A key
    file not made yet is made now, as the run would make it."""
    key = load_key(settings.published_database, environment_value(ENV_PSEUDONYM_KEY))
    return hashlib.sha256(b"tweetchat rerun fingerprint\0" + key).hexdigest()


def code_files() -> Iterator[Path]:
    """The project's code and dbt files, in a stable order."""
    for folder in CODE_FOLDERS:
        for directory, subdirectories, files in os.walk(folder):
            subdirectories[:] = sorted(d for d in subdirectories if d not in NOT_CODE)
            for name in sorted(files):
                if name not in NOT_CODE and not name.endswith(".pyc"):
                    yield Path(directory) / name


def installed_versions() -> list[str]:
    """Every installed distribution and its version (a library upgrade may change the
    output), from the names of site-packages' metadata folders (`dagster-1.13.0.dist-info`):
    reading each distribution's metadata would take a third of a second."""
    folders = {sysconfig.get_paths()[name] for name in ("purelib", "platlib")}
    return sorted(
        entry
        for folder in folders
        if os.path.isdir(folder)
        for entry in os.listdir(folder)
        if entry.endswith((".dist-info", ".egg-info"))
    )


def left_state(settings: Settings) -> dict:
    """The state a run leaves what it writes in: the published warehouse, the working
    database (and its write-ahead log), and every file of the output folder."""
    build = settings.build_database
    outputs = hashlib.sha256()
    if settings.out_dir.is_dir():
        for directory, subdirectories, files in os.walk(settings.out_dir):
            subdirectories.sort()
            for name in sorted(files):
                path = Path(directory) / name
                _add(outputs, path.relative_to(settings.out_dir).as_posix(), _stat(path))
    return {
        "published": _stat(settings.published_database),
        "build": _stat(build),
        "build_wal": _stat(build.with_name(build.name + ".wal")),
        "outputs": outputs.hexdigest() if settings.out_dir.is_dir() else None,
    }


@dataclass
class Unchanged:
    """The last successful run had the same fingerprint and left everything as it is."""

    finished_at: str


def unchanged_since_last_run(settings: Settings, current: Fingerprint) -> Unchanged | None:
    """Unchanged when the stored record's fingerprint equals `current` and the warehouse and
    outputs are as its run left them; else None. An export file touched without a change
    (same content hash) counts as unchanged, and its new stamp is remembered."""
    record = read_record(settings)
    if record is None or record.get("inputs") != current.inputs:
        return None
    if record.get("left") != left_state(settings) or record["left"]["published"] is None:
        return None
    stored = record.get("raw_files", {})
    if stored.keys() != current.raw_files.keys():
        return None
    touched = False
    for name, (size, modified_at, _) in current.raw_files.items():
        known_size, known_modified_at, sha = stored[name]
        if (size, modified_at) == (known_size, known_modified_at):
            continue
        if sha is None or file_sha256(settings.raw_dir / name) != sha:
            return None
        stored[name] = [size, modified_at, sha]
        touched = True
    if touched:
        write_atomically(record_path(settings), _json(record))
    return Unchanged(record.get("finished_at", "unknown time"))


def forget_last_run(settings: Settings) -> None:
    """Remove the stored fingerprint before a run builds: if it fails, none is left."""
    record_path(settings).unlink(missing_ok=True)


def record_success(settings: Settings, before: Fingerprint) -> Path:
    """Store `before` (the fingerprint taken as the run started) with what the run left.

    Each export file's content hash is the one ingest recorded in the working database's
    raw.loaded_files for the same size and time; a file changed during the run gets none,
    so the next run hashes it and finds it changed."""
    from orchestration.warehouse import connect

    loaded: dict[str, tuple] = {}
    if settings.build_database.exists():
        with connect(settings.build_database, read_only=True) as con:
            loaded = {
                path: (size, modified_at, sha)
                for path, size, modified_at, sha in con.execute(
                    "select path, bytes, file_modified_at, sha256 from raw.loaded_files"
                ).fetchall()
            }
    raw_files = {}
    for name, (size, modified_at, _) in before.raw_files.items():
        known = loaded.get(name)
        same = known is not None and (known[0], _iso(known[1])) == (size, modified_at)
        raw_files[name] = [size, modified_at, known[2] if same else None]
    record = {
        "version": RECORD_VERSION,
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "inputs": before.inputs,
        "raw_files": raw_files,
        "left": left_state(settings),
    }
    path = record_path(settings)
    write_atomically(path, _json(record))
    return path


def read_record(settings: Settings) -> dict | None:
    """The stored record, or None when there is none or it cannot be used."""
    try:
        record = json.loads(record_path(settings).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return None
    return record


def _stamp(path: Path) -> tuple[int, str]:
    """Size and modification time as ingest records them (raw.loaded_files)."""
    size, modified_at = file_stamp(path)
    return size, _iso(modified_at)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _stat(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _add(digest, name: str, value) -> None:
    digest.update(json.dumps([name, value], sort_keys=True, default=str).encode("utf-8"))
    digest.update(b"\n")


def _json(record: dict) -> bytes:
    return json.dumps(record, indent=1).encode("utf-8")


def build_unless_unchanged(
    settings: Settings, job: str, month: str | None, force: bool, build: Callable[[], int]
) -> int:
    """`tweetchat run`: call `build` (the run; its exit status) unless nothing changed since
    the last successful run (then one line says so, and 0); store the fingerprint when the
    build succeeds."""
    try:
        current = fingerprint(settings, job, month)
    except OSError:
        # A missing raw folder or registry: the run says what is wrong.
        current = None
    if current is not None and not force:
        unchanged = unchanged_since_last_run(settings, current)
        if unchanged is not None:
            print(
                f"tweetchat run: nothing changed since the run of {unchanged.finished_at}: "
                "warehouse and reports left as they are; --force to rebuild",
                file=sys.stderr,
            )
            return 0
    forget_last_run(settings)
    status = build()
    if status == 0 and current is not None:
        record_success(settings, current)
    return status
