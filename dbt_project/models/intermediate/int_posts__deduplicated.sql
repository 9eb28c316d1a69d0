-- One row per exported post: the copy retrieved last (metrics.md 3.4), without posts an edit
-- superseded (3.3), with the author's username resolved.
with

posts as (
    select * from {{ ref('stg_exports__posts') }}
),

superseded as (
    select * from {{ ref('int_posts__superseded_edits') }}
),

users as (
    select * from {{ ref('int_users__latest') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by platform, post_id
            order by
                retrieved_at desc nulls last, file_modified_at desc, source_file desc,
                source_line desc
        ) as copy_rank
    from posts
),

latest as (
    select * from ranked
    where copy_rank = 1
),

final as (
    select
        latest.platform,
        latest.post_id,
        latest.author_id,
        coalesce(latest.author_username, users.username) as author_username,
        -- One account across files and platforms, even where a username is unknown.
        latest.platform || ':' || coalesce(latest.author_id, lower(latest.author_username))
            as account_key,
        latest.created_at,
        latest.text,
        latest.is_retweet,
        latest.is_reply,
        latest.is_quote,
        latest.reply_to_post_id,
        latest.reply_to_user_id,
        latest.quoted_post_id,
        latest.retweeted_post_id,
        latest.conversation_id,
        latest.poll_ids,
        latest.retweet_count,
        latest.reply_count,
        latest.like_count,
        latest.quote_count,
        latest.impression_count,
        latest.retrieved_at,
        latest.source_file,
        latest.source_line
    from latest
    left join users
        on latest.platform = users.platform and latest.author_id = users.user_id
    where
        not exists (
            select 1 from superseded
            where superseded.platform = latest.platform and superseded.post_id = latest.post_id
        )
)

select * from final
