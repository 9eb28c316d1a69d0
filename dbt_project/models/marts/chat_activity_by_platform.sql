-- Activity figures per chat, scope and platform (metrics.md 4), for chats that run on several
-- platforms at once. chat_activity keeps its grain (all platforms together); here a platform
-- appears where the chat has at least one post on it. Posts, originals, retweets, replies and
-- quotes add up across platforms to chat_activity; contributors too, since an account
-- belongs to one platform.
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
