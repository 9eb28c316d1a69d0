-- Activity figures per chat and scope (metrics.md 4); a chat with no posts has zero rows
-- of counts, not a missing row.
with

chats as (
    select * from {{ ref('stg_registry__chats') }}
    where {{ in_partition('chat_month') }}
),

posts as (
    select * from {{ ref('posts') }}
    where {{ in_partition('chat_month') }}
),

scopes as (
    select 'hour' as scope
    union all
    select 'window' as scope
),

scoped_posts as (
    select posts.*, scopes.scope
    from posts
    inner join scopes on scopes.scope = 'window' or posts.in_hour
),

figures as (
    select
        chat_id,
        scope,
        count(*) as posts,
        {{ count_where('not is_retweet') }} as originals,
        {{ count_where('is_retweet') }} as retweets,
        {{ count_where('is_reply') }} as replies,
        {{ count_where('is_quote') }} as quotes,
        count(distinct account_key) as contributors,
        -- Null when no original carries an impression count (unknown, not zero).
        {{ sum_bigint('case when not is_retweet then impression_count end') }} as impressions
    from scoped_posts
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
