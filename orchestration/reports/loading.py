"""Every chat's report content for a run: one query per mart table over all the run's chats.

Reading one chat at a time took about 45 small queries a chat (more with each question); for
the hundreds of chats of a run that was most of the reports' time. Here each table is read
once for every chat of the run, ordered and cut (top N) in SQL, and the rows are split by chat
id in pandas. Python counts nothing: it only hands each chat the rows dbt counted. This is
the only home of the report queries: `content.load_chat_report` is its one-chat case.

A chat's frames are the frames its rows alone would give, dtypes included (tests compare
every chat of the sample loaded together and alone): DuckDB gives an integer or boolean
column with a NULL a nullable dtype, one without a numpy dtype, and a text column without any
value `object`, so each chat's slice is given the dtypes DuckDB would give its rows alone
(`_as_alone`).
"""

from __future__ import annotations

import pandas as pd

from orchestration.reports.content import (
    POPULAR_POSTS,
    REPORT_SERIES_CHATS,
    TOP_KEYWORDS,
    TOP_PARTICIPANTS,
    TOP_RESPONSES,
    ChatReport,
    QuestionSection,
    load_series_summary,
    question_section,
)
from orchestration.reports.themes import QUOTE_COLUMNS, THEME_COLUMNS
from orchestration.warehouse import has_table

CHATS = "(select unnest(?::varchar[]))"


def _nullable(frame: pd.DataFrame) -> dict[str, object]:
    """The columns whose dtype depends on the rows: each one's null mask over the frame."""
    masks = {}
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iub"
        ):
            masks[name] = frame[name].isna().to_numpy()
    return masks


def _as_alone(rows: pd.DataFrame, masks: dict | None = None, positions=None) -> pd.DataFrame:
    """The rows with the dtypes DuckDB gives a result of just these rows: a nullable integer
    or boolean column without a null is numpy's, a text column without a value `object`.
    (`masks`: `_nullable` of the frame the rows were taken from at `positions`.)"""
    rows.index = pd.RangeIndex(len(rows))
    if masks is None:
        masks, positions = _nullable(rows), slice(None)
    for name, mask in masks.items():
        nulls = mask[positions]
        dtype = rows[name].dtype
        if isinstance(dtype, pd.StringDtype):
            if nulls.all():
                rows[name] = pd.Series([None] * len(rows), dtype=object)
        elif not nulls.any():
            rows[name] = rows[name].to_numpy(dtype=dtype.numpy_dtype)
    return rows


class _Split:
    """A frame's rows by key (a chat id, or a (chat id, question id) pair), in frame order."""

    def __init__(self, frame: pd.DataFrame, keys: list[str]):
        by = keys[0] if len(keys) == 1 else keys
        self.positions = frame.groupby(by, sort=False).indices if len(frame) else {}
        self.frame = frame.drop(columns=keys)
        self.masks = _nullable(self.frame)

    def rows(self, key) -> pd.DataFrame:
        positions = self.positions.get(key, [])
        return _as_alone(self.frame.take(positions), self.masks, positions)


def _frame(con, sql: str, params=()) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def _chats(con, chat_ids: list[str]) -> dict[str, tuple]:
    rows = con.execute(
        f"""
        select chat_id, coalesce(title, chat_id), timezone, starts_local,
               hour_ends_local, window_starts_local, window_ends_local, chat_month, starts_at
        from staging.stg_registry__chats where chat_id in {CHATS}
        """,
        [chat_ids],
    ).fetchall()
    return {row[0]: row for row in rows}


