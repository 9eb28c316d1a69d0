"""X API v2 exports: twarc2 response pages, filtered-stream lines and twarc's flattened posts.

All parsing is DuckDB SQL over the staged lines of many files at once: each line's JSON is
parsed once into a struct with an explicit schema of just the fields the warehouse uses.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.readers.common import column_types, landed_per_file, reject_records
from orchestration.readers.json_records import json_line_times, stage_json_lines
from orchestration.readers.staging import PLACEABLE, Placing, reject_unplaceable

FORMAT = "x_v2"
PLATFORM = "x"
PLACING = Placing(
    noun="post",
    id_field="id",
    time_field="created_at",
    time_form="an ISO 8601 time",
    fix_missing="export with tweet.fields=created_at,author_id so the post can be placed in "
    "a chat window",
    fix_bad="fix the export",
)

_METRICS = {
    "retweet_count": "BIGINT",
    "reply_count": "BIGINT",
    "like_count": "BIGINT",
    "quote_count": "BIGINT",
    "impression_count": "BIGINT",
}
_USER = {"id": "VARCHAR", "username": "VARCHAR", "name": "VARCHAR"}
_POST_FIELDS = {
    "id": "VARCHAR",
    "author_id": "VARCHAR",
    "created_at": "VARCHAR",
    "text": "VARCHAR",
    "note_tweet": {"text": "VARCHAR"},
    "conversation_id": "VARCHAR",
    "in_reply_to_user_id": "VARCHAR",
    "entities": {
        "hashtags": [{"tag": "VARCHAR"}],
        "mentions": [{"username": "VARCHAR"}],
        "urls": [{"expanded_url": "VARCHAR", "unwound_url": "VARCHAR", "url": "VARCHAR"}],
    },
    "attachments": {"poll_ids": ["VARCHAR"]},
    "public_metrics": _METRICS,
    "edit_history_tweet_ids": ["VARCHAR"],
    "author": _USER,
    "__twarc": {"retrieved_at": "VARCHAR"},
}
# A page's posts name their referenced posts as {type, id}; twarc's flattened lines embed the
# whole referenced post. Each line is parsed once, with one schema for all three shapes: the
# page's lists hold posts with the short references (the long ones make the parse twice as
# slow), the top level the fields of a flattened post.
_REFERENCE = {"type": "VARCHAR", "id": "VARCHAR"}
_PAGE_POST = {**_POST_FIELDS, "referenced_tweets": [_REFERENCE]}
_FLAT_POST = {**_POST_FIELDS, "referenced_tweets": [{**_REFERENCE, **_POST_FIELDS}]}
_POLL = {
    "id": "VARCHAR",
    "voting_status": "VARCHAR",
    "end_datetime": "VARCHAR",
    "duration_minutes": "BIGINT",
    "options": [{"position": "BIGINT", "label": "VARCHAR", "votes": "BIGINT"}],
}
LINE_SCHEMA = json.dumps(
    {
        **_FLAT_POST,
        "data": [_PAGE_POST],
        "includes": {"tweets": [_PAGE_POST], "users": [_USER], "polls": [_POLL]},
        "errors": ["JSON"],
    }
)
# A filtered-stream line has one post as `data`, not a list: those lines are parsed again.
_STREAM_SCHEMA = json.dumps({"data": _PAGE_POST})


def sniff(head) -> bool:
    """True when the first records look like X API v2 pages, stream lines or flattened posts."""
    for record in head.records:
        if not isinstance(record, dict):
            continue
        if "data" in record or "errors" in record:
            return True
        # A v2 post; v1.1 statuses carry a "user" object instead of author_id.
        if (
            "id" in record
            and "user" not in record
            and ("text" in record or "edit_history_tweet_ids" in record)
        ):
            return True
    return False


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the file's posts, users and polls in the raw tables. Returns (posts, rejected)."""
    return load_many(con, [(path, source_file)])[source_file]


