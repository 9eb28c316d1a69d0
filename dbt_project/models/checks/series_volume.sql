-- Each chat's window posts beside the series median over chats with posts (suite
-- series_volume, a warning): a missing or doubled export shows as a ratio far from 1.
with

chat_activity as (
    select * from {{ ref('chat_activity') }}
    where scope = 'window'
),

series as (
    select median(posts) as median_posts
    from chat_activity
    where posts > 0
),

final as (
    select
        chat_activity.chat_id,
        chat_activity.chat_month,
        chat_activity.posts,
        series.median_posts,
        round(chat_activity.posts / nullif(series.median_posts, 0), 3) as ratio_to_median
    from chat_activity
    cross join series
)

select * from final
