"""X API v2 exports: twarc2 response pages, filtered-stream lines and twarc's flattened posts.

All parsing is DuckDB SQL over the staged records: each post's JSON is parsed once into a
struct with an explicit schema of just the fields the warehouse uses.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.readers.common import reject
from orchestration.readers.json_records import stage_json_records

FORMAT = "x_v2"
PLATFORM = "x"

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
# Referenced posts are {type, id} in pages and whole posts in twarc's flattened lines.
POST_SCHEMA = json.dumps(
    {**_POST_FIELDS, "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR", **_POST_FIELDS}]}
)
_POLL_SCHEMA = json.dumps(
    {
        "id": "VARCHAR",
        "voting_status": "VARCHAR",
        "end_datetime": "VARCHAR",
        "duration_minutes": "BIGINT",
        "options": [{"position": "BIGINT", "label": "VARCHAR", "votes": "BIGINT"}],
    }
)


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
    rejected = stage_json_records(con, path, source_file)
    con.execute(
        """
        create or replace temp table x_records as
        select line_no, doc,
               case
                   when json_type(doc, '$.data') = 'ARRAY' then 'page'
                   when json_type(doc, '$.data') = 'OBJECT' then 'stream'
                   when json_type(doc, '$.data') = 'NULL' then 'page'
                   when json_exists(doc, '$.id') then 'post'
                   when json_exists(doc, '$.errors') or json_exists(doc, '$.meta') then 'page'
                   else 'unknown'
               end as shape,
               doc ->> '$.__twarc.retrieved_at' as page_retrieved_at
        from export_records
        """
    )
    rejected += reject(
        con,
        source_file,
        "select line_no, null, 'not an X API v2 page, stream line or post: "
        'expected a "data" list, a "data" object or a post with "id"\', left(doc::varchar, 4000) '
        "from x_records where shape = 'unknown'",
    )
    # API errors (suspended users, deleted posts) are kept as rejected records with their reason.
    rejected += reject(
        con,
        source_file,
        """
        select line_no, 'errors',
               'X API error in the export: ' || coalesce(e ->> 'title', '') || ': '
               || coalesce(e ->> 'detail', e ->> 'message', ''),
               left(e::varchar, 4000)
        from (select line_no, unnest(from_json(doc -> '$.errors', '["json"]')) as e
              from x_records where json_type(doc, '$.errors') = 'ARRAY')
        """,
    )
    con.execute(
        """
        create or replace temp table x_post_docs as
        select line_no, 'data' as section, unnest(from_json(doc -> '$.data', '["json"]')) as post,
               page_retrieved_at
        from x_records where shape = 'page' and json_type(doc, '$.data') = 'ARRAY'
        union all
        select line_no, 'data', doc -> '$.data', page_retrieved_at from x_records where shape = 'stream'
        union all
        select line_no, 'data', doc, doc ->> '$.__twarc.retrieved_at' from x_records where shape = 'post'
        union all
        select line_no, 'includes', unnest(from_json(doc -> '$.includes.tweets', '["json"]')),
               page_retrieved_at
        from x_records
        where shape in ('page', 'stream') and json_type(doc, '$.includes.tweets') = 'ARRAY'
        """
    )
    con.execute(
        f"""
        create or replace temp table x_posts_parsed as
        select line_no, section, page_retrieved_at, post::varchar as post_text,
               from_json(post, '{POST_SCHEMA}') as p
        from x_post_docs
        """
    )
    # Flattened lines embed whole referenced posts; they land as 'includes' rows like a page's.
    con.execute(
        """
        insert into x_posts_parsed
        select line_no, 'includes', page_retrieved_at, null, r
        from (select line_no, page_retrieved_at, unnest(p.referenced_tweets) as r
              from x_posts_parsed where section = 'data')
        where r.text is not null or r.created_at is not null
        """
    )
    rejected += reject(
        con,
        source_file,
        """
        select line_no, case when p.id is null then 'id' else 'created_at' end,
               'post ' || coalesce(p.id, '(no id)') || ' has no '
               || case when p.id is null then 'id' else 'created_at' end
               || ': export with tweet.fields=created_at,author_id so the post can be placed '
               || 'in a chat window',
               left(post_text, 4000)
        from x_posts_parsed
        where section = 'data' and (p.id is null or p.created_at is null)
        """,
    )
    rejected += reject(
        con,
        source_file,
        """
        select line_no, 'created_at',
               'post ' || p.id || ' has created_at ' || p.created_at
               || ' which is not an ISO 8601 time: fix the export',
               left(post_text, 4000)
        from x_posts_parsed
        where section = 'data' and p.created_at is not null
          and try_cast(p.created_at as timestamptz) is null
        """,
    )
    posts = con.execute(
        """
        insert into raw.posts
        select ?, p.id, section, coalesce(p.author_id, p.author.id), p.author.username,
               timezone('UTC', try_cast(p.created_at as timestamptz)),
               coalesce(p.note_tweet.text, p.text),
               list_filter(p.referenced_tweets, lambda r: r.type = 'replied_to')[1].id,
               p.in_reply_to_user_id,
               list_filter(p.referenced_tweets, lambda r: r.type = 'quoted')[1].id,
               list_filter(p.referenced_tweets, lambda r: r.type = 'retweeted')[1].id,
               p.conversation_id,
               list_transform(p.entities.hashtags, lambda h: h.tag),
               list_transform(p.entities.mentions, lambda m: m.username),
               list_transform(p.entities.urls, lambda u: coalesce(u.unwound_url, u.expanded_url, u.url)),
               p.attachments.poll_ids,
               p.edit_history_tweet_ids,
               p.public_metrics.retweet_count, p.public_metrics.reply_count,
               p.public_metrics.like_count, p.public_metrics.quote_count,
               p.public_metrics.impression_count,
               timezone('UTC', try_cast(coalesce(p.__twarc.retrieved_at, page_retrieved_at)
                                        as timestamptz)),
               ?, line_no, null
        from x_posts_parsed
        where p.id is not null
          and (section = 'includes' or try_cast(p.created_at as timestamptz) is not null)
        """,
        [PLATFORM, source_file],
    ).fetchone()[0]
    _load_users(con, source_file)
    _load_polls(con, source_file)
    for table in ("x_records", "x_post_docs", "x_posts_parsed", "export_records"):
        con.execute(f"drop table if exists {table}")
    return posts, rejected


def _load_users(con, source_file: str) -> None:
    con.execute(
        f"""
        insert into raw.users
        with docs as (
            select line_no, page_retrieved_at,
                   unnest(from_json(doc -> '$.includes.users', '[{json.dumps(_USER)}]')) as u
            from x_records where json_type(doc, '$.includes.users') = 'ARRAY'
            union all
            select line_no, page_retrieved_at, p.author from x_posts_parsed where p.author.id is not null
        )
        select ?, u.id, u.username, u.name,
               timezone('UTC', try_cast(page_retrieved_at as timestamptz)), ?, line_no
        from docs where u.id is not null
        """,
        [PLATFORM, source_file],
    )


def _load_polls(con, source_file: str) -> None:
    con.execute(
        f"""
        create or replace temp table x_polls as
        select line_no, page_retrieved_at,
               unnest(from_json(doc -> '$.includes.polls', '[{_POLL_SCHEMA}]')) as poll
        from x_records where json_type(doc, '$.includes.polls') = 'ARRAY'
        """
    )
    con.execute(
        """
        insert into raw.polls
        select ?, poll.id, poll.voting_status,
               timezone('UTC', try_cast(poll.end_datetime as timestamptz)), poll.duration_minutes,
               timezone('UTC', try_cast(page_retrieved_at as timestamptz)), ?, line_no, false, null
        from x_polls where poll.id is not null
        """,
        [PLATFORM, source_file],
    )
    con.execute(
        """
        insert into raw.poll_options
        select ?, poll_id, o.position, o.label, o.votes,
               timezone('UTC', try_cast(page_retrieved_at as timestamptz)), ?, line_no
        from (select line_no, page_retrieved_at, poll.id as poll_id, unnest(poll.options) as o
              from x_polls where poll.id is not null)
        """,
        [PLATFORM, source_file],
    )
    con.execute("drop table x_polls")
