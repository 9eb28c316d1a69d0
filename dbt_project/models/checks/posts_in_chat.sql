-- Each chat post against its chat's registry times (suite posts): made inside the window,
-- in_hour exactly when made inside the hour, and a question only on an original by a non-host.
with

posts as (
    select * from {{ ref('posts') }}
),

chats as (
    select * from {{ ref('stg_registry__chats') }}
),

final as (
    select
        posts.chat_id,
        posts.chat_month,
        posts.platform,
        posts.post_id,
        posts.created_at >= chats.window_starts_at
        and posts.created_at < chats.window_ends_at as inside_window,
        posts.in_hour = (
            posts.created_at >= chats.starts_at and posts.created_at < chats.hour_ends_at
        ) as in_hour_consistent,
        posts.question_id is null
        or (not posts.is_retweet and not posts.is_host)
            as question_only_on_non_host_original
    from posts
    inner join chats on posts.chat_id = chats.chat_id
)

select * from final