def _series(con, registry: dict[str, tuple], chat_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Each chat's series (content.load_series up to it, its latest REPORT_SERIES_CHATS)."""
    whole = _frame(
        con,
        """
        select activity.chat_id, chats.chat_month, coalesce(chats.title, activity.chat_id) as title,
               activity.contributors, activity.originals, activity.retweets, activity.posts,
               chats.starts_at as until
        from marts.chat_activity as activity
        inner join staging.stg_registry__chats as chats on activity.chat_id = chats.chat_id
        where activity.scope = 'window'
        order by chats.starts_at, activity.chat_id
        """,
    )
    columns = [c for c in whole.columns if c != "until"]
    series = {}
    for chat_id in chat_ids:
        upto = whole[whole["until"] <= registry[chat_id][8]][columns]
        series[chat_id] = _as_alone(upto).tail(REPORT_SERIES_CHATS).reset_index(drop=True)
    return series


def _warnings(con, chat_ids: list[str], run_id: str | None) -> dict[str, list[str]]:
    """content._warnings for every chat at once."""
    if not has_table(con, "audit", "validation_results"):
        return {}
    rows = con.execute(
        f"""
        select distinct chats.chat_id, results.suite, results.observed
        from staging.stg_registry__chats as chats
        inner join audit.validation_results as results
            on (results.month_start is null
                or (results.month_start <= chats.chat_month
                    and chats.chat_month < results.month_end))
            -- Warnings name the chat they are about; rejected input concerns every chat.
            and (position(chats.chat_id in results.observed) > 0
                 or results.suite = 'rejected_input')
        where chats.chat_id in {CHATS}
          and not results.success and results.severity = 'warn'
          and (? is null or results.run_id = ?)
          and results.run_id = (
              select run_id from audit.validation_results
              where (? is null or run_id = ?) order by validated_at desc limit 1
          )
        order by chats.chat_id, results.suite, results.observed
        """,
        [chat_ids, run_id, run_id, run_id, run_id],
    ).fetchall()
    warnings: dict[str, list[str]] = {}
    for chat_id, suite, observed in rows:
        warnings.setdefault(chat_id, []).append(f"{suite}: {observed}")
    return warnings


def _questions(con, chat_ids: list[str]) -> dict[str, list[QuestionSection]]:
    questions = _frame(
        con,
        f"""
        select chat_id, question_id, coalesce(question_text, '') as question_text,
               asked_local, responses, responders, likes, retweets
        from marts.question_responses
        where chat_id in {CHATS}
        order by chat_id, question_position
        """,
        [chat_ids],
    )
    # Each question's top responses, and the replies to them (a reply answers one post).
    top_responses = f"""
        select chat_id, question_id, post_id, author_username, text, like_count, retweet_count,
               created_at
        from marts.posts
        where chat_id in {CHATS} and question_id is not null
        qualify row_number() over (
            partition by chat_id, question_id
            order by like_count desc nulls last, retweet_count desc nulls last, created_at
        ) <= {TOP_RESPONSES}
    """
    top = _frame(
        con,
        f"""
        select chat_id, question_id, post_id, author_username, text, like_count, retweet_count
        from ({top_responses})
        order by chat_id, question_id,
                 like_count desc nulls last, retweet_count desc nulls last, created_at
        """,
        [chat_ids],
    )
    threads = _frame(
        con,
        f"""
        select replies.chat_id, top.question_id, replies.reply_to_post_id as post_id,
               replies.author_username, replies.text
        from marts.posts as replies
        inner join ({top_responses}) as top
            on replies.chat_id = top.chat_id and replies.reply_to_post_id = top.post_id
        order by replies.chat_id, top.question_id, replies.created_at
        """,
        [chat_ids],
    )
    keywords = _frame(
        con,
        f"""
        select chat_id, question_id, term, term_words, n from marts.question_keywords
        where chat_id in {CHATS}
        qualify row_number() over (
            partition by chat_id, question_id order by n desc, term
        ) <= {TOP_KEYWORDS}
        order by chat_id, question_id, n desc, term
        """,
        [chat_ids],
    )
    if has_table(con, "marts", "question_themes") and has_table(con, "marts", "theme_responses"):
        themes = _Split(
            _frame(
                con,
                f"""
                select chat_id, question_id, {", ".join(THEME_COLUMNS)}
                from marts.question_themes
                where chat_id in {CHATS} and responses > 0
                order by chat_id, question_id, theme_position
                """,
                [chat_ids],
            ),
            ["chat_id", "question_id"],
        )
        quotes = _Split(
            _frame(
                con,
                f"""
                select chat_id, question_id, {", ".join(QUOTE_COLUMNS)}
                from marts.theme_responses
                where chat_id in {CHATS} and is_quote_pick
                order by chat_id, question_id, theme_id, score desc, post_id, excerpt_position
                """,
                [chat_ids],
            ),
            ["chat_id", "question_id"],
        )
    else:
        themes = quotes = None
    top_split = _Split(top, ["chat_id", "question_id"])
    keyword_split = _Split(keywords, ["chat_id", "question_id"])
    threads_split = _Split(threads, ["chat_id", "question_id"])
    sections: dict[str, list[QuestionSection]] = {}
    for question in questions.itertuples(index=False):
        key = (question.chat_id, question.question_id)
        sections.setdefault(question.chat_id, []).append(
            question_section(
                question,
                top_split.rows(key),
                threads_split.rows(key),
                keyword_split.rows(key),
                themes.rows(key) if themes else pd.DataFrame(columns=THEME_COLUMNS),
                quotes.rows(key) if quotes else pd.DataFrame(columns=QUOTE_COLUMNS),
            )
        )
    return sections


def load_chat_reports(con, chat_ids: list[str], run_id: str | None = None) -> list[ChatReport]:
    """Every report of `chat_ids`, in their order."""
    chat_ids = list(chat_ids)
    if not chat_ids:
        return []
    registry = _chats(con, chat_ids)
    missing = [chat_id for chat_id in chat_ids if chat_id not in registry]
    if missing:
        raise LookupError(f"chat {missing[0]!r} is not in the registry of this warehouse")
    activity = _Split(
        _frame(
            con,
            "select chat_id, scope, posts, originals, retweets, replies, quotes, contributors, "
            f"impressions from marts.chat_activity where chat_id in {CHATS}",
            [chat_ids],
        ),
        ["chat_id"],
    )
    published: dict[str, dict] = {}
    for chat_id, measure, value in con.execute(
        "select chat_id, measure, published_value from staging.stg_registry__chat_published "
        f"where chat_id in {CHATS}",
        [chat_ids],
    ).fetchall():
        published.setdefault(chat_id, {})[measure] = value
    poll_options = _Split(
        _frame(
            con,
            f"""
            select results.chat_id, results.poll_id, results.option_position,
                   results.option_label, results.votes, results.pct, results.total_votes,
                   results.voting_status, coalesce(posts.text, '') as poll_text
            from marts.poll_results as results
            left join marts.posts as posts
                on results.chat_id = posts.chat_id and results.post_id = posts.post_id
            where results.chat_id in {CHATS}
            order by results.chat_id, coalesce(posts.created_at, timestamp '9999-01-01'),
                     results.poll_id, results.option_position
            """,
            [chat_ids],
        ),
        ["chat_id"],
    )
    timeline = _Split(
        _frame(
            con,
            "select chat_id, bucket_start_local, bucket_minutes, in_hour, originals, retweets, "
            f"posts from marts.activity_timeline where chat_id in {CHATS} "
            "order by chat_id, bucket_start",
            [chat_ids],
        ),
        ["chat_id"],
    )
    popular = _Split(
        _frame(
            con,
            f"""
            select posts.chat_id, posts.author_username, posts.text, posts.retweet_count,
                   posts.like_count, posts.impression_count, posts.question_id,
                   questions.question_text, posts.created_local
            from marts.posts as posts
            left join marts.question_responses as questions
                on posts.chat_id = questions.chat_id
                and posts.question_id = questions.question_id
            where posts.chat_id in {CHATS} and not posts.is_retweet
            qualify row_number() over (
                partition by posts.chat_id
                order by posts.retweet_count desc nulls last, posts.like_count desc nulls last,
                         posts.created_at
            ) <= {POPULAR_POSTS}
            order by posts.chat_id, posts.retweet_count desc nulls last,
                     posts.like_count desc nulls last, posts.created_at
            """,
            [chat_ids],
        ),
        ["chat_id"],
    )
    participants = _Split(
        _frame(
            con,
            f"""
            select chat_id, username, originals, retweets, replies, quotes, likes_received,
                   retweets_received, mentions_received, participant_rank
            from marts.participants where chat_id in {CHATS} and not is_host
            qualify row_number() over (
                partition by chat_id order by participant_rank
            ) <= {TOP_PARTICIPANTS}
            order by chat_id, participant_rank
            """,
            [chat_ids],
        ),
        ["chat_id"],
    )
    links = _Split(
        _frame(
            con,
            "select chat_id, url, domain, shares, first_shared_by, first_shared_at "
            f"from marts.shared_links where chat_id in {CHATS} "
            "order by chat_id, shares desc, first_shared_at",
            [chat_ids],
        ),
        ["chat_id"],
    )
    network = _Split(
        _frame(
            con,
            "select chat_id, accounts, edges, interactions, reciprocal_pairs, reciprocity "
            f"from marts.network_summary where chat_id in {CHATS}",
            [chat_ids],
        ),
        ["chat_id"],
    )
    centrality = (
        _Split(
            _frame(
                con,
                "select chat_id, username, is_host, in_degree, out_degree, weighted_in_degree, "
                "betweenness, centrality_rank from marts.account_centrality "
                f"where chat_id in {CHATS} order by chat_id, centrality_rank",
                [chat_ids],
            ),
            ["chat_id"],
        )
        if has_table(con, "marts", "account_centrality")
        else None
    )
    edges = _Split(
        _frame(
            con,
            "select chat_id, source_username, target_username, kind, weight "
            f"from marts.interactions where chat_id in {CHATS} "
            "and kind in ('reply', 'mention')",
            [chat_ids],
        ),
        ["chat_id"],
    )
    platforms = (
        _Split(
            _frame(
                con,
                "select chat_id, platform, posts, originals, retweets, replies, quotes, "
                "contributors from marts.chat_activity_by_platform "
                f"where chat_id in {CHATS} and scope = 'window' "
                "order by chat_id, posts desc, platform",
                [chat_ids],
            ),
            ["chat_id"],
        )
        if has_table(con, "marts", "chat_activity_by_platform")
        else None
    )
    hosts: dict[str, list[str]] = {}
    for chat_id, username in con.execute(
        f"select chat_id, username from staging.stg_registry__chat_hosts where chat_id in {CHATS}",
        [chat_ids],
    ).fetchall():
        hosts.setdefault(chat_id, []).append(username)
    series = _series(con, registry, chat_ids)
    series_summary = load_series_summary(con)
    questions = _questions(con, chat_ids)
    warnings = _warnings(con, chat_ids, run_id)

    reports = []
    for chat_id in chat_ids:
        chat = registry[chat_id]
        chat_activity = activity.rows(chat_id)
        chat_network = network.rows(chat_id)
        polls = [
            (group["poll_text"].iloc[0] or f"Poll {poll_id}", group.reset_index(drop=True))
            for poll_id, group in poll_options.rows(chat_id).groupby("poll_id", sort=False)
        ]
        reports.append(
            ChatReport(
                chat_id=chat[0],
                title=chat[1],
                timezone=chat[2],
                starts_local=chat[3],
                hour_ends_local=chat[4],
                window_starts_local=chat[5],
                window_ends_local=chat[6],
                activity={
                    scope: {k: v for k, v in row.items() if k != "scope"}
                    for scope, row in chat_activity.set_index("scope", drop=False)
                    .to_dict("index")
                    .items()
                },
                published=published.get(chat_id, {}),
                polls=polls,
                timeline=timeline.rows(chat_id),
                popular=popular.rows(chat_id),
                participants=participants.rows(chat_id),
                questions=questions.get(chat_id, []),
                links=links.rows(chat_id),
                series=series[chat_id],
                series_summary=dict(series_summary),
                network=chat_network.iloc[0].to_dict() if len(chat_network) else {},
                centrality=centrality.rows(chat_id) if centrality else pd.DataFrame(),
                edges=edges.rows(chat_id),
                platforms=platforms.rows(chat_id) if platforms else pd.DataFrame(),
                hosts=hosts.get(chat_id, []),
                warnings=warnings.get(chat_id, []),
            )
        )
    return reports
