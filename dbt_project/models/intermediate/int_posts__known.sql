-- Every post the exports know, one row each: the exported posts (int_posts__deduplicated)
-- and the posts they only reference (X includes.tweets), which reply chains, polls and
-- interactions need even when the post is outside every chat. An exported copy wins over
-- a referenced one; among referenced copies, the one retrieved last.
with

exported as (
    select * from {{ ref('int_posts__deduplicated') }}
),

referenced as (
    select * from {{ ref('stg_exports__referenced_posts') }}
),

users as (
    select * from {{ ref('int_users__latest') }}
),

referenced_latest as (
    select
        *,
        row_number() over (
            partition by platform, post_id
            order by retrieved_at desc nulls last, source_file desc, source_line desc
        ) as copy_rank
    from referenced
    where
        not exists (
            select 1 from exported
            where
                exported.platform = referenced.platform
                and exported.post_id = referenced.post_id
        )
),

final as (
    select
        platform,
        post_id,
        author_id,
        author_username,
        created_at,
        reply_to_post_id,
        reply_to_user_id,
        quoted_post_id,
        retweeted_post_id,
        poll_ids,
        true as is_exported
    from exported
    union all
    select
        referenced_latest.platform,
        referenced_latest.post_id,
        referenced_latest.author_id,
        coalesce(referenced_latest.author_username, users.username) as author_username,
        referenced_latest.created_at,
        referenced_latest.reply_to_post_id,
        referenced_latest.reply_to_user_id,
        referenced_latest.quoted_post_id,
        referenced_latest.retweeted_post_id,
        referenced_latest.poll_ids,
        false as is_exported
    from referenced_latest
    left join users
        on referenced_latest.platform = users.platform
        and referenced_latest.author_id = users.user_id
    where referenced_latest.copy_rank = 1
)

select * from final
