"""Bluesky (AT Protocol) responses: app.bsky.feed.searchPosts, getAuthorFeed, getPostThread,
getQuotes, one response a file or one a line.

A post's id is its `at://` URI. Hashtags come from the record's tag facets and `tags`
(facets index the UTF-8 bytes of the text, so mentions are cut from the bytes); a repost is a
feed item with `reason: reasonRepost` and lands as a retweet by the reposter of the post,
which lands as a referenced post; replies from `record.reply.parent`, quotes from the
record's `app.bsky.embed.record` or `recordWithMedia` embed. `createdAt` comes in several ISO
forms (milli- or microseconds, `Z` or `+00:00`); all land as UTC. Bluesky has no view counts:
impressions stay null. Parsing is DuckDB SQL over the staged records.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.readers.common import reject
from orchestration.readers.json_records import non_empty_object, stage_json_records
from orchestration.readers.staging import PLACEABLE, Placing, reject_unplaceable

FORMAT = "bluesky"
PLATFORM = "bluesky"
REPOST = "app.bsky.feed.defs#reasonRepost"
PLACING = Placing(
    noun="post",
    id_field="uri",
    time_field="record.createdAt",
    time_form="an ISO 8601 time",
    fix_missing="it cannot be placed in a chat window; re-export the post",
    fix_bad="fix the export",
)
_FEATURE = {"$type": "VARCHAR", "tag": "VARCHAR", "uri": "VARCHAR", "did": "VARCHAR"}
VIEW_SCHEMA = json.dumps(
    {
        "uri": "VARCHAR",
        "author": {"did": "VARCHAR", "handle": "VARCHAR", "displayName": "VARCHAR"},
        "record": {
            "text": "VARCHAR",
            "createdAt": "VARCHAR",
            "tags": ["VARCHAR"],
            "facets": [
                {
                    "index": {"byteStart": "BIGINT", "byteEnd": "BIGINT"},
                    "features": [_FEATURE],
                }
            ],
            "embed": {
                "$type": "VARCHAR",
                "record": {"uri": "VARCHAR", "record": {"uri": "VARCHAR"}},
                "external": {"uri": "VARCHAR"},
            },
            "reply": {"parent": {"uri": "VARCHAR"}, "root": {"uri": "VARCHAR"}},
        },
        "repostCount": "BIGINT",
        "replyCount": "BIGINT",
        "likeCount": "BIGINT",
        "quoteCount": "BIGINT",
        "indexedAt": "VARCHAR",
    }
)
PAGE_SCHEMA = json.dumps(
    {
        "posts": ["JSON"],
        "feed": [
            {
                "post": "JSON",
                "reason": {"$type": "VARCHAR", "by": "JSON", "indexedAt": "VARCHAR"},
                "reply": {"parent": "JSON", "root": "JSON"},
            }
        ],
    }
)
NODE_SCHEMA = json.dumps({"post": "JSON", "parent": "JSON", "replies": ["JSON"]})
AUTHOR_SCHEMA = json.dumps({"did": "VARCHAR", "handle": "VARCHAR", "displayName": "VARCHAR"})


def sniff(head) -> bool:
    for record in head.records:
        if not isinstance(record, dict):
            continue
        posts = record.get("posts") or [item.get("post") for item in record.get("feed") or []]
        thread = record.get("thread")
        candidates = [*(posts or []), thread.get("post") if isinstance(thread, dict) else None]
        if any(
            isinstance(p, dict) and str(p.get("uri", "")).startswith("at://") for p in candidates
        ):
            return True
    return False


def load(con, path: Path, source_file: str) -> tuple[int, int]:
    """Land the responses' posts, reposts and authors. Returns (posts, rejected)."""
    rejected = stage_json_records(con, path, source_file)
    con.execute(
        """
        create or replace temp table bluesky_responses as
        select line_no, doc,
               case when json_type(doc, '$.posts') = 'ARRAY' then 'posts'
                    when json_type(doc, '$.feed') = 'ARRAY' then 'feed'
                    when json_type(doc, '$.thread') = 'OBJECT' then 'thread' end as shape
        from export_records
        """
    )
    rejected += reject(
        con,
        source_file,
        """
        select line_no, null,
               'not a Bluesky searchPosts, getAuthorFeed, getPostThread or getQuotes response: '
               || 'expected "posts", "feed" or "thread"',
               left(doc::varchar, 4000)
        from bluesky_responses where shape is null
        """,
    )
    _stage_views(con)
    rejected += reject(
        con,
        source_file,
        """
        select line_no, 'uri', 'a post without uri or record: skipped', left(view::varchar, 4000)
        from bluesky_views where not has_post
        """,
    )
    _stage_posts(con, source_file)
    rejected += reject_unplaceable(con, "bluesky_posts", PLACING)
    columns = (
        "platform, post_id, section, author_id, author_username, created_at, text, "
        "reply_to_post_id, reply_to_user_id, quoted_post_id, retweeted_post_id, "
        "conversation_id, hashtags, mentions, urls, retweet_count, reply_count, like_count, "
        "quote_count, retrieved_at, source_file, source_line"
    )
    posts = con.execute(
        f"insert into raw.posts ({columns}) select {columns} from bluesky_posts where {PLACEABLE}"
    ).fetchone()[0]
    # The author of every landed post, and the reposter of a reposted one.
    con.execute(
        f"""
        insert into raw.users (platform, user_id, username, display_name, source_file,
                               source_line)
        select '{PLATFORM}', a.did, a.handle, a.displayName, source_file, line_no
        from (select source_file, line_no, unnest([author, repost_by]) as a
              from bluesky_posts where {PLACEABLE} and section_before_repost <> 'repost')
        where coalesce(a.did, '') <> ''
        """
    )
    for table in ("bluesky_responses", "bluesky_views", "bluesky_posts", "export_records"):
        con.execute(f"drop table if exists {table}")
    return posts, rejected


