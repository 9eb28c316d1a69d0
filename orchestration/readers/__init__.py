"""Export readers: one module a format, registered in READERS, detected from the file itself.

A reader is a module with FORMAT, PLATFORM, `sniff(head) -> bool | dict` (a `Head`: the first
parsed JSON records of the file, or its spreadsheet header) and
`load(con, path, source_file, **options) -> (posts, rejected)` that fills the raw tables of
`canonical.py`. A dict from `sniff` is passed to `load` as options (a spreadsheet's mapping).
A reader may also have `load_many(con, [(path, source_file), ...]) -> {source_file: (posts,
rejected)}`, which ingest uses to load many files of that format in one go (X v2 pages).
A reader may have `post_times(con, path) -> sql`: a query of the times of the posts `load`
would land as section 'data', reading only their timestamps, with which the sensor and
`tweetchat run` tell the months of a file without loading it (orchestration/months.py).
Adding a format means one module and one line in READERS; their order is the order of
detection (more specific formats first).

A format can be forced per file with `formats.yaml` in the raw directory (see `formats_for`).
"""

from __future__ import annotations

import csv
import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import yaml

from orchestration.readers import (
    bluesky,
    mastodon,
    spreadsheet,
    tags_csv,
    twarc_csv,
    x_v1,
    x_v2,
)
from orchestration.readers.json_records import head_records

READERS: dict[str, ModuleType] = {
    x_v2.FORMAT: x_v2,
    x_v1.FORMAT: x_v1,
    bluesky.FORMAT: bluesky,
    mastodon.FORMAT: mastodon,
    twarc_csv.FORMAT: twarc_csv,
    tags_csv.FORMAT: tags_csv,
    spreadsheet.FORMAT: spreadsheet,
}
SNIFF_RECORDS = 5
FORMATS_FILE = "formats.yaml"
XLSX_MAGIC = b"PK\x03\x04"


class UnknownFormatError(ValueError):
    """No reader recognised the file."""


@dataclass
class Head:
    """What detection sees of a file: its first JSON records, or its table header."""

    path: Path
    records: list = field(default_factory=list)
    columns: list[str] | None = None
    workbook: bool = False


@dataclass(frozen=True)
class Reader:
    """A reader chosen for a file, with the options detection or configuration gave it."""

    module: ModuleType
    options: tuple = ()

    @property
    def format(self) -> str:
        return self.module.FORMAT

    def load(self, con, path: Path, source_file: str) -> tuple[int, int]:
        return self.module.load(con, path, source_file, **dict(self.options))

    @property
    def loads_many(self) -> bool:
        """Whether the reader can load several files in one go (`load_many`)."""
        return hasattr(self.module, "load_many") and not self.options

    def load_many(self, con, files: list[tuple[Path, str]]) -> dict[str, tuple[int, int]]:
        return self.module.load_many(con, files)

    @property
    def scans_times(self) -> bool:
        """Whether the reader can read a file's post times alone (`post_times`)."""
        return hasattr(self.module, "post_times")

    def post_times(self, con, path: Path) -> str:
        return self.module.post_times(con, path)


def read_head(path: Path) -> Head:
    """The first records of a JSON file, or the header row of a CSV or XLSX file."""
    with path.open("rb") as handle:
        start = handle.read(4096)
    if start.startswith(XLSX_MAGIC):
        return Head(path, columns=spreadsheet.workbook_header(path), workbook=True)
    first = start.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        _, records = head_records(path, SNIFF_RECORDS)
        return Head(path, records=records)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle), None)
    return Head(path, columns=[name.strip() for name in header] if header else None)


def detect_format(path: Path, forced: str | None = None, options: dict | None = None) -> Reader:
    """The reader for `path`: `forced` when given, else the first whose sniff accepts the file."""
    if forced:
        if forced not in READERS:
            raise UnknownFormatError(
                f"{path}: format {forced!r} is not known; known formats: {sorted(READERS)}."
            )
        return Reader(READERS[forced], tuple(sorted((options or {}).items())))
    if path.stat().st_size == 0:
        raise UnknownFormatError(
            f"{path}: the file is empty; nothing to load. Remove it or re-export."
        )
    head = read_head(path)
    for module in READERS.values():
        accepted = module.sniff(head)
        if accepted:
            found = accepted if isinstance(accepted, dict) else {}
            return Reader(module, tuple(sorted(found.items())))
    tried = ", ".join(READERS)
    if head.columns is not None:
        seen = f"its header has the columns {head.columns[:30]}"
    elif head.records:
        seen = f"the first record starts {json.dumps(head.records[0])[:160]}"
    else:
        seen = "no JSON record or table header was found"
    raise UnknownFormatError(
        f"{path}: not a known export format (tried: {tried}); {seen}. Check the file, or "
        f"force a format for it in {FORMATS_FILE} of the raw directory (for a spreadsheet, "
        "with a column mapping: see docs/exports.md, 'Reading other spreadsheets')."
    )


def formats_for(raw_dir: Path) -> list[tuple[str, str, dict]]:
    """(glob, format, options) of `<raw_dir>/formats.yaml`, in file order.

    formats.yaml maps a glob of paths relative to the raw directory to a format name, or to
    {format: name, ...options}: `"binder/*.xlsx": {format: spreadsheet, mapping: tweet_binder}`.
    """
    config = raw_dir / FORMATS_FILE
    if not config.exists():
        return []
    try:
        entries = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UnknownFormatError(f"{config}: not valid YAML: {error}") from error
    if not isinstance(entries, dict):
        raise UnknownFormatError(
            f"{config}: expected a mapping of file globs to formats, got {type(entries).__name__}."
        )
    rules = []
    for pattern, value in entries.items():
        options = dict(value) if isinstance(value, dict) else {"format": value}
        fmt = options.pop("format", None)
        if fmt not in READERS:
            raise UnknownFormatError(
                f"{config}: {pattern!r}: format {fmt!r} is not known; known formats: "
                f"{sorted(READERS)}."
            )
        if "mapping" in options:
            mapping = Path(options["mapping"])
            if mapping.suffix in (".yaml", ".yml") and not mapping.is_absolute():
                options["mapping"] = str(raw_dir / mapping)
        rules.append((str(pattern), fmt, options))
    return rules


def reader_for(path: Path, source_file: str, rules: list[tuple[str, str, dict]]) -> Reader:
    """The reader formats.yaml forces for `source_file`, else the detected one."""
    for pattern, fmt, options in rules:
        if fnmatch.fnmatch(source_file, pattern):
            return detect_format(path, fmt, options)
    return detect_format(path)
