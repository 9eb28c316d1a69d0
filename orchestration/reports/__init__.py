"""The chat report: content from the marts, charts, and the HTML, DOCX and Markdown files."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from pathlib import Path

from orchestration.reports import charts
from orchestration.reports.chart_stamps import Chart, Stamps, digest
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


def chart_plan(report: ChatReport, chat_dir: Path) -> tuple[ChartFiles, list[Chart]]:
    """Where each chart of the chat goes, and each chart's rows and drawing (in file order)."""
    planned = chart_files(report, chat_dir)
    plan = [
        Chart(
            planned.timeline,
            (
                report.timeline,
                [(q.question_id, q.asked_local) for q in report.questions],
                report.title,
                report.timezone,
                report.starts_local,
                report.hour_ends_local,
            ),
            lambda: charts.timeline_chart(report, planned.timeline),
        ),
        Chart(
            planned.participants,
            (report.participants,),
            lambda: (
                charts.participants_chart(report, planned.participants)
                if not report.participants.empty
                else None
            ),
        ),
        Chart(
            planned.network,
            (report.edges, report.centrality),
            lambda: charts.network_chart(report, planned.network),
        ),
        Chart(
            planned.series,
            (report.series, report.series_summary),
            lambda: charts.series_chart(
                report.series,
                report.series_summary,
                planned.series,
                "Monthly activity summary: contributors, original posts and retweets per chat",
            ),
        ),
    ]
    for (question, options), path in zip(report.polls, planned.polls, strict=True):
        plan.append(
            Chart(path, (question, options), partial(charts.poll_chart, question, options, path))
        )
    for q in report.questions:
        words = (q.question_id, q.question_text, q.keywords)
        cloud, bars = planned.clouds[q.question_id], planned.keyword_bars[q.question_id]
        shares = planned.theme_shares[q.question_id]
        plan += [
            Chart(cloud, words, partial(charts.word_cloud, q, cloud)),
            Chart(bars, words, partial(charts.keyword_bars, q, bars)),
            Chart(shares, (q.question_id, q.themes), partial(theme_shares_chart, q, shares)),
        ]
    return planned, plan


def chart_digests(report: ChatReport, chat_dir: Path) -> list[str]:
    """The digest of each chart's inputs, in the order of `chart_plan`."""
    return [digest(*chart.inputs) for chart in chart_plan(report, chat_dir)[1]]


def charts_up_to_date(report: ChatReport, chat_dir: Path, digests: list[str] | None = None) -> bool:
    """Whether every chart of the chat was drawn from the rows the report holds now."""
    stamps = Stamps(chat_dir)
    plan = chart_plan(report, chat_dir)[1]
    digests = digests or [digest(*chart.inputs) for chart in plan]
    return all(stamps.is_fresh(chart, d) for chart, d in zip(plan, digests, strict=True))


def draw_charts(
    report: ChatReport, chat_dir: Path, reuse: bool = True, digests: list[str] | None = None
) -> ChartFiles:
    """Draw the charts of the chat into `chat_dir`; the files that exist afterwards.

    With `reuse`, a chart drawn before from the same rows (charts.json) is kept as it is.
    `digests` are `chart_digests(report, chat_dir)` where the caller has them already.
    """
    planned, plan = chart_plan(report, chat_dir)
    digests = digests or [digest(*chart.inputs) for chart in plan]
    stamps = Stamps(chat_dir, reuse=reuse)
    files = {chart.path: stamps.ensure(chart, d) for chart, d in zip(plan, digests, strict=True)}
    stamps.save()
    return ChartFiles(
        timeline=files[planned.timeline],
        participants=files[planned.participants],
        network=files[planned.network],
        series=files[planned.series],
        polls=[files[path] for path in planned.polls],
        clouds={k: files[v] for k, v in planned.clouds.items()},
        keyword_bars={k: files[v] for k, v in planned.keyword_bars.items()},
        theme_shares={k: files[v] for k, v in planned.theme_shares.items()},
        drawn=stamps.drawn,
    )


def draw_charts_of_chats(
    jobs: list[tuple[ChatReport, Path]], workers: int | None = None, reuse: bool = True
) -> Iterator[tuple[ChatReport, ChartFiles]]:
    """Draw the charts of many chats, each (report, chat_dir), in order of `jobs`.

    Chats are independent, so they are drawn on every core (matplotlib holds the GIL:
    threads would not help): by this process, whose imports are warm, and by one spawned
    process for each other core (each pays about 1.5 s of start-up). The processes take
    the chats from the front; this process takes them from the back, each chat that no
    process has started yet, so no core waits long while a chat is left to draw.
    Each chat's rows are hashed once, here: with `reuse`, chats whose charts are all up to
    date are not sent to a process at all, and their files are taken as they are.
    """
    digests = [chart_digests(report, chat_dir) for report, chat_dir in jobs]
    stale = [
        index
        for index, (report, chat_dir) in enumerate(jobs)
        if not (reuse and charts_up_to_date(report, chat_dir, digests[index]))
    ]
    # One chat is drawn here, saving a process's start-up; so is every chat on one core.
    processes = min(len(stale) - 1, (workers or os.cpu_count() or 1) - 1)
    if processes < 1:
        for (report, chat_dir), chat_digests in zip(jobs, digests, strict=True):
            yield report, draw_charts(report, chat_dir, reuse, chat_digests)
        return
    waiting = deque(stale)
    drawn: dict[int, ChartFiles] = {}
    futures: dict[int, Future] = {}

    def send(pool: ProcessPoolExecutor) -> None:
        """Keep two chats a process handed out, from the front: one drawn, one queued, so
        a process never waits for this one to hand it the next; the last chat left is
        drawn here. (A chat handed out cannot be drawn here any more: handing out more
        would leave this process idle at the end.)"""
        while len(waiting) > 1 and sum(not f.done() for f in futures.values()) < 2 * processes:
            index = waiting.popleft()
            futures[index] = pool.submit(draw_charts, *jobs[index], reuse, digests[index])

    # spawn, not fork: the parent holds DuckDB's and Dagster's threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        send(pool)
        while waiting:
            index = waiting.pop()
            drawn[index] = draw_charts(*jobs[index], reuse, digests[index])
            send(pool)
        for index, (report, chat_dir) in enumerate(jobs):
            if index in futures:
                yield report, futures[index].result()
            elif index in drawn:
                yield report, drawn[index]
            else:
                yield report, draw_charts(report, chat_dir, reuse, digests[index])


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
