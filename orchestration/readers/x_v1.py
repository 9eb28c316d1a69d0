"""X API v1.1 exports: search responses (`statuses`), status arrays and line-delimited statuses.

Ids are read from `id_str` (the numeric `id` exceeds 2^53 and is wrong as a float). The full
text is `extended_tweet.full_text` (streaming), else `full_text` (extended mode), else `text`.
Retweeted and quoted statuses land as referenced ('includes') posts. Parsing is DuckDB SQL.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.readers.common import reject
from orchestration.readers.json_records import json_line_times, stage_json_records
from orchestration.readers.staging import Placing, reject_unplaceable

FORMAT = "x_v1"
PLATFORM = "x"
# "Fri Jul 12 23:40:37 +0000 2019"
V1_TIME = "%a %b %d %H:%M:%S %z %Y"
PLACING = Placing(
    noun="status",
    id_field="id_str",
    time_field="created_at",
    time_form='the v1.1 form "Fri Jul 12 23:40:37 +0000 2019" or ISO 8601',
    fix_missing="fix the export so the post can be placed in a chat window",
    fix_bad="fix the export so the post can be placed in a chat window",
    fix_no_id="the export lost its ids; re-export with the v1.1 API (the numeric id is not "
    "exact above 2^53)",
)

_ENTITIES = {
    "hashtags": [{"text": "VARCHAR"}],
    "user_mentions": [{"screen_name": "VARCHAR"}],
    "urls": [{"expanded_url": "VARCHAR", "url": "VARCHAR"}],
}
_STATUS = {
    "id_str": "VARCHAR",
    "created_at": "VARCHAR",
    "text": "VARCHAR",
    "full_text": "VARCHAR",
    "extended_tweet": {"full_text": "VARCHAR", "entities": _ENTITIES},
    "user": {"id_str": "VARCHAR", "screen_name": "VARCHAR", "name": "VARCHAR"},
    "in_reply_to_status_id_str": "VARCHAR",
    "in_reply_to_user_id_str": "VARCHAR",
    "quoted_status_id_str": "VARCHAR",
    "entities": _ENTITIES,
    "retweet_count": "BIGINT",
    "favorite_count": "BIGINT",
    "reply_count": "BIGINT",
    "quote_count": "BIGINT",
}
STATUS_SCHEMA = json.dumps(
    {
        **_STATUS,
        "retweeted_status": {
            **_STATUS,
            "quoted_status": _STATUS,
            "retweeted_status": {"id_str": "VARCHAR"},
        },
        "quoted_status": {**_STATUS, "retweeted_status": {"id_str": "VARCHAR"}},
    }
)


def sniff(head) -> bool:
    """v1.1 statuses carry `id_str` and a `user` object; search responses a `statuses` list."""
    for record in head.records:
        if isinstance(record, dict) and (
            "statuses" in record or ("id_str" in record and "user" in record)
        ):
            return True
    return False


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the file's statuses and the statuses they embed. Returns (posts, rejected)."""
    rejected = stage_json_records(con, path, source_file)
    con.execute(
        """
        create or replace temp table v1_docs as
        select line_no, unnest(from_json(doc -> '$.statuses', '["json"]')) as status
        from export_records where json_type(doc, '$.statuses') = 'ARRAY'
        union all
        select line_no, doc from export_records
        where json_type(doc, '$.statuses') is null and json_exists(doc, '$.id_str')
        """
    )
    rejected += reject(
        con,
        source_file,
        """
        select line_no, null,
               'not an X API v1.1 status or search response (a stream message such as '
               || coalesce(json_keys(doc)[1], '?') || '?): expected "id_str" and "user", '
               || 'or a "statuses" list; the record is skipped',
               left(doc::varchar, 4000)
        from export_records
        where json_type(doc, '$.statuses') is null and not json_exists(doc, '$.id_str')
        """,
    )
    con.execute(
        f"""
        create or replace temp table v1_parsed as
        select line_no, status::varchar as status_text,
               from_json(status, '{STATUS_SCHEMA}') as s
        from v1_docs
        """
    )
    created = (
        f"coalesce(try_strptime(s.created_at, '{V1_TIME}'), try_cast(s.created_at as timestamptz))"
    )
    rejected += reject_unplaceable(
        con,
        f"""(select ? as source_file, line_no, 'data' as section, s.id_str as post_id,
                    s.created_at as created_text, {created} as created_at,
                    status_text as raw_text
             from v1_parsed)""",
        PLACING,
        [source_file],
    )
    # Every status of the export, then the statuses it embeds (one and two levels down),
    # each flattened to the same columns.
    sources = [
        ("'data'", "s", "s.retweeted_status.id_str", "s.id_str is not null"),
        ("'includes'", "s.retweeted_status", "null", "s.retweeted_status.id_str is not null"),
        ("'includes'", "s.quoted_status", "null", "s.quoted_status.id_str is not null"),
        (
            "'includes'",
            "s.retweeted_status.quoted_status",
            "null",
            "s.retweeted_status.quoted_status.id_str is not null",
        ),
    ]
    con.execute(
        "create or replace temp table v1_statuses as "
        + " union all ".join(
            f"select line_no, {section} as section, {_flat(status, retweeted)} "
            f"from v1_parsed where {where}"
            for section, status, retweeted, where in sources
        )
    )
    posts = con.execute(
        f"""
        insert into raw.posts
        select ?, id, section, user_id, username,
               timezone('UTC', coalesce(try_strptime(created_at, '{V1_TIME}'),
                                        try_cast(created_at as timestamptz))),
               text, reply_to_post_id, reply_to_user_id, quoted_post_id, retweeted_post_id,
               null, hashtags, mentions, urls, null, null,
               retweet_count, reply_count, like_count, quote_count, null,
               null, ?, line_no, null
        from v1_statuses
        where section = 'includes'
           or coalesce(try_strptime(created_at, '{V1_TIME}'),
                       try_cast(created_at as timestamptz)) is not null
        """,
        [PLATFORM, source_file],
    ).fetchone()[0]
    con.execute(
        """
        insert into raw.users
        select distinct ?, user_id, username, display_name, null::timestamp, ?, line_no
        from v1_statuses where user_id is not null
        """,
        [PLATFORM, source_file],
    )
    for table in ("v1_docs", "v1_parsed", "v1_statuses", "export_records"):
        con.execute(f"drop table if exists {table}")
    return posts, rejected