def _stage_views(con) -> None:
    """Temp table `bluesky_views`: every post view of the responses, where it was found
    (section), and who reposted it when a feed item is a repost."""
    con.execute(
        f"""
        create or replace temp table bluesky_views as
        with recursive
        -- Each page is parsed once; its posts stay JSON until they are parsed below.
        pages as (
            select line_no, shape, from_json(doc, '{PAGE_SCHEMA}') as page
            from bluesky_responses where shape in ('posts', 'feed')
        ),
        items as (select line_no, unnest(page.feed) as item from pages where shape = 'feed'),
        -- A thread: the post, its parents up the chain, every reply below. A node without a
        -- post (notFoundPost, blockedPost) ends its branch; `path` keeps a cycle from looping.
        -- Each node is parsed once, its post and children kept as JSON.
        thread_nodes(line_no, post, uri, children, depth, path) as (
            select line_no, node.post, node.post ->> '$.uri',
                   list_concat([node.parent], node.replies), 0, []::varchar[]
            from (select line_no, from_json(doc, '{{"thread": {NODE_SCHEMA}}}').thread as node
                  from bluesky_responses where shape = 'thread')
            union all
            select line_no, node.post, node.post ->> '$.uri',
                   list_concat([node.parent], node.replies), depth + 1, path
            from (select parent.line_no, parent.depth, list_append(parent.path, parent.uri)
                             as path, from_json(child, '{NODE_SCHEMA}') as node
                  from thread_nodes as parent, unnest(parent.children) as c(child)
                  where {non_empty_object("parent.post")}
                    and not list_contains(parent.path, parent.uri)
                    and json_type(child) = 'OBJECT')
        ),
        thread_posts as (
            select line_no, post as view
            from thread_nodes
            where {non_empty_object("post")} and not list_contains(path, uri)
            qualify row_number() over (partition by line_no, uri order by depth) = 1
        ),
        views as (
            select line_no, 'data' as section, unnest(page.posts) as view,
                   null::json as repost_by, null::varchar as repost_at
            from pages where shape = 'posts'
            union all
            select line_no, 'data', item.post,
                   case when item.reason."$type" = '{REPOST}'
                             and {non_empty_object("item.reason.by")}
                        then item.reason.by end,
                   item.reason.indexedAt
            from items
            union all
            -- A feed item's reply context: the posts replied to land as referenced posts.
            select line_no, 'includes', context, null, null
            from (select line_no, unnest([item.reply.parent, item.reply.root]) as context
                  from items)
            where json_type(context) = 'OBJECT' and {non_empty_object("context -> '$.record'")}
            union all
            select line_no, 'data', view, null, null from thread_posts
        )
        select *, json_type(view, '$.record') = 'OBJECT' and coalesce(v.uri, '') <> ''
                      as has_post
        from (select *, from_json(view, '{VIEW_SCHEMA}') as v from views)
        """
    )


