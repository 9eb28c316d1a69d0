-- Activity figures per chat, scope and platform (metrics.md 4): the one place the chat
-- figures are counted. A platform appears where the chat has at least one post on it;
-- chat_activity sums these rows over the platforms (all platforms together).
with

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

final as (
    select
        chat_id,
        chat_month,
        scope,
        platform,
        count(*) as posts,
        {{ count_where('not is_retweet') }} as originals,
        {{ count_where('is_retweet') }} as retweets,
        {{ count_where('is_reply') }} as replies,
        {{ count_where('is_quote') }} as quotes,
        count(distinct account_key) as contributors,
        {{ sum_bigint('case when not is_retweet then impression_count end') }} as impressions
    from scoped_posts
    group by chat_id, chat_month, scope, platform
)

select * from final
