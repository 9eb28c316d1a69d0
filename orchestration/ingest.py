"""Loads the export files of a raw directory into the raw tables, once per file content.

A file is loaded in one transaction, alone or in a batch of files of the same format: its
previous rows (if its content changed) are replaced, and `raw.loaded_files` records its
sha256 so an unchanged file is never read twice.
Raw files are only read, never written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.progress import ingest_line
from orchestration.readers import (
    FORMATS_FILE,
    Reader,
    UnknownFormatError,
    formats_for,
    reader_for,
)
from orchestration.readers.canonical import PER_FILE_TABLES, create_raw_tables
from orchestration.readers.csv_records import MissingColumnsError
from orchestration.readers.spreadsheet import MappingError
from orchestration.settings import DEFAULT_DUCKDB_MEMORY, memory_size
from orchestration.stamps import file_sha256, file_stamp
from orchestration.warehouse import insert_many

EXPORT_SUFFIXES = {".json", ".jsonl", ".ndjson", ".csv", ".xlsx"}
# A file that cannot be read as a whole: it is recorded as unreadable, with this reason,
# and the rest of the directory loads.
FILE_ERRORS = (UnknownFormatError, MissingColumnsError, MappingError)
# How much of the export files that load together (X v2 pages) one transaction reads: large
# enough that the per-statement cost disappears, small enough to stay in memory.
BATCH_BYTES = 256 << 20


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


def limit_memory(con, limit: str = DEFAULT_DUCKDB_MEMORY) -> str:
    """Cap DuckDB's memory for ingest (the setting TWEETCHAT_DUCKDB_MEMORY, default 2GB).

    Above the cap DuckDB spills to a temporary directory beside the database instead of
    holding a large export in memory.
    """
    con.execute(f"set memory_limit = '{memory_size(limit)}'")
    return limit


@dataclass
class _ChangedFile:
    """A new or changed export file, and what ingest knows of it before reading it."""

    path: Path
    source_file: str
    sha256: str
    size: int
    modified_at: datetime
    duplicate_of: str | None


def load_directory(
    con,
    raw_dir: Path,
    log: Callable[[str], None] = lambda message: None,
    memory_limit: str = DEFAULT_DUCKDB_MEMORY,
) -> IngestSummary:
    """Load every new or changed export file of `raw_dir`.

    Files a reader can load together (X v2 pages) are loaded in batches of about
    BATCH_BYTES, one transaction a batch; other files one transaction each. A batch that
    fails is loaded again file by file, so an error names its file.
    """
    limit_memory(con, memory_limit)
    create_raw_tables(con)
    summary = IngestSummary()
    files = export_files(raw_dir)
    rules = formats_for(raw_dir)
    if rules:
        log(f"{FORMATS_FILE}: {len(rules)} rule(s) force the format of matching files")
    changed = _changed_files(con, raw_dir, files, summary)
    log(
        f"{len(files)} export files: {len(changed)} new or changed, "
        f"{len(summary.skipped)} unchanged"
    )
    done, bytes_done = 0, 0
    bytes_total = sum(file.size for file in changed)
    log(ingest_line(done, len(changed), bytes_done, bytes_total))
    for group in _load_groups(changed, rules):
        first, reader, problem = group[0]
        if reader is not None and reader.loads_many:
            megabytes = sum(file.size for file, _, _ in group) / 2**20
            log(
                f"[{done + 1}-{done + len(group)}/{len(changed)}] loading {len(group)} "
                f"{reader.format} files ({megabytes:,.0f} MB) together"
            )
            _load_together(con, [file for file, _, _ in group], reader, summary, log)
        else:
            log(f"[{done + 1}/{len(changed)}] loading {first.source_file}")
            _load_file(con, first, reader, problem, summary)
        done += len(group)
        bytes_done += sum(file.size for file, _, _ in group)
        log(ingest_line(done, len(changed), bytes_done, bytes_total))
    return summary


def _load_groups(
    changed: list[_ChangedFile], rules
) -> Iterator[list[tuple[_ChangedFile, Reader | None, str | None]]]:
    """What each transaction loads, in file order: (file, reader, why it cannot be read).

    A run of files whose reader loads many at once is one group of up to about BATCH_BYTES;
    any other file is a group of its own (a duplicate has no reader: only its row is kept).
    """
    batch: list[tuple[_ChangedFile, Reader | None, str | None]] = []
    batch_bytes = 0
    for file in changed:
        reader, problem = None, None
        if file.duplicate_of is None:
            try:
                reader = reader_for(file.path, file.source_file, rules)
            except FILE_ERRORS as error:
                problem = str(error)
        if reader is None or not reader.loads_many:
            yield [(file, reader, problem)]
            continue
        if batch and batch[0][1] != reader:
            yield batch
            batch, batch_bytes = [], 0
        batch.append((file, reader, None))
        batch_bytes += file.size
        if batch_bytes >= BATCH_BYTES:
            yield batch
            batch, batch_bytes = [], 0
    if batch:
        yield batch


def _changed_files(con, raw_dir: Path, files: list[Path], summary) -> list[_ChangedFile]:
    """The files to load: new, or changed since they were loaded. Unchanged files go to
    `summary.skipped`; a file touched but not changed gets its new stamp recorded."""
    loaded = {
        path: (size, modified_at, sha)
        for path, size, modified_at, sha in con.execute(
            "select path, bytes, file_modified_at, sha256 from raw.loaded_files"
        ).fetchall()
    }
    paths_by_sha: dict[str, str] = {}
    for path, (_, _, sha) in sorted(loaded.items()):
        paths_by_sha.setdefault(sha, path)
    changed = []
    for path in files:
        source_file = path.relative_to(raw_dir).as_posix()
        size, modified_at = file_stamp(path)
        known = loaded.get(source_file)
        # Same size and modification time as when loaded: not re-read just to hash it again.
        if known and known[:2] == (size, modified_at):
            summary.skipped.append(source_file)
            continue
        sha = file_sha256(path)
        if known and known[2] == sha:
            # Touched, not changed: remember the new stamp so the next run need not hash it.
            con.execute(
                "update raw.loaded_files set bytes = ?, file_modified_at = ? where path = ?",
                [size, modified_at, source_file],
            )
            summary.skipped.append(source_file)
            continue
        original = paths_by_sha.setdefault(sha, source_file)
        duplicate_of = None if original == source_file else original
        changed.append(_ChangedFile(path, source_file, sha, size, modified_at, duplicate_of))
    return changed


def _load_together(con, files: list[_ChangedFile], reader: Reader, summary, log) -> None:
    """Load files of one reader in one transaction; on failure, file by file (so an error
    that is a file's own names that file, and the other files still load)."""
    con.execute("begin transaction")
    try:
        _forget_files(con, [file.source_file for file in files])
        landed = reader.load_many(con, [(file.path, file.source_file) for file in files])
        _record_files(con, [(file, reader.format, *landed[file.source_file]) for file in files])
        con.execute("commit")
    except Exception as error:
        con.execute("rollback")
        log(f"loading {len(files)} files together failed ({error}); loading them one by one")
        for file in files:
            _load_file(con, file, reader, None, summary)
        return
    for file in files:
        posts, rejected = landed[file.source_file]
        summary.posts += posts
        summary.rejected += rejected
        summary.loaded.append(file.source_file)


def _load_file(con, file: _ChangedFile, reader: Reader | None, problem: str | None, summary):
    """Load one file in its own transaction (or record why it cannot be read)."""
    posts, rejected = 0, 0
    con.execute("begin transaction")
    try:
        _forget_files(con, [file.source_file])
        if reader is not None:
            try:
                posts, rejected = reader.load(con, file.path, file.source_file)
            except FILE_ERRORS as error:
                problem = str(error)
        if problem is not None:
            # Nothing of a file that cannot be read lands but the reason why.
            con.execute("rollback")
            con.execute("begin transaction")
            _forget_files(con, [file.source_file])
            posts, rejected = 0, 1
            con.execute(
                "insert into raw.rejected_records values (?, null, null, ?, null, now())",
                [file.source_file, problem],
            )
        _record_files(con, [(file, reader and reader.format, posts, rejected)])
        con.execute("commit")
    except Exception as error:
        con.execute("rollback")
        raise RuntimeError(f"{file.path}: could not be loaded: {error}") from error
    summary.posts += posts
    summary.rejected += rejected
    (summary.unreadable if problem is not None else summary.loaded).append(file.source_file)


def _record_files(con, loaded: list[tuple[_ChangedFile, str | None, int, int]]) -> None:
    """raw.loaded_files rows for (file, format, posts, rejected), in one statement."""
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    insert_many(
        con,
        "raw.loaded_files",
        [
            (f.source_file, f.sha256, fmt, posts, rejected, f.size, f.modified_at, loaded_at,
             f.duplicate_of)
            for f, fmt, posts, rejected in loaded
        ],
    )  # fmt: skip


def _forget_files(con, source_files: list[str]) -> None:
    for table in (*PER_FILE_TABLES, "rejected_records", "loaded_files"):
        column = "path" if table == "loaded_files" else "source_file"
        con.execute(f"delete from raw.{table} where {column} in (select unnest(?))", [source_files])