def _stage_posts(con, source_file: str) -> None:
    """Temp table `bluesky_posts`: the views as raw.posts rows (a repost as its own row, the
    reposted post then referenced), with what the reject path and the users need."""
    con.execute(
        f"""
        create or replace temp table bluesky_posts as
        with parsed as (
            select line_no, section, v,
                   from_json(repost_by, '{AUTHOR_SCHEMA}') as repost_by, repost_at,
                   view::varchar as view_text
            from bluesky_views where has_post
        ),
        facets as (
            select *, v.record as r, coalesce(v.record.text, '') as text,
                   flatten(list_transform(coalesce(v.record.facets, []), lambda f: list_transform(f.features,
                       lambda t: {{'type': t."$type", 'tag': t.tag, 'uri': t.uri, 'did': t.did,
                              'start': coalesce(f.index.byteStart, 0),
                              'end': coalesce(f.index.byteEnd, 0)}}))) as features
            from parsed
        ),
        entities as (
            select *,
                   list_transform(list_filter(features, lambda t: ends_with(t.type, '#tag')
                                                         and coalesce(t.tag, '') <> ''),
                                  lambda t: t.tag) as facet_tags,
                   list_transform(list_filter(features, lambda t: ends_with(t.type, '#link')
                                                         and coalesce(t.uri, '') <> ''),
                                  lambda t: t.uri) as facet_links,
                   -- Facet offsets count the UTF-8 bytes of the text.
                   list_transform(list_filter(features, lambda t: ends_with(t.type, '#mention')),
                                  lambda t: coalesce(nullif(ltrim(try(decode(
                                           encode(text)[t.start + 1:t.end])), '@'), ''), t.did))
                       as mentions
            from facets
        ),
        posts as (
            select *,
                   list_concat(facet_tags, list_filter(coalesce(r.tags, []),
                                                       lambda t: not list_contains(facet_tags, t)))
                       as tags,
                   case when coalesce(r.embed.external.uri, '') <> ''
                             and not list_contains(facet_links, r.embed.external.uri)
                        then list_append(facet_links, r.embed.external.uri)
                        else facet_links end as links,
                   r.reply.parent.uri as parent_uri
            from entities
        ),
        rows as (
            select '{PLATFORM}' as platform, v.uri as post_id,
                   case when repost_by is not null then 'includes' else section end as section,
                   section as section_before_repost,
                   v.author.did as author_id, v.author.handle as author_username,
                   r.createdAt as created_text,
                   timezone('UTC', try_cast(r.createdAt as timestamptz)) as created_at, text,
                   parent_uri as reply_to_post_id,
                   case when starts_with(parent_uri, 'at://')
                        then split_part(parent_uri[6:], '/', 1) end as reply_to_user_id,
                   case r.embed."$type"
                        when 'app.bsky.embed.record' then r.embed.record.uri
                        when 'app.bsky.embed.recordWithMedia' then r.embed.record.record.uri
                   end as quoted_post_id,
                   null::varchar as retweeted_post_id,
                   coalesce(nullif(r.reply.root.uri, ''), v.uri) as conversation_id,
                   -- No tag facets and no tags: null, so hashtags are taken from the text.
                   case when len(tags) > 0 then tags end as hashtags, mentions, links as urls,
                   v.repostCount as retweet_count, v.replyCount as reply_count,
                   v.likeCount as like_count, v.quoteCount as quote_count,
                   timezone('UTC', try_cast(v.indexedAt as timestamptz)) as retrieved_at,
                   v.author as author, repost_by, repost_at, line_no, view_text
            from posts
        )
        select platform, post_id, section, section_before_repost, author_id, author_username,
               created_text, created_at, text, reply_to_post_id, reply_to_user_id,
               quoted_post_id, retweeted_post_id, conversation_id, hashtags, mentions, urls,
               retweet_count, reply_count, like_count, quote_count, retrieved_at, author,
               repost_by, ? as source_file, line_no, line_no as source_line,
               view_text as raw_text
        from rows
        union all
        -- A repost: the reposter's retweet of the post, at the time of the repost.
        select platform, post_id || '#repost-by-' || coalesce(repost_by.did, 'None'), 'data',
               'repost', repost_by.did, repost_by.handle, repost_at,
               timezone('UTC', try_cast(repost_at as timestamptz)), text, null, null, null,
               post_id, null, hashtags, null, null, null, null, null, null, null, null, null,
               ?, line_no, line_no, view_text
        from rows where repost_by is not null
        """,
        [source_file, source_file],
    )
