"""Export readers: one module a format, registered in READERS, detected from the file itself.

A reader is a module with FORMAT, PLATFORM, `sniff(records) -> bool` (the first parsed records
of the file) and `load(con, path, source_file) -> (posts, rejected)` that fills the raw tables
of `canonical.py`. Adding a format means one module and one line in READERS.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

from orchestration.readers import x_v2
from orchestration.readers.json_records import head_records

READERS: dict[str, ModuleType] = {
    x_v2.FORMAT: x_v2,
}
SNIFF_RECORDS = 5


class UnknownFormatError(ValueError):
    """No reader recognised the file."""


def detect_format(path: Path, forced: str | None = None) -> ModuleType:
    """The reader for `path`: `forced` when given, else the first whose sniff accepts the file."""
    if forced:
        if forced not in READERS:
            raise UnknownFormatError(
                f"{path}: format {forced!r} is not known; known formats: {sorted(READERS)}."
            )
        return READERS[forced]
    if path.stat().st_size == 0:
        raise UnknownFormatError(
            f"{path}: the file is empty; nothing to load. Remove it or re-export."
        )
    _, records = head_records(path, SNIFF_RECORDS)
    for reader in READERS.values():
        if reader.sniff(records):
            return reader
    tried = ", ".join(sorted(READERS))
    raise UnknownFormatError(
        f"{path}: not a known export format (tried: {tried}); the first record starts "
        f"{json.dumps(records[0])[:120] if records else '(no JSON record found)'}. "
        "Check the file, or force a format in the reader configuration."
    )