def load_many(con, files: list[tuple[Path, str]]) -> dict[str, tuple[int, int]]:
    """Land several files at once: (path, source_file) pairs -> {source_file: (posts, rejected)}.

    The files' earlier rows must already be gone from the raw tables (ingest forgets a file
    before it loads it again).
    """
    # Page lines are parsed as they are staged and their text dropped; the text of the rest
    # (stream lines, flattened posts, anything unknown) is kept to be read again.
    stage_json_lines(con, files, LINE_SCHEMA, keep_line="parsed.data is null")
    # A view, not a table: a copy of a batch's parsed pages would double its memory.
    con.execute(
        f"""
        create or replace temp view x_records as
        with records as (
            select source_file, line_no,
                   case when parsed is not null then parsed
                        else from_json(line, '{LINE_SCHEMA}') end as r,
                   line as doc
            from export_lines where valid and opening <> '['
            union all
            select source_file, line_no, from_json(element, '{LINE_SCHEMA}'), element
            from (select source_file, line_no, unnest(from_json(line, '["json"]'))::varchar
                         as element
                  from export_lines where valid and opening = '[')
        )
        select source_file, line_no, r, doc,
               case
                   when r.data is not null then 'page'
                   when json_type(doc, '$.data') = 'OBJECT' then 'stream'
                   when json_type(doc, '$.data') = 'NULL' then 'page'
                   when json_exists(doc, '$.id') then 'post'
                   when json_exists(doc, '$.errors') or json_exists(doc, '$.meta') then 'page'
                   else 'unknown'
               end as shape
        from records
        """
    )
    reject_records(
        con,
        """
        select source_file, line_no, null, 'not an X API v2 page, stream line or post: '
               || 'expected a "data" list, a "data" object or a post with "id"', left(doc, 4000)
        from x_records where shape = 'unknown'
        """,
    )
    # API errors (suspended users, deleted posts) are kept as rejected records with their reason.
    reject_records(
        con,
        """
        select source_file, line_no, 'errors',
               'X API error in the export: ' || coalesce(e ->> 'title', '') || ': '
               || coalesce(e ->> 'detail', e ->> 'message', ''),
               left(e::varchar, 4000)
        from (select source_file, line_no, unnest(r.errors) as e from x_records)
        """,
    )
    _stage_posts(con)
    reject_unplaceable(
        con,
        "(select source_file, source_line as line_no, section, post_id, created_at_text as "
        "created_text, created_at, post_json as raw_text from x_posts)",
        PLACING,
    )
    columns = ", ".join(column_types("posts"))
    con.execute(
        f"""
        insert into raw.posts
        select {columns} from x_posts
        where {PLACEABLE}
        """
    )
    _load_users(con)
    _load_polls(con)
    con.execute("drop view x_records")
    for table in ("x_posts", "export_lines"):
        con.execute(f"drop table {table}")
    return landed_per_file(con, [source_file for _, source_file in files])


def _post_columns(post: str, section: str, retrieved_at: str, references: bool = True) -> str:
    """The raw.posts columns of an X v2 post struct `post` (and what its rejection needs)."""
    if references:
        replied_to, quoted, retweeted = (
            f"list_filter({post}.referenced_tweets, lambda ref: ref.type = '{kind}')[1].id"
            for kind in ("replied_to", "quoted", "retweeted")
        )
    else:
        replied_to = quoted = retweeted = "null"
    created_at = f"timezone('UTC', try_cast({post}.created_at as timestamptz))"
    return f"""
        '{PLATFORM}' as platform, {post}.id as post_id, {section} as section,
        coalesce({post}.author_id, {post}.author.id) as author_id,
        {post}.author.username as author_username, {created_at} as created_at,
        coalesce({post}.note_tweet.text, {post}.text) as text,
        {replied_to} as reply_to_post_id, {post}.in_reply_to_user_id as reply_to_user_id,
        {quoted} as quoted_post_id, {retweeted} as retweeted_post_id,
        {post}.conversation_id as conversation_id,
        list_transform({post}.entities.hashtags, lambda h: h.tag) as hashtags,
        list_transform({post}.entities.mentions, lambda m: m.username) as mentions,
        list_transform({post}.entities.urls,
                       lambda u: coalesce(u.unwound_url, u.expanded_url, u.url)) as urls,
        {post}.attachments.poll_ids as poll_ids,
        {post}.edit_history_tweet_ids as edit_history_ids,
        {post}.public_metrics.retweet_count as retweet_count,
        {post}.public_metrics.reply_count as reply_count,
        {post}.public_metrics.like_count as like_count,
        {post}.public_metrics.quote_count as quote_count,
        {post}.public_metrics.impression_count as impression_count,
        timezone('UTC', try_cast(coalesce({post}.__twarc.retrieved_at, {retrieved_at})
                                 as timestamptz)) as retrieved_at,
        source_file, line_no as source_line, null::varchar as kind,
        {post}.created_at as created_at_text,
        {post}.author.id as author_user_id, {post}.author.name as author_display_name,
        {retrieved_at} as line_retrieved_at,
        case when {post}.id is null or {created_at} is null
             then left(to_json({post})::varchar, 4000) end as post_json
    """


