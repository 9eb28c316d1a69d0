"""The DuckDB files: the working database runs write, and the published copy analysts read.

DuckDB allows one writing process per file and a writer blocks readers, so runs write only
the working database (short connections) and publish it whole: copy to a temporary file
beside the published one, then `os.replace`, which readers see as one atomic switch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.readers.canonical import replace_registry_tables
from orchestration.registry import Registry


@contextmanager
def connect(database: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(database), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise RuntimeError(
                f"{database}: another process is writing this warehouse ({error}). "
                "Wait for its run to finish; only one run writes at a time."
            ) from error
        raise
    try:
        yield con
    finally:
        con.close()


def insert_many(con, table: str, rows: Sequence[Sequence]) -> None:
    """Insert rows (tuples in the table's column order) in one statement: a list a column,
    unnested together. executemany costs a statement a row."""
    if rows:
        columns = [list(column) for column in zip(*rows, strict=True)]
        con.execute(
            f"insert into {table} select {', '.join('unnest(?)' for _ in columns)}", columns
        )


def write_registry(con, registry: Registry) -> int:
    """Replace the registry tables (raw.chats and friends) with `registry`."""
    replace_registry_tables(con)
    chats = registry.chats
    insert_many(
        con,
        "raw.chats",
        [
            (c.id, c.title, c.timezone, c.starts_local, c.starts_utc, c.duration_minutes,
             c.window_hours_before, c.window_hours_after, str(registry.path))
            for c in chats
        ],
    )  # fmt: skip
    insert_many(con, "raw.chat_hashtags", [(c.id, tag) for c in chats for tag in c.hashtags])
    insert_many(con, "raw.chat_hosts", [(c.id, host) for c in chats for host in c.hosts])
    insert_many(
        con,
        "raw.chat_questions",
        [
            (c.id, q.id, position, q.text)
            for c in chats
            for position, q in enumerate(c.questions, start=1)
        ],
    )
    insert_many(
        con,
        "raw.chat_published",
        [(c.id, measure, value) for c in chats for measure, value in c.published.items()],
    )
    return len(registry.chats)


def publish(build_database: Path, warehouse: Path) -> int:
    """Atomically replace the published warehouse with a copy of the build database."""
    # A checkpoint folds the write-ahead log into the file, so the copy is complete.
    with connect(build_database) as con:
        con.execute("checkpoint")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # A run killed while copying leaves its partial copy; runs publish one at a time.
    for stale in warehouse.parent.glob(f".{warehouse.name}.*.publishing"):
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{warehouse.name}.", suffix=".publishing", dir=warehouse.parent
    )
    os.close(handle)
    try:
        shutil.copyfile(build_database, temporary)
        # mkstemp makes the file private (0600); analysts get the build file's permissions.
        shutil.copymode(build_database, temporary)
        os.replace(temporary, warehouse)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return warehouse.stat().st_size
