"""The DuckDB files: the working database runs write, and the published copy analysts read.

DuckDB allows one writing process per file and a writer blocks readers, so runs write only
the working database (short connections) and publish it whole: copy to a temporary file
beside the published one, then `os.replace`, which readers see as one atomic switch.
"""

from __future__ import annotations

import json
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


def has_table(con, schema: str, table: str) -> bool:
    """Whether the database holds `schema.table` (a table or a view)."""
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


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


def publish(build_database: Path, warehouse: Path) -> bool:
    """Atomically replace the published warehouse with a copy of the build database; False
    when the published copy is already the build database as it is (nothing copied)."""
    # A checkpoint folds the write-ahead log into the file, so the copy is complete. On an
    # unchanged database it writes nothing, so the file's stamp stays as it was.
    with connect(build_database) as con:
        con.execute("checkpoint")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    marker = warehouse.with_name(f".{warehouse.name}.published-from.json")
    state = _copy_state(build_database, warehouse)
    if state is not None and state == _read_json(marker):
        return False
    marker.unlink(missing_ok=True)
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
    # What was copied, and the copy: while both stay so, publishing again would copy the
    # same bytes. Any write to the build database changes its modification time.
    marker.write_text(json.dumps(_copy_state(build_database, warehouse)))
    return True


def _copy_state(build_database: Path, warehouse: Path) -> dict | None:
    """Size, modification time and inode of both files (None when one is missing)."""
    try:
        files = [path.stat() for path in (build_database, warehouse)]
    except FileNotFoundError:
        return None
    return {
        name: [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        for name, stat in zip(("build", "published"), files, strict=True)
    }


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
