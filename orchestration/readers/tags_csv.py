"""TAGS (Twitter Archiving Google Sheet) CSV exports.

Columns `id_str, from_user, text, created_at, time, ..., entities_str`. Missing values are the
literal `NA` (R) or empty. `created_at` is the v1.1 UTC time and is trusted; the `time` column
is a local time mislabelled `Z` (one hour off in summer) and is ignored. A retweet is a row
whose text starts "RT @": TAGS does not name the retweeted post, so it lands with kind
'retweet' and no retweeted_post_id, and its own (truncated) text's hashtags decide membership.
TAGS has no post metrics: they stay null.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.readers.csv_records import (
    column,
    csv_column_scan,
    require_columns,
    stage_csv,
    staged_columns,
)
from orchestration.readers.staging import Placing, reject_unplaceable
from orchestration.readers.x_v1 import V1_TIME

FORMAT = "tags_csv"
PLATFORM = "x"
REQUIRED = {
    "id_str": "the post id",
    "from_user": "the author's username",
    "text": "the post's text",
    "created_at": 'the v1.1 time "Sun Apr 19 19:22:23 +0000 2020"',
}
PLACING = Placing(
    noun="post",
    id_field="id_str",
    time_field="created_at",
    time_form='the v1.1 form "Sun Apr 19 19:22:23 +0000 2020" or ISO 8601',
    fix_missing="fix the row; the rest of the sheet is loaded",
    fix_bad="fix the row; the rest of the sheet is loaded",
)
_ENTITIES = json.dumps(
    {
        "hashtags": [{"text": "VARCHAR"}],
        "user_mentions": [{"screen_name": "VARCHAR"}],
        "urls": [{"expanded_url": "VARCHAR", "url": "VARCHAR"}],
    }
)


def sniff(head) -> bool:
    columns = set(head.columns or ())
    return not head.workbook and {"id_str", "from_user", "created_at"} <= columns


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the sheet's rows as posts and users. Returns (posts, rejected)."""
    rejected = stage_csv(con, path, source_file, nulls=("", "NA"))
    found = staged_columns(con)
    require_columns(source_file, found, REQUIRED, "TAGS sheet")
    c = lambda name: column(found, name)  # noqa: E731
    created = (
        f"coalesce(try_strptime({c('created_at')}, '{V1_TIME}'), "
        f"try_cast({c('created_at')} as timestamptz))"
    )
    entities = (
        f"case when json_valid({c('entities_str')}) "
        f"then from_json({c('entities_str')}::json, '{_ENTITIES}') end"
    )
    con.execute(
        f"""
        create or replace temp table tags_rows as
        select line_no, {c("id_str")} as id, {c("from_user_id_str")} as author_id,
               {c("from_user")} as username, {c("created_at")} as created_text,
               timezone('UTC', {created}) as created_at, {c("text")} as text,
               {c("in_reply_to_status_id_str")} as reply_to, {c("in_reply_to_user_id_str")}
                   as reply_user, {entities} as e
        from csv_rows
        """
    )
    rejected += reject_unplaceable(
        con,
        """(select ? as source_file, line_no, 'data' as section, id as post_id,
                   created_text, created_at, text as raw_text from tags_rows)""",
        PLACING,
        [source_file],
    )
    posts = con.execute(
        """
        insert into raw.posts by name
        select ? as platform, id as post_id, 'data' as section, author_id,
               username as author_username, created_at, text,
               reply_to as reply_to_post_id, reply_user as reply_to_user_id,
               list_transform(e.hashtags, lambda h: h.text) as hashtags,
               list_transform(e.user_mentions, lambda m: m.screen_name) as mentions,
               list_transform(e.urls, lambda u: coalesce(u.expanded_url, u.url)) as urls,
               ? as source_file, line_no as source_line,
               case when text like 'RT @%' then 'retweet' end as kind
        from tags_rows where id is not null and created_at is not null
        """,
        [PLATFORM, source_file],
    ).fetchone()[0]
    con.execute(
        """
        insert into raw.users by name
        select distinct ? as platform, author_id as user_id, username, ? as source_file,
               line_no as source_line
        from tags_rows where author_id is not null
        """,
        [PLATFORM, source_file],
    )
    con.execute("drop table if exists tags_rows")
    con.execute("drop table if exists csv_rows")
    return posts, rejected


def post_times(con, path: Path) -> str:
    """SQL of the times (column `created_at`, UTC) of the sheet's posts, reading only the
    id_str and created_at columns."""
    rows = csv_column_scan(con, path, ["id_str", "created_at"], nulls=("", "NA"))
    return f"""
        select timezone('UTC', coalesce(try_strptime(created_at, '{V1_TIME}'),
                                        try_cast(created_at as timestamptz))) as created_at
        from ({rows}) where id_str is not null
    """
