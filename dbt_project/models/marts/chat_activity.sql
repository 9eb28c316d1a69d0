-- Activity figures per chat and scope (metrics.md 4): chat_activity_by_platform summed over
-- the platforms, so each figure is counted once. Contributors add up too, since an account
-- belongs to one platform. A chat with no posts has zero rows of counts, not a missing row.
with

chats as (
    select * from {{ ref('stg_registry__chats') }}
    where {{ in_partition('chat_month') }}
),

by_platform as (
    select * from {{ ref('chat_activity_by_platform') }}
    where {{ in_partition('chat_month') }}
),

scopes as (
    select 'hour' as scope
    union all
    select 'window' as scope
),

figures as (
    select
        chat_id,
        scope,
        {{ sum_bigint('posts') }} as posts,
        {{ sum_bigint('originals') }} as originals,
        {{ sum_bigint('retweets') }} as retweets,
        {{ sum_bigint('replies') }} as replies,
        {{ sum_bigint('quotes') }} as quotes,
        {{ sum_bigint('contributors') }} as contributors,
        -- Null when no original carries an impression count (unknown, not zero).
        {{ sum_bigint('impressions') }} as impressions
    from by_platform
    group by chat_id, scope
),

final as (
    select
        chats.chat_id,
        chats.chat_month,
        scopes.scope,
        coalesce(figures.posts, 0) as posts,
        coalesce(figures.originals, 0) as originals,
        coalesce(figures.retweets, 0) as retweets,
        coalesce(figures.replies, 0) as replies,
        coalesce(figures.quotes, 0) as quotes,
        coalesce(figures.contributors, 0) as contributors,
        figures.impressions,
        case scopes.scope
            when 'hour' then chats.starts_at else chats.window_starts_at
        end as scope_starts_at,
        case scopes.scope
            when 'hour' then chats.hour_ends_at else chats.window_ends_at
        end as scope_ends_at
    from chats
    cross join scopes
    left join figures on chats.chat_id = figures.chat_id and scopes.scope = figures.scope
)

select * from final
