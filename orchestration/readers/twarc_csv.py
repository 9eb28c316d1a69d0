"""twarc-csv CSV exports: the 0.7 layout and the older one.

0.7 (`referenced_tweets.retweeted.id`, ...): list cells are JSON (`["#kpop", ...]`), line breaks
are a literal `\\n`, and a retweet row carries the retweeted post's full text and metrics.
That row lands as the retweet (text "RT @user: ...", no metrics of its own: they are the
original's) plus the retweeted post as a referenced ('includes') post with that text, its
hashtags and metrics, as an X API page would give it.

Older layout (`referenced_tweets` as a JSON list, `type`): a row with a `type` is a referenced
post, entity cells hold the API's entity objects, and `text` may be a JSON-quoted string.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.readers.csv_records import (
    column,
    csv_column_scan,
    require_columns,
    stage_csv,
    staged_columns,
)
from orchestration.readers.staging import Placing, reject_unplaceable

FORMAT = "twarc_csv"
PLATFORM = "x"
REQUIRED = {
    "id": "the post id",
    "created_at": "ISO 8601 time of the post",
    "text": "the post's text",
}
NEWLINE = "chr(10)"
PLACING = Placing(
    noun="post",
    id_field="id",
    time_field="created_at",
    time_form="an ISO 8601 time",
    fix_missing="fix the row; the rest of the file is loaded",
    fix_bad="fix the row; the rest of the file is loaded",
)


def sniff(head) -> bool:
    columns = set(head.columns or ())
    return (
        not head.workbook
        and {"id", "created_at", "text"} <= columns
        and bool(
            columns
            & {"referenced_tweets", "referenced_tweets.retweeted.id", "__twarc.retrieved_at"}
        )
    )


def _list(cell: str, object_field: str, strip: str = "") -> str:
    """A JSON list cell as varchar[]: plain strings (0.7) or objects with `object_field`."""
    if cell == "null":
        return "null"
    return f"""
        case when json_valid({cell}) and json_type({cell}::json) = 'ARRAY' then
            list_transform(from_json({cell}::json, '["json"]'), lambda v:
                ltrim(case when json_type(v) = 'OBJECT' then v ->> '$.{object_field}'
                           else v ->> '$' end, '{strip}'))
        end"""


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the file's rows as posts, users and polls. Returns (posts, rejected)."""
    rejected = stage_csv(con, path, source_file)
    found = staged_columns(con)
    require_columns(source_file, found, REQUIRED, "twarc-csv export")
    c = lambda *names: column(found, *names)  # noqa: E731
    old_layout = "referenced_tweets" in found
    if old_layout:
        refs = c("referenced_tweets")
        ref = lambda kind: (  # noqa: E731
            f"(case when json_valid({refs}) then list_filter(from_json({refs}::json, "
            f'\'[{{"type": "VARCHAR", "id": "VARCHAR"}}]\'), lambda r: r.type = \'{kind}\')'
            f"[1].id end)"
        )
        replied, retweeted, quoted = ref("replied_to"), ref("retweeted"), ref("quoted")
        section = f"case when coalesce({c('type')}, '') = '' then 'data' else 'includes' end"
        text = (
            f"case when {c('text')} like '\"%\"' and json_valid({c('text')}) "
            f"then {c('text')}::json ->> '$' else {c('text')} end"
        )
    else:
        replied = c("referenced_tweets.replied_to.id")
        retweeted = c("referenced_tweets.retweeted.id")
        quoted = c("referenced_tweets.quoted.id")
        section = "'data'"
        text = f"replace({c('text')}, '\\n', {NEWLINE})"
    metric = lambda name: f"try_cast({c('public_metrics.' + name)} as bigint)"  # noqa: E731
    con.execute(
        f"""
        create or replace temp table twarc_rows as
        select line_no, {section} as section, {c("id")} as id,
               coalesce({c("author_id", "author.id")}, {c("author.id")}) as author_id,
               {c("author.username")} as username, {c("author.name")} as display_name,
               {c("created_at")} as created_at, {text} as text,
               {replied} as replied_to, {c("in_reply_to_user_id")} as reply_user_id,
               {c("in_reply_to_username")} as reply_username,
               {quoted} as quoted, {retweeted} as retweeted,
               {c("retweeted_user_id")} as retweeted_user_id,
               {c("retweeted_username")} as retweeted_username,
               {c("conversation_id")} as conversation_id,
               {_list(c("entities.hashtags"), "tag", "#")} as hashtags,
               {_list(c("entities.mentions"), "username", "@")} as mentions,
               {_list(c("entities.urls"), "expanded_url")} as urls,
               coalesce({_list(c("attachments.poll_ids"), "id")},
                        case when {c("attachments.poll.id")} is not null
                             then [{c("attachments.poll.id")}] end) as poll_ids,
               {_list(c("edit_history_tweet_ids"), "id")} as edit_history_ids,
               {metric("retweet_count")} as retweet_count, {metric("reply_count")} as reply_count,
               {metric("like_count")} as like_count, {metric("quote_count")} as quote_count,
               {metric("impression_count")} as impression_count,
               {c("__twarc.retrieved_at")} as retrieved_at,
               {c("attachments.poll.id")} as poll_id,
               {c("attachments.poll.voting_status")} as poll_status,
               {c("attachments.poll.end_datetime")} as poll_end,
               {c("attachments.poll.duration_minutes")} as poll_minutes,
               {c("attachments.poll.options")} as poll_options
        from csv_rows
        """
    )
    rejected += reject_unplaceable(
        con,
        """(select ? as source_file, line_no, section, id as post_id, created_at as created_text,
                   try_cast(created_at as timestamptz) as created_at, null as raw_text
            from twarc_rows)""",
        PLACING,
        [source_file],
    )
    is_new_retweet = "retweeted is not null" if not old_layout else "false"
    posts = con.execute(
        f"""
        insert into raw.posts by name
        select ? as platform, id as post_id, section, author_id, username as author_username,
               timezone('UTC', try_cast(created_at as timestamptz)) as created_at,
               case when {is_new_retweet}
                    then 'RT @' || coalesce(retweeted_username, '') || ': ' || text
                    else text end as text,
               replied_to as reply_to_post_id, reply_user_id as reply_to_user_id,
               quoted as quoted_post_id, retweeted as retweeted_post_id, conversation_id,
               hashtags, mentions, urls,
               case when not {is_new_retweet} then poll_ids end as poll_ids,
               edit_history_ids,
               case when not {is_new_retweet} then retweet_count end as retweet_count,
               case when not {is_new_retweet} then reply_count end as reply_count,
               case when not {is_new_retweet} then like_count end as like_count,
               case when not {is_new_retweet} then quote_count end as quote_count,
               case when not {is_new_retweet} then impression_count end as impression_count,
               timezone('UTC', try_cast(retrieved_at as timestamptz)) as retrieved_at,
               ? as source_file, line_no as source_line
        from twarc_rows
        where id is not null
          and (section = 'includes' or try_cast(created_at as timestamptz) is not null)
        union all
        -- 0.7 retweet rows: the retweeted post as the row describes it.
        select ?, retweeted, 'includes', retweeted_user_id, retweeted_username, null, text,
               null, null, null, null, null, hashtags, mentions, urls, poll_ids, null,
               retweet_count, reply_count, like_count, quote_count, impression_count,
               timezone('UTC', try_cast(retrieved_at as timestamptz)), ?, line_no
        from twarc_rows
        where {is_new_retweet} and id is not null
        """,
        [PLATFORM, source_file, PLATFORM, source_file],
    ).fetchone()[0]
    con.execute(
        """
        insert into raw.users by name
        select distinct ? as platform, user_id, username, display_name,
               timezone('UTC', try_cast(retrieved_at as timestamptz)) as retrieved_at,
               ? as source_file, line_no as source_line
        from (
            select author_id as user_id, username, display_name, retrieved_at, line_no
            from twarc_rows
            union all
            select retweeted_user_id, retweeted_username, null, retrieved_at, line_no
            from twarc_rows
            union all
            select reply_user_id, reply_username, null, retrieved_at, line_no from twarc_rows
        )
        where user_id is not null and username is not null
        """,
        [PLATFORM, source_file],
    )
    _load_polls(con, source_file)
    con.execute("drop table if exists twarc_rows")
    con.execute("drop table if exists csv_rows")
    return posts, rejected


