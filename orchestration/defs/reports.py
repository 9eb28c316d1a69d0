"""Charts and the chat reports as Dagster assets, downstream of the checked marts.

Both read the working database read-only and write under --out: `<chat_id>/` per chat
(charts, report.html, report.docx, report.md) and `series/` for the whole series. They
are downstream of the blocking checks, so a failed count stops them.
"""

import base64
import io
import os
from functools import partial
from pathlib import Path

import dagster as dg

from orchestration import markdown
from orchestration.defs.network import CENTRALITY_KEY
from orchestration.defs.partitions import dbt_vars, monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.progress import chats_line
from orchestration.pseudonyms import Pseudonymiser, load_key
from orchestration.reports import draw_charts_of_chats, existing_charts
from orchestration.reports.chart_stamps import Chart, Stamps
from orchestration.reports.charts import series_chart
from orchestration.reports.content import (
    SERIES_CHART_CHATS,
    chat_ids,
    load_series,
    load_series_summary,
    pseudonymised,
)
from orchestration.reports.loading import load_chat_reports
from orchestration.reports.quality_page import validated_run, write_run_page
from orchestration.reports.report_stamps import write_reports
from orchestration.warehouse import connect

CHARTS_KEY = dg.AssetKey(["reports", "charts"])
REPORTS_KEY = dg.AssetKey(["reports", "chat_reports"])
MARTS_READ = [
    dg.AssetKey(["marts", name])
    for name in (
        "posts",
        "chat_activity",
        "monthly_activity",
        "series_summary",
        "question_responses",
        "question_keywords",
        "poll_results",
        "participants",
        "shared_links",
        "interactions",
        "network_summary",
        "activity_timeline",
        "question_themes",
        "theme_responses",
    )
]


def thumbnail(path: Path, width: int = 420) -> str:
    """A small PNG of a chart as Markdown with a data URI, for the UI's metadata panel."""
    from PIL import Image

    with Image.open(path) as image:
        ratio = width / image.width
        small = image.convert("RGB").resize((width, int(image.height * ratio)))
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"![{markdown.escape(path.stem)}](data:image/png;base64,{encoded})"


def load_reports(con, settings: SettingsResource, chats, run_id=None):
    """The chats' report content, pseudonymised when the settings say so, and the
    (chat, handle, pseudonym) rows of the accounts that were replaced."""
    # One query per mart table for every chat of the run (reports/loading.py).
    reports = load_chat_reports(con, chats, run_id=run_id)
    if not settings.pseudonymise:
        return reports, []
    key = load_key(Path(settings.published_database), settings.pseudonym_key)
    mapping = []
    for report in reports:
        pseudonymiser = Pseudonymiser(key, report.hosts)
        mapping += [
            (report.chat_id, name, pseudonymiser.handle(name))
            for name in report.participants["username"]
            if pseudonymiser.handle(name) != name
        ]
        pseudonymised(report, pseudonymiser)
    return reports, mapping


def keep_pseudonym_map(settings: SettingsResource, mapping) -> bool:
    """Store handle -> pseudonym in audit.pseudonyms, only where TWEETCHAT_PSEUDONYM_MAP=1."""
    if not mapping or not settings.keep_pseudonym_map:
        return False
    with connect(settings.build_database) as con:
        con.execute("create schema if not exists audit")
        con.execute(
            "create table if not exists audit.pseudonyms "
            "(chat_id varchar, username varchar, pseudonym varchar)"
        )
        con.executemany(
            "delete from audit.pseudonyms where chat_id = ? and username = ?",
            [(chat_id, name) for chat_id, name, _ in mapping],
        )
        con.executemany("insert into audit.pseudonyms values (?, ?, ?)", mapping)
    return True


def _months(context) -> tuple[str, str]:
    months = dbt_vars(context.partition_time_window.start, context.partition_time_window.end)
    return months["month_start"], months["month_end"]


def _key_figures(reports) -> str:
    rows = []
    for report in reports:
        window = report.activity.get("window", {})
        hour = report.activity.get("hour", {})
        rows.append(
            (
                report.chat_id,
                window.get("contributors"),
                window.get("originals"),
                window.get("retweets"),
                hour.get("posts"),
                len(report.questions),
                len(report.polls),
            )
        )
    return markdown.table(
        [
            "chat",
            "contributors",
            "originals",
            "retweets",
            "posts in the hour",
            "questions",
            "polls",
        ],
        rows,
    )


