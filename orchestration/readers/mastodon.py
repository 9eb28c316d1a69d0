"""Mastodon REST API v1 responses: status arrays (hashtag and account timelines), single
statuses, contexts (`ancestors` + `descendants`) and polls, one response a file or one a line.

`content` is HTML: it lands as plain text (paragraphs and <br> as line breaks, entities
decoded; see `html_text.py`). Hashtags from `tags`, mentions from `mentions[].acct`
(`user@instance` for remote accounts), links from the content's anchors that are neither
mentions nor hashtags. A reblog is a retweet of the reblogged status, which lands as a
referenced post. Polls keep `multiple` and `voters_count`. Mastodon has no view counts:
impressions stay null. Parsing is DuckDB SQL over the staged records.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.readers.common import reject
from orchestration.readers.html_text import (
    WHITESPACE,
    stage_html_text,
    stage_reference_tables,
)
from orchestration.readers.json_records import non_empty_object, stage_json_records
from orchestration.readers.staging import PLACEABLE, Placing, reject_unplaceable

FORMAT = "mastodon"
PLATFORM = "mastodon"
PLACING = Placing(
    noun="status",
    id_field="id",
    time_field="created_at",
    time_form="an ISO 8601 time",
    fix_missing="it cannot be placed in a chat window; re-export the status",
    fix_bad="fix the export",
)
_POLL = {
    "id": "VARCHAR",
    "expired": "BOOLEAN",
    "expires_at": "VARCHAR",
    "multiple": "BOOLEAN",
    "voters_count": "BIGINT",
    "options": [{"title": "VARCHAR", "votes_count": "BIGINT"}],
}
POLL_SCHEMA = json.dumps(_POLL)
STATUS_SCHEMA = json.dumps(
    {
        "id": "VARCHAR",
        "created_at": "VARCHAR",
        "content": "VARCHAR",
        "spoiler_text": "VARCHAR",
        "in_reply_to_id": "VARCHAR",
        "in_reply_to_account_id": "VARCHAR",
        "account": {
            "id": "VARCHAR",
            "acct": "VARCHAR",
            "username": "VARCHAR",
            "display_name": "VARCHAR",
        },
        "tags": [{"name": "VARCHAR"}],
        "mentions": [{"acct": "VARCHAR"}],
        "reblogs_count": "BIGINT",
        "replies_count": "BIGINT",
        "favourites_count": "BIGINT",
        "quotes_count": "BIGINT",
        "card": {"url": "VARCHAR"},
        "quote": {"quoted_status": {"id": "VARCHAR"}, "quoted_status_id": "VARCHAR"},
        "poll": _POLL,
    }
)


def _is_status(value) -> bool:
    return isinstance(value, dict) and "content" in value and isinstance(value.get("account"), dict)


def _is_poll(value) -> bool:
    return (
        isinstance(value, dict)
        and "options" in value
        and "multiple" in value
        and "votes_count" in value
    )


def sniff(head) -> bool:
    return any(
        _is_status(record)
        or _is_poll(record)
        or (isinstance(record, dict) and {"ancestors", "descendants"} <= set(record))
        for record in head.records
    )


def _is_status_sql(value: str) -> str:
    """SQL: the JSON `value` is a status (content and an account object) with an id."""
    return (
        f"(json_type({value}) = 'OBJECT' and json_exists({value}, '$.content') "
        f"and json_type({value}, '$.account') = 'OBJECT' "
        f"and coalesce({value} ->> '$.id', '') <> '')"
    )


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the responses' statuses, accounts and polls. Returns (posts, rejected)."""
    rejected = stage_json_records(con, path, source_file)
    con.execute(
        """
        create or replace temp table mastodon_responses as
        select line_no, doc,
               case when json_type(doc) = 'OBJECT' and json_exists(doc, '$.ancestors')
                         and json_exists(doc, '$.descendants') then 'context'
                    when json_exists(doc, '$.content')
                         and json_type(doc, '$.account') = 'OBJECT' then 'status'
                    when json_exists(doc, '$.options') and json_exists(doc, '$.multiple')
                         and json_exists(doc, '$.votes_count') then 'poll' end as shape
        from export_records
        """
    )
    rejected += reject(
        con,
        source_file,
        """
        select line_no, null,
               'not a Mastodon status, context or poll: expected "content" and "account", '
               || '"ancestors"/"descendants", or poll options',
               left(doc::varchar, 4000)
        from mastodon_responses where shape is null
        """,
    )
    con.execute(
        f"""
        create or replace temp table mastodon_found as
        with found as (
            select line_no, doc as status from mastodon_responses where shape = 'status'
            union all
            select line_no, unnest(list_concat(
                       coalesce(from_json(doc -> '$.ancestors', '["json"]'), []),
                       coalesce(from_json(doc -> '$.descendants', '["json"]'), []))) as status
            from mastodon_responses where shape = 'context'
        )
        select line_no, status, {_is_status_sql("status")} as is_status from found
        """
    )
    rejected += reject(
        con,
        source_file,
        """
        select line_no, 'id', 'a status without id, content or account: skipped',
               left(status::varchar, 4000)
        from mastodon_found where not is_status
        """,
    )
    _stage_statuses(con, source_file)
    rejected += reject_unplaceable(con, "mastodon_statuses", PLACING)
    # A status that lands, and the status it reblogs (which needs no time of its own).
    con.execute(
        f"""
        create or replace temp table mastodon_posts as
        select line_no, 'data' as section, s, status from mastodon_statuses
        where section = 'data' and {PLACEABLE}
        union all
        select line_no, 'includes', from_json(reblog, '{STATUS_SCHEMA}'), reblog
        from mastodon_statuses
        where section = 'data' and {PLACEABLE} and {_is_status_sql("reblog")}
        """
    )
    con.execute(
        "create or replace temp table mastodon_contents as "
        "select row_number() over () as k, * from mastodon_posts"
    )
    con.execute(
        "create or replace temp view mastodon_html as select k, s.content as content "
        "from mastodon_contents"
    )
    stage_reference_tables(con)
    stage_html_text(con, "mastodon_html")
    posts = con.execute(
        f"""
        insert into raw.posts (platform, post_id, section, author_id, author_username,
                               created_at, text, reply_to_post_id, reply_to_user_id,
                               quoted_post_id, retweeted_post_id, hashtags, mentions, urls,
                               poll_ids, retweet_count, reply_count, like_count, quote_count,
                               source_file, source_line)
        select '{PLATFORM}', s.id, section, nullif(s.account.id, ''),
               coalesce(nullif(s.account.acct, ''), s.account.username),
               timezone('UTC', try_cast(s.created_at as timestamptz)),
               case when coalesce(s.spoiler_text, '') <> ''
                    then trim(s.spoiler_text || chr(10) || chr(10) || h.text, ?)
                    else h.text end,
               s.in_reply_to_id, s.in_reply_to_account_id,
               coalesce(nullif(s.quote.quoted_status.id, ''), s.quote.quoted_status_id),
               case when {non_empty_object("status -> '$.reblog'")}
                    then status ->> '$.reblog.id' end,
               list_transform(list_filter(coalesce(s.tags, []),
                                          lambda t: coalesce(t.name, '') <> ''),
                              lambda t: t.name),
               list_transform(list_filter(coalesce(s.mentions, []),
                                          lambda m: coalesce(m.acct, '') <> ''),
                              lambda m: m.acct),
               case when coalesce(s.card.url, '') <> '' and not list_contains(h.links, s.card.url)
                    then list_append(h.links, s.card.url) else h.links end,
               case when {non_empty_object("status -> '$.poll'")}
                         and coalesce(s.poll.id, '') <> '' then [s.poll.id] end,
               s.reblogs_count, s.replies_count, s.favourites_count, s.quotes_count,
               ?, line_no
        from mastodon_contents join html_texts as h using (k)
        """,
        [WHITESPACE, source_file],
    ).fetchone()[0]
    con.execute(
        f"""
        insert into raw.users (platform, user_id, username, display_name, source_file,
                               source_line)
        select '{PLATFORM}', s.account.id, coalesce(nullif(s.account.acct, ''), s.account.username),
               s.account.display_name, ?, line_no
        from mastodon_contents
        """,
        [source_file],
    )
    _load_polls(con, source_file)
    for table in ("mastodon_contents", "mastodon_posts", "mastodon_statuses", "mastodon_found",
                  "mastodon_responses", "html_texts", "html_names", "html_codepoints",
                  "export_records"):  # fmt: skip
        con.execute(f"drop table if exists {table}")
    con.execute("drop view if exists mastodon_html")
    return posts, rejected