def _load_polls(con, source_file: str) -> None:
    con.execute(
        """
        insert into raw.polls by name
        select distinct ? as platform, poll_id, poll_status as voting_status,
               timezone('UTC', try_cast(poll_end as timestamptz)) as end_at,
               try_cast(poll_minutes as bigint) as duration_minutes,
               timezone('UTC', try_cast(retrieved_at as timestamptz)) as retrieved_at,
               ? as source_file, line_no as source_line, false as multiple_choice
        from twarc_rows where poll_id is not null
        """,
        [PLATFORM, source_file],
    )
    con.execute(
        """
        insert into raw.poll_options by name
        select ? as platform, poll_id, o.position as option_position, o.label as option_label,
               o.votes, timezone('UTC', try_cast(retrieved_at as timestamptz)) as retrieved_at,
               ? as source_file, line_no as source_line
        from (
            select poll_id, retrieved_at, line_no,
                   unnest(from_json(poll_options::json,
                       '[{"position": "BIGINT", "label": "VARCHAR", "votes": "BIGINT"}]')) as o
            from twarc_rows
            where poll_id is not null and json_valid(poll_options)
        )
        """,
        [PLATFORM, source_file],
    )


def post_times(con, path: Path) -> str:
    """SQL of the times (column `created_at`, UTC) of the rows ingest lands as section 'data',
    reading only the id, created_at and type columns."""
    rows = csv_column_scan(con, path, ["id", "created_at", "type"])
    return f"""
        select timezone('UTC', try_cast(created_at as timestamptz)) as created_at
        from ({rows}) where id is not null and coalesce(type, '') = ''
    """