def _stage_posts(con) -> None:
    """Temp table `x_posts`: every post of the records, as raw.posts rows and a little more."""
    retrieved = "r.__twarc.retrieved_at"
    con.execute(
        f"""
        create or replace temp table x_posts as
        select {_post_columns("p", "'data'", "page_retrieved_at")}
        from (select source_file, line_no, unnest(r.data) as p, {retrieved} as page_retrieved_at
              from x_records where shape = 'page')
        union all
        select {_post_columns("p", "'data'", "page_retrieved_at")}
        from (select source_file, line_no,
                     from_json(doc, '{_STREAM_SCHEMA}').data as p, {retrieved} as page_retrieved_at
              from x_records where shape = 'stream')
        union all
        select {_post_columns("p", "'includes'", "page_retrieved_at")}
        from (select source_file, line_no, unnest(r.includes.tweets) as p,
                     {retrieved} as page_retrieved_at
              from x_records where shape in ('page', 'stream'))
        union all
        select {_post_columns("r", "'data'", retrieved)}
        from x_records where shape = 'post'
        union all
        -- Flattened lines embed whole referenced posts; they land as 'includes' rows like a
        -- page's.
        select {_post_columns("p", "'includes'", "page_retrieved_at", references=False)}
        from (select source_file, line_no, unnest(r.referenced_tweets) as p,
                     {retrieved} as page_retrieved_at
              from x_records where shape = 'post')
        where p.text is not null or p.created_at is not null
        """
    )


def _load_users(con) -> None:
    con.execute(
        f"""
        insert into raw.users
        with docs as (
            select source_file, line_no, r.__twarc.retrieved_at as retrieved_at,
                   unnest(r.includes.users) as u
            from x_records
            union all
            select source_file, source_line, line_retrieved_at,
                   {{'id': author_user_id, 'username': author_username,
                     'name': author_display_name}}
            from x_posts where author_user_id is not null
        )
        select '{PLATFORM}', u.id, u.username, u.name,
               timezone('UTC', try_cast(retrieved_at as timestamptz)), source_file, line_no
        from docs where u.id is not null
        """
    )


def _load_polls(con) -> None:
    con.execute(
        """
        create or replace temp table x_polls as
        select source_file, line_no, r.__twarc.retrieved_at as retrieved_at,
               unnest(r.includes.polls) as poll
        from x_records
        """
    )
    con.execute(
        f"""
        insert into raw.polls
        select '{PLATFORM}', poll.id, poll.voting_status,
               timezone('UTC', try_cast(poll.end_datetime as timestamptz)), poll.duration_minutes,
               timezone('UTC', try_cast(retrieved_at as timestamptz)), source_file, line_no,
               false, null
        from x_polls where poll.id is not null
        """
    )
    con.execute(
        f"""
        insert into raw.poll_options
        select '{PLATFORM}', poll_id, o.position, o.label, o.votes,
               timezone('UTC', try_cast(retrieved_at as timestamptz)), source_file, line_no
        from (select source_file, line_no, retrieved_at, poll.id as poll_id,
                     unnest(poll.options) as o
              from x_polls where poll.id is not null)
        """
    )
    con.execute("drop table x_polls")


def post_times(con, path: Path) -> str:
    """SQL of the times of the posts ingest lands as section 'data' (a page's `data` list, a
    stream line's `data` post, a flattened post; not the referenced posts of `includes`),
    column `created_at` (UTC), parsing nothing of the file but those timestamps. For a file
    of JSON lines; the month scan (orchestration/months.py) loads other files."""
    return json_line_times(
        path,
        listed="$.data[*].created_at",
        other_shapes="""
            when left(ltrim(line), 1) = '[' then list_concat(
                json_extract_string(line, '$[*].data[*].created_at'),
                json_extract_string(line, '$[*].data.created_at'),
                json_extract_string(line, '$[*].created_at'))
            when json_type(line, '$.data') = 'OBJECT' then [line ->> '$.data.created_at']
            when json_type(line, '$.data') is null and json_exists(line, '$.id')
            then [line ->> '$.created_at']
        """,
        parse="timezone('UTC', try_cast(created_at_text as timestamptz))",
    )