def _stage_statuses(con, source_file: str) -> None:
    """Temp table `mastodon_statuses`: the statuses found, parsed, with the columns of the
    reject path (staging.PLACING_COLUMNS)."""
    con.execute(
        f"""
        create or replace temp table mastodon_statuses as
        select ? as source_file, line_no, 'data' as section, s.id as post_id,
               nullif(s.created_at, '') as created_text,
               timezone('UTC', try_cast(s.created_at as timestamptz)) as created_at,
               status::varchar as raw_text, s, status,
               case when {non_empty_object("status -> '$.reblog'")}
                    then status -> '$.reblog' end as reblog
        from (select line_no, status, from_json(status, '{STATUS_SCHEMA}') as s
              from mastodon_found where is_status)
        """,
        [source_file],
    )


def _load_polls(con, source_file: str) -> None:
    """The polls of the landed statuses, and polls fetched on their own."""
    con.execute(
        f"""
        create or replace temp table mastodon_polls as
        select line_no, s.poll as poll from mastodon_contents
        where {non_empty_object("status -> '$.poll'")}
        union all
        select line_no, from_json(doc, '{POLL_SCHEMA}') from mastodon_responses
        where shape = 'poll'
        """
    )
    con.execute(
        f"""
        insert into raw.polls (platform, poll_id, voting_status, end_at, source_file,
                               source_line, multiple_choice, voters)
        select '{PLATFORM}', poll.id, case when poll.expired then 'closed' else 'open' end,
               timezone('UTC', try_cast(poll.expires_at as timestamptz)), ?, line_no,
               coalesce(poll.multiple, false), poll.voters_count
        from mastodon_polls where coalesce(poll.id, '') <> ''
        """,
        [source_file],
    )
    con.execute(
        f"""
        insert into raw.poll_options (platform, poll_id, option_position, option_label, votes,
                                      source_file, source_line)
        select '{PLATFORM}', poll_id, position, o.title, o.votes_count, ?, line_no
        from (select line_no, poll.id as poll_id, generate_subscripts(poll.options, 1)
                         as position, unnest(poll.options) as o
              from mastodon_polls where coalesce(poll.id, '') <> '')
        """,
        [source_file],
    )
    con.execute("drop table mastodon_polls")
