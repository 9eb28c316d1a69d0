"""Loads the export files of a raw directory into the raw tables, once per file content.

A file is loaded in one transaction: its previous rows (if its content changed) are replaced,
and `raw.loaded_files` records its sha256 so an unchanged file is never read twice.
Raw files are only read, never written.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.readers import (
    FORMATS_FILE,
    UnknownFormatError,
    detect_format,
    formats_for,
    reader_for,
)
from orchestration.readers.canonical import PER_FILE_TABLES, create_raw_tables
from orchestration.readers.csv_records import MissingColumnsError
from orchestration.readers.spreadsheet import MappingError
from orchestration.settings import DEFAULT_DUCKDB_MEMORY, ENV_DUCKDB_MEMORY

EXPORT_SUFFIXES = {".json", ".jsonl", ".ndjson", ".csv", ".xlsx"}
# A file that cannot be read as a whole: it is recorded as unreadable, with this reason,
# and the rest of the directory loads.
FILE_ERRORS = (UnknownFormatError, MissingColumnsError, MappingError)
HASH_CHUNK = 1 << 20


@dataclass
class IngestSummary:
    loaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    posts: int = 0
    rejected: int = 0

    def as_metadata(self) -> dict:
        return {
            "files_loaded": len(self.loaded),
            "files_unchanged": len(self.skipped),
            "files_unreadable": len(self.unreadable),
            "posts_landed": self.posts,
            "records_rejected": self.rejected,
        }


def export_files(raw_dir: Path) -> list[Path]:
    """Export files below `raw_dir`, in a stable order; hidden files are left alone."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(
            f"{raw_dir}: raw export directory not found; pass --raw or set TWEETCHAT_RAW."
        )
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() in EXPORT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_stamp(path: Path) -> tuple[int, datetime]:
    """Size and modification time (UTC) of a file."""
    stat = path.stat()
    return stat.st_size, datetime.fromtimestamp(stat.st_mtime, tz=UTC).replace(tzinfo=None)


MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def limit_memory(con) -> str:
    """Cap DuckDB's memory for ingest (TWEETCHAT_DUCKDB_MEMORY, default 2GB).

    Above the cap DuckDB spills to a temporary directory beside the database instead of
    holding a large export in memory.
    """
    limit = os.environ.get(ENV_DUCKDB_MEMORY, "").strip() or DEFAULT_DUCKDB_MEMORY
    if not MEMORY_SIZE.match(limit):
        raise ValueError(
            f"{ENV_DUCKDB_MEMORY}={limit!r} is not a memory size; "
            "set it like 2GB, 512MB or 4GiB (or unset it for the default "
            f"{DEFAULT_DUCKDB_MEMORY})"
        )
    con.execute(f"set memory_limit = '{limit}'")
    return limit


def load_directory(
    con, raw_dir: Path, log: Callable[[str], None] = lambda message: None
) -> IngestSummary:
    """Load every new or changed export file of `raw_dir`."""
    limit_memory(con)
    create_raw_tables(con)
    summary = IngestSummary()
    files = export_files(raw_dir)
    rules = formats_for(raw_dir)
    if rules:
        log(f"{FORMATS_FILE}: {len(rules)} rule(s) force the format of matching files")
    for number, path in enumerate(files, start=1):
        source_file = path.relative_to(raw_dir).as_posix()
        size, modified_at = file_stamp(path)
        # Same size and modification time as when loaded: not re-read just to hash it again.
        if con.execute(
            "select 1 from raw.loaded_files where path = ? and bytes = ? and file_modified_at = ?",
            [source_file, size, modified_at],
        ).fetchone():
            summary.skipped.append(source_file)
            continue
        sha = file_sha256(path)
        known = con.execute(
            "select path from raw.loaded_files where sha256 = ? order by path = ? desc limit 1",
            [sha, source_file],
        ).fetchone()
        if known and known[0] == source_file:
            # Touched, not changed: remember the new stamp so the next run need not hash it.
            con.execute(
                "update raw.loaded_files set bytes = ?, file_modified_at = ? where path = ?",
                [size, modified_at, source_file],
            )
            summary.skipped.append(source_file)
            continue
        log(f"[{number}/{len(files)}] loading {source_file}")
        posts, rejected, unreadable = _load_file(
            con, path, source_file, sha, size, modified_at, known and known[0], rules
        )
        summary.posts += posts
        summary.rejected += rejected
        (summary.unreadable if unreadable else summary.loaded).append(source_file)
    return summary


def _load_file(con, path, source_file, sha, size, modified_at, duplicate_of, rules):
    fmt, posts, rejected, problem = None, 0, 0, None
    con.execute("begin transaction")
    try:
        _forget_file(con, source_file)
        if duplicate_of is None:
            try:
                reader = reader_for(path, source_file, rules)
                fmt = reader.format
                posts, rejected = reader.load(con, path, source_file)
            except FILE_ERRORS as error:
                problem = str(error)
        if problem is not None:
            # Nothing of a file that cannot be read lands but the reason why.
            con.execute("rollback")
            con.execute("begin transaction")
            _forget_file(con, source_file)
            posts, rejected = 0, 1
            con.execute(
                "insert into raw.rejected_records values (?, null, null, ?, null, now())",
                [source_file, problem],
            )
        con.execute(
            "insert into raw.loaded_files values (?, ?, ?, ?, ?, ?, ?, now(), ?)",
            [source_file, sha, fmt, posts, rejected, size, modified_at, duplicate_of],
        )
        con.execute("commit")
    except Exception as error:
        con.execute("rollback")
        raise RuntimeError(f"{path}: could not be loaded: {error}") from error
    return posts, rejected, problem is not None


def _forget_file(con, source_file: str) -> None:
    for table in (*PER_FILE_TABLES, "rejected_records", "loaded_files"):
        column = "path" if table == "loaded_files" else "source_file"
        con.execute(f"delete from raw.{table} where {column} = ?", [source_file])


def file_months(path: Path, chats, raw_dir: Path | None = None) -> list:
    """Partition months of the chats whose windows the file's posts fall in.

    Reads the file with its reader into a throwaway in-memory database, so the sensor sees
    exactly what ingest would load.
    """
    import duckdb

    if raw_dir is not None:
        reader = reader_for(path, path.relative_to(raw_dir).as_posix(), formats_for(raw_dir))
    else:
        reader = detect_format(path)
    with duckdb.connect() as con:
        create_raw_tables(con)
        reader.load(con, path, path.name)
        times = [
            row[0]
            for row in con.execute(
                "select distinct created_at from raw.posts "
                "where section = 'data' and created_at is not null"
            ).fetchall()
        ]
    months = {
        chat.month
        for chat in chats
        if any(chat.window_start_utc <= moment < chat.window_end_utc for moment in times)
    }
    return sorted(months)
