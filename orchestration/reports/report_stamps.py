"""Which chat reports are up to date: a digest of what they are written from, kept beside them.

A chat's report.html, report.docx and report.md are written from its ChatReport (after
pseudonymising), its chart files and the link to the run's quality page, by the rendering
code. `reports.json` in the chat's folder records the digest of all of these; a chat whose
digest is unchanged, and whose three files are still there, keeps its files as they are
(their "generated" time then stays the time they were written from these rows).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from functools import cache
from pathlib import Path

from orchestration.reports.chart_stamps import code_digest, digest
from orchestration.reports.content import ChatReport
from orchestration.reports.render import ChartFiles, write_docx, write_html, write_markdown
from orchestration.stamps import write_atomically

STAMP_FILE = "reports.json"
REPORT_FILES = ("report.html", "report.docx", "report.md")


@cache
def rendering_code() -> str:
    """The digest of the code and templates that write a report: a change rewrites them all."""
    from orchestration import markdown
    from orchestration.reports import content, docx_layout, render, themes, transcript

    modules = (markdown, content, docx_layout, render, themes, transcript)
    templates = sorted((Path(render.__file__).parent / "templates").glob("*.j2"))
    return code_digest(modules, ("jinja2", "python-docx"), templates)


def _values(item) -> list:
    """A dataclass's fields as plain values (its frames whole: repr would cut them short)."""
    return [(f.name, getattr(item, f.name)) for f in fields(item)]


def _chart_digests(charts: ChartFiles) -> list:
    """Each chart file's SHA-256 (None where the chart is not drawn), by field."""

    def of(value):
        if isinstance(value, list):
            return [of(item) for item in value]
        if isinstance(value, dict):
            return {key: of(item) for key, item in value.items()}
        return None if value is None else hashlib.sha256(Path(value).read_bytes()).hexdigest()

    return [(name, of(value)) for name, value in _values(charts) if name != "drawn"]


def content_digest(report: ChatReport) -> str:
    """The digest of a chat's report content: every field, every frame whole."""
    return digest(
        [
            (name, [_values(q) for q in value] if name == "questions" else value)
            for name, value in _values(report)
        ]
    )


def report_digest(report: ChatReport, charts: ChartFiles, quality_page: str | None) -> str:
    """The digest of everything the chat's report files are written from."""
    return digest(rendering_code(), content_digest(report), _chart_digests(charts), quality_page)


def write_reports(
    report: ChatReport, charts: ChartFiles, chat_dir: Path, quality_page: str | None
) -> tuple[list[Path], bool]:
    """The chat's three report files, and whether they were written (False: kept as they
    were, written before from the same content, charts and code)."""
    paths = [chat_dir / name for name in REPORT_FILES]
    stamp = chat_dir / STAMP_FILE
    current = report_digest(report, charts, quality_page)
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8")).get("digest")
    except (OSError, ValueError):
        recorded = None  # none or unreadable: the files are written
    if recorded == current and all(path.exists() for path in paths):
        return paths, False
    chat_dir.mkdir(parents=True, exist_ok=True)
    # The stamp goes first: a run killed mid-way leaves a digest that matches no file set.
    stamp.unlink(missing_ok=True)
    write_html(report, charts, paths[0], quality_page)
    write_docx(report, charts, paths[1], quality_page)
    write_markdown(report, charts, paths[2], quality_page)
    write_atomically(stamp, (json.dumps({"digest": current}) + "\n").encode())
    return paths, True
