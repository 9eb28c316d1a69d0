"""What a chat's report shows, read from the marts (selection and ordering only, no counting).

One `ChatReport` per chat holds every figure, table and text of metrics.md's report anatomy;
the chart, HTML, DOCX and Markdown renderers only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from orchestration.reports.themes import QUOTE_COLUMNS, THEME_COLUMNS, load_question_themes
from orchestration.warehouse import has_table

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
    """Everything the report of `chat_id` shows, from the marts of an open connection."""
    chat = con.execute(
        """
        select chat_id, coalesce(title, chat_id), timezone, starts_local,
               hour_ends_local, window_starts_local, window_ends_local, chat_month
        from staging.stg_registry__chats where chat_id = ?
        """,
        [chat_id],
    ).fetchone()
    if chat is None:
        raise LookupError(f"chat {chat_id!r} is not in the registry of this warehouse")
    activity = {
        scope: {k: v for k, v in row.items() if k != "scope"}
        for scope, row in _frame(
            con,
            "select scope, posts, originals, retweets, replies, quotes, contributors, impressions "
            "from marts.chat_activity where chat_id = ?",
            [chat_id],
        )
        .set_index("scope", drop=False)
        .to_dict("index")
        .items()
    }
    published = dict(
        con.execute(
            "select measure, published_value from staging.stg_registry__chat_published "
            "where chat_id = ?",
            [chat_id],
        ).fetchall()
    )
    poll_options = _frame(
        con,
        """
        select results.poll_id, results.option_position, results.option_label, results.votes,
               results.pct, results.total_votes, results.voting_status,
               coalesce(posts.text, '') as poll_text
        from marts.poll_results as results
        left join marts.posts as posts
            on results.chat_id = posts.chat_id and results.post_id = posts.post_id
        where results.chat_id = ?
        order by coalesce(posts.created_at, timestamp '9999-01-01'), results.poll_id,
                 results.option_position
        """,
        [chat_id],
    )
    polls = [
        (group["poll_text"].iloc[0] or f"Poll {poll_id}", group.reset_index(drop=True))
        for poll_id, group in poll_options.groupby("poll_id", sort=False)
    ]
    timeline = _frame(
        con,
        "select bucket_start_local, bucket_minutes, in_hour, originals, retweets, posts "
        "from marts.activity_timeline where chat_id = ? order by bucket_start",
        [chat_id],
    )
    popular = _frame(
        con,
        f"""
        select posts.author_username, posts.text, posts.retweet_count, posts.like_count,
               posts.impression_count, posts.question_id, questions.question_text,
               posts.created_local
        from marts.posts as posts
        left join marts.question_responses as questions
            on posts.chat_id = questions.chat_id and posts.question_id = questions.question_id
        where posts.chat_id = ? and not posts.is_retweet
        order by posts.retweet_count desc nulls last, posts.like_count desc nulls last,
                 posts.created_at
        limit {POPULAR_POSTS}
        """,
        [chat_id],
    )
    participants = _frame(
        con,
        f"""
        select username, originals, retweets, replies, quotes, likes_received,
               retweets_received, mentions_received, participant_rank
        from marts.participants where chat_id = ? and not is_host
        order by participant_rank limit {TOP_PARTICIPANTS}
        """,
        [chat_id],
    )
    links = _frame(
        con,
        "select url, domain, shares, first_shared_by, first_shared_at from marts.shared_links "
        "where chat_id = ? order by shares desc, first_shared_at",
        [chat_id],
    )
    series = load_series(con, until_chat_id=chat_id, latest=REPORT_SERIES_CHATS)
    network = _frame(
        con,
        "select accounts, edges, interactions, reciprocal_pairs, reciprocity "
        "from marts.network_summary where chat_id = ?",
        [chat_id],
    )
    centrality = (
        _frame(
            con,
            "select username, is_host, in_degree, out_degree, weighted_in_degree, betweenness, "
            "centrality_rank from marts.account_centrality where chat_id = ? "
            "order by centrality_rank",
            [chat_id],
        )
        if has_table(con, "marts", "account_centrality")
        else pd.DataFrame()
    )
    edges = _frame(
        con,
        "select source_username, target_username, kind, weight from marts.interactions "
        "where chat_id = ? and kind in ('reply', 'mention')",
        [chat_id],
    )
    return ChatReport(
        chat_id=chat[0],
        title=chat[1],
        timezone=chat[2],
        starts_local=chat[3],
        hour_ends_local=chat[4],
        window_starts_local=chat[5],
        window_ends_local=chat[6],
        activity=activity,
        published=published,
        polls=polls,
        timeline=timeline,
        popular=popular,
        participants=participants,
        questions=_questions(con, chat_id),
        links=links,
        series=series,
        series_summary=load_series_summary(con),
        network=network.iloc[0].to_dict() if len(network) else {},
        centrality=centrality,
        edges=edges,
        platforms=_frame(
            con,
            "select platform, posts, originals, retweets, replies, quotes, contributors "
            "from marts.chat_activity_by_platform where chat_id = ? and scope = 'window' "
            "order by posts desc, platform",
            [chat_id],
        )
        if has_table(con, "marts", "chat_activity_by_platform")
        else pd.DataFrame(),
        hosts=[
            row[0]
            for row in con.execute(
                "select username from staging.stg_registry__chat_hosts where chat_id = ?",
                [chat_id],
            ).fetchall()
        ],
        warnings=_warnings(con, chat_id, chat[7], run_id),
    )


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


def _questions(con, chat_id: str) -> list[QuestionSection]:
    questions = _frame(
        con,
        """
        select question_id, coalesce(question_text, '') as question_text, asked_local,
               responses, responders, likes, retweets
        from marts.question_responses
        where chat_id = ?
        order by question_position
        """,
        [chat_id],
    )
    sections = []
    for question in questions.itertuples(index=False):
        top = _frame(
            con,
            f"""
            select post_id, author_username, text, like_count, retweet_count
            from marts.posts
            where chat_id = ? and question_id = ?
            order by like_count desc nulls last, retweet_count desc nulls last, created_at
            limit {TOP_RESPONSES}
            """,
            [chat_id, question.question_id],
        )
        threads = _frame(
            con,
            """
            select replies.reply_to_post_id as post_id, replies.author_username, replies.text
            from marts.posts as replies
            where replies.chat_id = ? and replies.reply_to_post_id in (
                select unnest(?::varchar[])
            )
            order by replies.created_at
            """,
            [chat_id, list(top["post_id"])],
        )
        keywords = _frame(
            con,
            f"""
            select term, term_words, n from marts.question_keywords
            where chat_id = ? and question_id = ?
            order by n desc, term limit {TOP_KEYWORDS}
            """,
            [chat_id, question.question_id],
        )
        themes, theme_quotes = load_question_themes(con, chat_id, question.question_id)
        sections.append(question_section(question, top, threads, keywords, themes, theme_quotes))
    return sections


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


def _warnings(con, chat_id: str, chat_month, run_id: str | None) -> list[str]:
    """Failed warning checks of the run that built this month (all runs when none given)."""
    if not has_table(con, "audit", "validation_results"):
        return []
    rows = con.execute(
        """
        select distinct suite, observed from audit.validation_results
        where not success and severity = 'warn'
          and (? is null or run_id = ?)
          and (month_start is null or (month_start <= ? and ? < month_end))
          -- Warnings name the chat they are about; rejected input concerns every chat.
          and (position(? in observed) > 0 or suite = 'rejected_input')
          and run_id = (
              select run_id from audit.validation_results
              where (? is null or run_id = ?) order by validated_at desc limit 1
          )
        order by suite, observed
        """,
        [run_id, run_id, chat_month, chat_month, chat_id, run_id, run_id],
    ).fetchall()
    return [f"{suite}: {observed}" for suite, observed in rows]


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