def _flat(status: str, retweeted: str) -> str:
    """The columns of one v1.1 status struct expression, as the raw table wants them."""
    entities = f"coalesce({status}.extended_tweet.entities, {status}.entities)"
    return f"""
        {status}.id_str as id, {status}.created_at as created_at,
        coalesce({status}.extended_tweet.full_text, {status}.full_text, {status}.text) as text,
        {status}.user.id_str as user_id, {status}.user.screen_name as username,
        {status}.user.name as display_name,
        {status}.in_reply_to_status_id_str as reply_to_post_id,
        {status}.in_reply_to_user_id_str as reply_to_user_id,
        {status}.quoted_status_id_str as quoted_post_id,
        {retweeted} as retweeted_post_id,
        list_transform({entities}.hashtags, lambda h: h.text) as hashtags,
        list_transform({entities}.user_mentions, lambda m: m.screen_name) as mentions,
        list_transform({entities}.urls, lambda u: coalesce(u.expanded_url, u.url)) as urls,
        {status}.retweet_count as retweet_count, {status}.reply_count as reply_count,
        {status}.favorite_count as like_count, {status}.quote_count as quote_count
    """


def post_times(con, path: Path) -> str:
    """SQL of the times (column `created_at`, UTC) of the statuses ingest lands as section
    'data' (a search response's `statuses`, a status line or array; not the statuses they
    embed), parsing nothing of the file but those timestamps. For a file of JSON lines."""
    return json_line_times(
        path,
        listed="$.statuses[*].created_at",
        other_shapes="""
            when left(ltrim(line), 1) = '[' then list_concat(
                json_extract_string(line, '$[*].statuses[*].created_at'),
                json_extract_string(line, '$[*].created_at'))
            when json_exists(line, '$.id_str') and not json_exists(line, '$.statuses')
            then [line ->> '$.created_at']
        """,
        parse=f"timezone('UTC', coalesce(try_strptime(created_at_text, '{V1_TIME}'), "
        "try_cast(created_at_text as timestamptz)))",
    )
