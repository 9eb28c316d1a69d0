"""How a file is told unchanged: its size and modification time, and its content hash.

Ingest (raw.loaded_files) and the rerun check (orchestration/rerun.py) both use them; this
module imports nothing heavy, so `tweetchat run` can tell that nothing changed quickly.
"""

from __future__ import annotations

import hashlib
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