@dg.asset(
    key=CHARTS_KEY,
    group_name="reports",
    kinds={"python", "matplotlib"},
    deps=[*MARTS_READ, CENTRALITY_KEY],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="Every chart of each chat of the months (PNG in <out>/<chat_id>/) and "
    "the monthly series chart (<out>/series/); a chart whose rows did not change since it "
    "was drawn (charts.json beside it) is kept as it is.",
)
def charts(context: dg.AssetExecutionContext, settings: SettingsResource) -> dg.MaterializeResult:
    out_dir = settings.out_dir_path
    month_start, month_end = _months(context)
    with connect(settings.build_database, read_only=True) as con:
        reports, _ = load_reports(con, settings, chat_ids(con, month_start, month_end))
        # The series as built (its latest chats), whichever months this run rebuilt.
        series = load_series(con, latest=SERIES_CHART_CHATS)
        series_summary = load_series_summary(con)
    files: list[Path] = []
    previews = []
    jobs = [(report, out_dir / report.chat_id) for report in reports]
    redrawn = 0
    for number, (report, drawn) in enumerate(draw_charts_of_chats(jobs), start=1):
        context.log.info(chats_line("charts", number, len(reports), report.chat_id))
        redrawn += drawn.drawn
        paths = [drawn.timeline, drawn.participants, drawn.network, drawn.series, *drawn.polls]
        paths += [*drawn.clouds.values(), *drawn.keyword_bars.values()]
        files += [p for p in paths if p is not None]
        if drawn.timeline is not None and len(previews) < 2:
            previews.append(thumbnail(drawn.timeline))
    if len(series):
        title = "Monthly activity summary: contributors, original posts and retweets per chat"
        chats_in_series = series_summary.get("chats") or len(series)
        if chats_in_series > len(series):
            title += f" (the latest {len(series)} of {chats_in_series} chats)"
        series_path = out_dir / "series" / "monthly_activity.png"
        stamps = Stamps(series_path.parent)
        series_file = stamps.ensure(
            Chart(
                series_path,
                (series, series_summary, title),
                partial(series_chart, series, series_summary, series_path, title),
            )
        )
        stamps.save()
        redrawn += stamps.drawn
        files.append(series_file)
        previews.append(thumbnail(series_file))
    return dg.MaterializeResult(
        metadata={
            "chats": len(reports),
            "charts": len(files),
            # Charts drawn by this run; the others were drawn before from the same rows.
            "charts_drawn": redrawn,
            "folder": dg.MetadataValue.path(str(out_dir)),
            "preview": dg.MetadataValue.md("\n\n".join(previews) or "no chats in these months"),
            "key_figures": dg.MetadataValue.md(_key_figures(reports)),
        }
    )


@dg.asset(
    key=REPORTS_KEY,
    group_name="reports",
    kinds={"html", "docx", "markdown"},
    deps=[CHARTS_KEY],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="Each chat's report in the seed's order: report.html (self-contained), "
    "report.docx (the draft to edit) and report.md (tables to paste), in <out>/<chat_id>/; "
    "a chat whose rows, charts and report code did not change keeps its files (reports.json).",
)
def chat_reports(
    context: dg.AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    out_dir = settings.out_dir_path
    month_start, month_end = _months(context)
    with connect(settings.build_database, read_only=True) as con:
        reports, mapping = load_reports(
            con, settings, chat_ids(con, month_start, month_end), context.run.run_id
        )
        # The checks wrote the page of the run that validated these months; written again
        # here so the reports' link holds even where the output folder was emptied since.
        checked_run = validated_run(con, context.run.run_id)
        quality_file = write_run_page(con, out_dir, checked_run) if checked_run else None
    map_kept = keep_pseudonym_map(settings, mapping)
    files, written = [], 0
    for number, report in enumerate(reports, start=1):
        chat_dir = out_dir / report.chat_id
        chat_dir.mkdir(parents=True, exist_ok=True)
        chart_files = existing_charts(report, chat_dir)
        quality = Path(os.path.relpath(quality_file, chat_dir)).as_posix() if quality_file else None
        # Kept as they are when written before from the same rows, charts and code.
        paths, rewritten = write_reports(report, chart_files, chat_dir, quality)
        files += paths
        written += rewritten
        for warning in report.warnings:
            context.log.warning(f"{report.chat_id}: {warning}")
        context.log.info(chats_line("reports", number, len(reports), report.chat_id))
    return dg.MaterializeResult(
        metadata={
            "chats": len(reports),
            "files": dg.MetadataValue.md(
                markdown.table(["file"], [(str(path),) for path in files])
            ),
            # Chats whose files this run wrote; the others' rows, charts and code are unchanged.
            "reports_written": written,
            "key_figures": dg.MetadataValue.md(_key_figures(reports)),
            "warnings": sum(len(r.warnings) for r in reports),
            "pseudonymised": settings.pseudonymise,
            "pseudonym_map_kept": map_kept,
        }
    )
