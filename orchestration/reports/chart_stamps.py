"""Which charts are up to date: a digest of what each chart is drawn from, kept beside it.

A chart is drawn from rows of the marts that the report already loaded (its ChatReport's
frames and values). `charts.json` in the chart's folder records, per chart file, the digest
of those rows and whether a file was drawn; a chart whose digest is unchanged, and whose
file is still there, is not drawn again. The digest also covers the drawing code (the
chart modules' source and the matplotlib and wordcloud versions), so a change of style
redraws every chart. Counting stays in dbt: the digest hashes rows, it computes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from orchestration.stamps import write_atomically

STAMPS_FILE = "charts.json"


def _feed(hasher, value) -> None:
    if isinstance(value, pd.DataFrame):
        hasher.update(b"frame:")
        hasher.update(json.dumps([str(c) for c in value.columns]).encode())
        hasher.update(
            value.to_json(
                orient="values", date_format="iso", date_unit="ns", default_handler=str
            ).encode()
        )
    elif isinstance(value, (list, tuple)):
        hasher.update(b"[")
        for item in value:
            _feed(hasher, item)
            hasher.update(b",")
        hasher.update(b"]")
    elif isinstance(value, dict):
        hasher.update(b"{")
        for key in sorted(value, key=str):
            _feed(hasher, str(key))
            _feed(hasher, value[key])
        hasher.update(b"}")
    else:
        hasher.update(f"{type(value).__name__}:{value!r};".encode())


def digest(*values) -> str:
    """A SHA-256 of the values (frames, lists, dicts, scalars), stable across processes."""
    hasher = hashlib.sha256()
    _feed(hasher, values)
    return hasher.hexdigest()


def code_digest(modules, distributions, files=()) -> str:
    """The digest of the modules' source, other `files` and the installed versions of
    `distributions`: what made an output, so a change of it makes the output again."""
    sources = [Path(module.__file__).read_bytes() for module in modules]
    sources += [Path(path).read_bytes() for path in files]
    return digest(sources, *(version(name) for name in distributions))


@cache
def drawing_code() -> str:
    """The digest of the code that draws: a new style or library redraws every chart."""
    from orchestration.reports import charts, themes

    return code_digest((charts, themes), ("matplotlib", "wordcloud", "networkx", "pillow"))


@dataclass
class Chart:
    """One chart to have on disk: its file, the rows it is drawn from, and how to draw it
    (`draw()` returns the file, or None when there is nothing to draw)."""

    path: Path
    inputs: tuple
    draw: Callable[[], Path | None]


class Stamps:
    """The `charts.json` of one folder: which of its charts are drawn from which rows."""

    def __init__(self, folder: Path, reuse: bool = True):
        self.file = folder / STAMPS_FILE
        self.recorded: dict[str, dict] = {}
        if reuse and self.file.exists():
            try:
                stored = json.loads(self.file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = {}  # unreadable: every chart is drawn again
            if stored.get("code") == drawing_code():
                self.recorded = stored.get("charts", {})
        self.current: dict[str, dict] = {}
        self.drawn = 0

    def _fresh(self, chart: Chart, chart_digest: str) -> bool:
        recorded = self.recorded.get(chart.path.name)
        if recorded is None or recorded.get("digest") != chart_digest:
            return False
        return chart.path.exists() if recorded.get("drawn") else not chart.path.exists()

    def is_fresh(self, chart: Chart, chart_digest: str | None = None) -> bool:
        return self._fresh(chart, chart_digest or digest(*chart.inputs))

    def ensure(self, chart: Chart, chart_digest: str | None = None) -> Path | None:
        """The chart's file, drawn only when its rows changed since it was last drawn
        (`chart_digest`: the digest of its inputs, when the caller has it already)."""
        chart_digest = chart_digest or digest(*chart.inputs)
        if self._fresh(chart, chart_digest):
            path = chart.path if self.recorded[chart.path.name]["drawn"] else None
        else:
            path = chart.draw()
            self.drawn += 1
            if path is None:
                # Nothing to draw any more: a file drawn from older rows would be stale.
                chart.path.unlink(missing_ok=True)
        self.current[chart.path.name] = {"digest": chart_digest, "drawn": path is not None}
        return path

    def save(self) -> None:
        """Record the charts handled since opening, and only those: a chart the folder no
        longer has (a question or poll gone) loses its entry. Written only on a change."""
        stored = {"code": drawing_code(), "charts": dict(self.current)}
        if stored["charts"] == self.recorded and self.file.exists():
            return
        write_atomically(self.file, json.dumps(stored, indent=1, sort_keys=True).encode())
