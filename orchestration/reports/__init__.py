"""The chat report: content from the marts, charts, and the HTML, DOCX and Markdown files."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from orchestration.reports import charts
from orchestration.reports.content import ChatReport
from orchestration.reports.render import ChartFiles
from orchestration.reports.themes import theme_shares_chart


def chart_files(report: ChatReport, chat_dir: Path) -> ChartFiles:
    """Where each chart of the chat lives (whether or not it was drawn)."""
    return ChartFiles(
        timeline=chat_dir / "timeline.png",
        participants=chat_dir / "participants.png",
        network=chat_dir / "network.png",
        series=chat_dir / "series.png",
        polls=[chat_dir / f"poll_{index}.png" for index in range(1, len(report.polls) + 1)],
        clouds={
            q.question_id: chat_dir / f"q{q.question_id}_wordcloud.png" for q in report.questions
        },
        keyword_bars={
            q.question_id: chat_dir / f"q{q.question_id}_words.png" for q in report.questions
        },
        theme_shares={
            q.question_id: chat_dir / f"q{q.question_id}_themes.png" for q in report.questions
        },
    )


def draw_charts(report: ChatReport, chat_dir: Path) -> ChartFiles:
    """Draw every chart of the chat into `chat_dir`; the files that exist afterwards."""
    planned = chart_files(report, chat_dir)
    drawn = ChartFiles(
        timeline=charts.timeline_chart(report, planned.timeline),
        participants=(
            charts.participants_chart(report, planned.participants)
            if not report.participants.empty
            else None
        ),
        network=charts.network_chart(report, planned.network),
        series=charts.series_chart(
            report.series,
            report.series_summary,
            planned.series,
            "Monthly activity summary: contributors, original posts and retweets per chat",
        ),
        polls=[
            charts.poll_chart(question, options, path)
            for (question, options), path in zip(report.polls, planned.polls, strict=True)
        ],
        clouds={
            q.question_id: charts.word_cloud(q, planned.clouds[q.question_id])
            for q in report.questions
        },
        keyword_bars={
            q.question_id: charts.keyword_bars(q, planned.keyword_bars[q.question_id])
            for q in report.questions
        },
        theme_shares={
            q.question_id: theme_shares_chart(q, planned.theme_shares[q.question_id])
            for q in report.questions
        },
    )
    return drawn


def draw_charts_of_chats(
    jobs: list[tuple[ChatReport, Path]], workers: int | None = None
) -> Iterator[tuple[ChatReport, ChartFiles]]:
    """Draw the charts of many chats, each (report, chat_dir), in order of `jobs`.

    Chats are independent, so they are drawn by one process per core (matplotlib holds the
    GIL: threads would not help); one chat is drawn in this process, saving the start-up.
    """
    workers = min(len(jobs), workers or os.cpu_count() or 1)
    if workers <= 1:
        for report, chat_dir in jobs:
            yield report, draw_charts(report, chat_dir)
        return
    # spawn, not fork: the parent holds DuckDB's and Dagster's threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(draw_charts, report, chat_dir) for report, chat_dir in jobs]
        for (report, _), future in zip(jobs, futures, strict=True):
            yield report, future.result()


def existing_charts(report: ChatReport, chat_dir: Path) -> ChartFiles:
    """The chart files of the chat that are on disk (drawn by the charts asset)."""
    planned = chart_files(report, chat_dir)

    def keep(path: Path | None) -> Path | None:
        return path if path is not None and path.exists() else None

    return ChartFiles(
        timeline=keep(planned.timeline),
        participants=keep(planned.participants),
        network=keep(planned.network),
        series=keep(planned.series),
        polls=[p for p in planned.polls if p.exists()],
        clouds={k: keep(v) for k, v in planned.clouds.items()},
        keyword_bars={k: keep(v) for k, v in planned.keyword_bars.items()},
        theme_shares={k: keep(v) for k, v in planned.theme_shares.items()},
    )
