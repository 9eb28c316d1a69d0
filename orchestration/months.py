"""Which chat months an export file holds, told from its post times without loading it.

The raw-directory sensor asks this of every new or changed file, and `tweetchat run` without
`--month` of every file, so both request the same months. A reader with `post_times` reads
only the timestamps (a projection of a JSON file's `created_at`, a CSV's time column), in
bounded memory whatever the file's size; the registry's chat windows then decide the months.
A file of another format (Bluesky, Mastodon, a mapped spreadsheet, a pretty-printed document)
is loaded into a throwaway in-memory database when it is at most LOAD_BYTES, else refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from orchestration.ingest import FILE_ERRORS, export_files
from orchestration.readers import Reader, detect_format, formats_for, reader_for
from orchestration.readers.canonical import create_raw_tables
from orchestration.readers.json_records import head_records

# The scan's DuckDB memory; the process around it (Dagster's code server) is not counted.
SCAN_MEMORY = "512MB"
# The largest file of a format without a timestamp scan that is loaded to tell its months:
# loading holds several times the file in memory (issue 22: 3.3 GB for a 454 MB file).
LOAD_BYTES = 32 << 20
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


class MonthScanError(ValueError):
    """The months of a file could not be told; the message names the file and why."""


class MonthScanTimeout(MonthScanError):
    """Reading a file's post times took longer than it was given."""


# What makes a file's months unknowable, rather than a fault of this code.
SCAN_ERRORS = (MonthScanError, *FILE_ERRORS, OSError, UnicodeError)


def file_months(
    path: Path, chats: Iterable, raw_dir: Path | None = None, seconds: float | None = None
) -> list[date]:
    """Partition months (first days) of the chats whose windows the file's posts fall in.

    `raw_dir` applies its formats.yaml to the file; `seconds` bounds the scan (beyond it
    MonthScanTimeout). Raises one of SCAN_ERRORS when the file cannot be read.
    """
    with MonthScanner(chats, raw_dir) as scanner:
        return scanner.months(path, seconds)


class MonthScanner:
    """Tells the months of many files on one DuckDB connection with the chat windows made once.

    A connection, its settings and the windows table cost about 30 ms, five times the
    timestamp scan of a 900 KB export file (docs/benchmarks.md "The months of a folder"), so
    a folder of 1,000 files is scanned on one. A file of a format without a timestamp scan is
    loaded on a connection of its own, which is dropped with the file's posts.
    """

    def __init__(self, chats: Iterable, raw_dir: Path | None = None):
        self._chats = list(chats)
        self._raw_dir = raw_dir
        self._formats = None  # the folder's formats.yaml, read at the first file (see months)
        self._con = None

    def __enter__(self) -> MonthScanner:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def months(self, path: Path, seconds: float | None = None) -> list[date]:
        """As `file_months`, for one file."""
        if self._raw_dir is not None:
            # Read here, not when the scanner is made: a formats.yaml that cannot be read is
            # then one of the file's SCAN_ERRORS, reported for the file as before.
            if self._formats is None:
                self._formats = formats_for(self._raw_dir)
            reader = reader_for(path, path.relative_to(self._raw_dir).as_posix(), self._formats)
        else:
            reader = detect_format(path)
        if not _scans_times(reader, path):
            with _scan_connection(self._chats) as con:
                return _months_on(con, reader, path, seconds, scans=False)
        if self._con is None:
            self._con = _scan_connection(self._chats)
        return _months_on(self._con, reader, path, seconds, scans=True)


def _scan_connection(chats: list) -> duckdb.DuckDBPyConnection:
    """An in-memory connection for month scans, with the temp table of the chats' windows."""
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = '{SCAN_MEMORY}'")
        con.execute("set preserve_insertion_order = false")
        _chat_windows(con, chats)
    except BaseException:
        con.close()
        raise
    return con


def _months_on(con, reader: Reader, path: Path, seconds: float | None, scans: bool) -> list[date]:
    with _Deadline(con, seconds):
        try:
            times = _post_times(con, reader, path, scans)
            rows = con.execute(
                f"""
                select distinct w.month
                from ({times}) as t
                join chat_windows as w on t.created_at >= w.starts and t.created_at < w.ends
                order by w.month
                """
            ).fetchall()
        except duckdb.InterruptException:
            raise MonthScanTimeout(
                f"{path}: reading its post times took longer than {seconds:.0f} s"
            ) from None
        except duckdb.Error as error:
            raise MonthScanError(f"{path}: its post times could not be read: {error}") from error
    return [month for (month,) in rows]


class _Deadline:
    """Interrupts the connection's queries from `seconds` on until the block ends. An
    interrupt that comes between two queries is lost, so it is repeated."""

    def __init__(self, con, seconds: float | None):
        self._con, self._seconds = con, seconds
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._interrupt, daemon=True)

    def _interrupt(self):
        if self._done.wait(self._seconds):
            return
        while not self._done.is_set():
            self._con.interrupt()
            self._done.wait(0.01)

    def __enter__(self):
        if self._seconds is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._done.set()
        if self._seconds is not None:
            self._thread.join()


def _post_times(con, reader: Reader, path: Path, scans: bool) -> str:
    """SQL of the file's post times (column `created_at`): the reader's timestamp scan
    (`scans`), or the posts of the file loaded whole when it is small."""
    if scans:
        return reader.post_times(con, path)
    size = path.stat().st_size
    if size > LOAD_BYTES:
        raise MonthScanError(
            f"{path}: a {reader.format} file of {size / 2**20:,.0f} MB; without a timestamp "
            f"scan for its format its months are only read from files up to "
            f"{LOAD_BYTES / 2**20:.0f} MB. Build its months with `tweetchat run --month YYYY-MM`"
        )
    create_raw_tables(con)
    reader.load(con, path, path.name)
    return "select created_at from raw.posts where section = 'data' and created_at is not null"


def _scans_times(reader: Reader, path: Path) -> bool:
    """Whether the file's post times are read alone (a JSON file only when it is JSON lines)."""
    return reader.scans_times and (
        path.suffix.lower() not in JSON_SUFFIXES or bool(head_records(path)[0])
    )


def _chat_windows(con, chats: Iterable) -> None:
    """Temp table `chat_windows(month, starts, ends)`: each chat's window in UTC."""
    chats = list(chats)
    con.execute(
        """
        create or replace temp table chat_windows as
        select unnest(?::date[]) as month, unnest(?::timestamp[]) as starts,
               unnest(?::timestamp[]) as ends
        """,
        [
            [chat.month for chat in chats],
            [chat.window_start_utc for chat in chats],
            [chat.window_end_utc for chat in chats],
        ],
    )


def directory_months(raw_dir: Path, chats: Iterable) -> tuple[list[date], list[str]]:
    """The months of every export file of `raw_dir` (see `file_months`), and why each file
    whose months could not be told was not read."""
    chats = list(chats)
    months: set[date] = set()
    problems = []
    with MonthScanner(chats, raw_dir) as scanner:
        for path in export_files(raw_dir):
            try:
                months.update(scanner.months(path))
            except SCAN_ERRORS as error:
                problems.append(str(error))
    return sorted(months), problems
