"""How a file is told unchanged (its size and modification time, and its content hash), and
how a small state file is written whole or not at all.

Ingest (raw.loaded_files) and the rerun check (orchestration/rerun.py) both use them; this
module imports nothing heavy, so `tweetchat run` can tell that nothing changed quickly.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

HASH_CHUNK = 1 << 20


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


def write_atomically(path: Path, data: bytes) -> None:
    """`data` in `path`, written beside it and renamed over it: a reader (or a run killed
    meanwhile) finds the old file or the new one, never part of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
