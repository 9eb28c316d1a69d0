"""What a chat's report shows, read from the marts (selection and ordering only, no counting).

One `ChatReport` per chat holds every figure, table and text of metrics.md's report anatomy;
the chart, HTML, DOCX and Markdown renderers only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from orchestration.reports.themes import QUOTE_COLUMNS, THEME_COLUMNS

TOP_PARTICIPANTS = 15
TOP_RESPONSES = 3
TOP_KEYWORDS = 60
POPULAR_POSTS = 3
# The series a chat's report draws and tables: its last chats, up to itself (a year of
# monthly chats); its sentence quotes the whole series. The series chart of <out>/series
# draws the latest SERIES_CHART_CHATS.
REPORT_SERIES_CHATS = 12
SERIES_CHART_CHATS = 36


@dataclass
class QuestionSection:
    question_id: str
    question_text: str
    asked_local: datetime | None
    responses: int
    responders: int
    likes: int
    retweets: int
    top_responses: pd.DataFrame
    threads: pd.DataFrame
    keywords: pd.DataFrame
    # marts.question_themes rows of the question (in order) and their quote picks.
    themes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=THEME_COLUMNS))
    theme_quotes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUOTE_COLUMNS))


@dataclass
class ChatReport:
    chat_id: str
    title: str
    timezone: str
    starts_local: datetime
    hour_ends_local: datetime
    window_starts_local: datetime
    window_ends_local: datetime
    activity: dict[str, dict[str, int | None]]
    published: dict[str, int]
    polls: list[tuple[str, pd.DataFrame]]
    timeline: pd.DataFrame
    popular: pd.DataFrame
    participants: pd.DataFrame
    questions: list[QuestionSection]
    links: pd.DataFrame
    series: pd.DataFrame
    series_summary: dict[str, object]
    network: dict[str, object]
    centrality: pd.DataFrame
    edges: pd.DataFrame
    hosts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The window's figures per platform (marts.chat_activity_by_platform), one row a platform.
    platforms: pd.DataFrame = field(default_factory=pd.DataFrame)


def chat_ids(con, month_start: str, month_end: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select chat_id from staging.stg_registry__chats "
            "where chat_month >= cast(? as date) and chat_month < cast(? as date) "
            "order by starts_at, chat_id",
            [month_start, month_end],
        ).fetchall()
    ]


def _frame(con, sql: str, params=()) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def load_chat_report(con, chat_id: str, run_id: str | None = None) -> ChatReport:
    """Everything the report of `chat_id` shows, from the marts of an open connection: the
    one-chat case of `loading.load_chat_reports`, which holds every report query."""
    from orchestration.reports.loading import load_chat_reports

    return load_chat_reports(con, [chat_id], run_id)[0]


def load_series(con, until_chat_id: str | None = None, latest: int | None = None) -> pd.DataFrame:
    """Window figures per chat of the series, in order; up to `until_chat_id` when given, and
    only its `latest` chats when given (a chart of every chat of years of them is unreadable
    and grows with each one)."""
    series = _frame(
        con,
        """
        select activity.chat_id, chats.chat_month, coalesce(chats.title, activity.chat_id) as title,
               activity.contributors, activity.originals, activity.retweets, activity.posts
        from marts.chat_activity as activity
        inner join staging.stg_registry__chats as chats on activity.chat_id = chats.chat_id
        where activity.scope = 'window' and (? is null or chats.starts_at <= (
            select starts_at from staging.stg_registry__chats where chat_id = ?
        ))
        order by chats.starts_at, activity.chat_id
        """,
        [until_chat_id, until_chat_id],
    )
    return series if latest is None else series.tail(latest).reset_index(drop=True)


def load_series_summary(con) -> dict:
    summary = _frame(con, "select * from marts.series_summary where scope = 'window'")
    return summary.iloc[0].to_dict() if len(summary) else {}


def question_section(question, top, threads, keywords, themes, theme_quotes) -> QuestionSection:
    """A question's section from its marts.question_responses row (a named tuple) and frames."""
    asked = question.asked_local
    return QuestionSection(
        question_id=question.question_id,
        question_text=question.question_text,
        asked_local=None if pd.isna(asked) else asked.to_pydatetime(),
        responses=int(question.responses),
        responders=int(question.responders),
        likes=int(question.likes),
        retweets=int(question.retweets),
        top_responses=top,
        threads=threads,
        keywords=keywords,
        themes=themes,
        theme_quotes=theme_quotes,
    )


def pseudonymised(report: ChatReport, pseudonymiser) -> ChatReport:
    """The report with every non-host handle, as a name or an @mention, replaced."""
    handle, text = pseudonymiser.handle, pseudonymiser.text
    known = {
        name.lower()
        for name in [
            *report.participants.get("username", []),
            *report.edges.get("source_username", []),
            *report.edges.get("target_username", []),
        ]
        if isinstance(name, str)
    }

    def term(value):
        # A handle written as a plain word would name the account in a word cloud.
        return " ".join(handle(w) if w in known else w for w in str(value).split(" "))

    def frame(data: pd.DataFrame, names=(), texts=()) -> pd.DataFrame:
        data = data.copy()
        for column in names:
            if column in data:
                data[column] = data[column].map(handle)
        for column in texts:
            if column in data:
                data[column] = data[column].map(text)
        return data

    report.popular = frame(report.popular, ["author_username"], ["text", "question_text"])
    report.participants = frame(report.participants, ["username"])
    report.links = frame(report.links, ["first_shared_by"])
    report.centrality = frame(report.centrality, ["username"])
    report.edges = frame(report.edges, ["source_username", "target_username"])
    report.polls = [
        (text(question), frame(options, texts=["option_label", "poll_text"]))
        for question, options in report.polls
    ]
    for section in report.questions:
        section.question_text = text(section.question_text)
        section.top_responses = frame(section.top_responses, ["author_username"], ["text"])
        section.threads = frame(section.threads, ["author_username"], ["text"])
        section.keywords = section.keywords.assign(term=section.keywords["term"].map(term))
        section.themes = frame(section.themes, texts=["label"])
        section.themes = section.themes.assign(
            label=section.themes["label"].map(term),
            keywords=section.themes["keywords"].map(term),
        )
        section.theme_quotes = frame(section.theme_quotes, ["author_username"], ["excerpt"])
    report.warnings = [text(w) for w in report.warnings]
    return report
