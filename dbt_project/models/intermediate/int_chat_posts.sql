-- Which posts belong to which chat (metrics.md 3): a chat hashtag on the post or, for a
-- retweet, on the retweeted post; created inside the chat's window. Incremental on the month
-- partition: the chats of the partition's months.
with

posts as (
    select * from {{ ref('int_posts__deduplicated') }}
),

hashtags as (
    select * from {{ ref('stg_exports__hashtags') }}
),

chats as (
    select * from {{ ref('stg_registry__chats') }}
    where {{ in_partition('chat_month') }}
),

chat_hashtags as (
    select * from {{ ref('stg_registry__chat_hashtags') }}
),

chat_hosts as (
    select * from {{ ref('stg_registry__chat_hosts') }}
),

post_hashtags as (
    select posts.platform, posts.post_id, posts.created_at, hashtags.hashtag
    from posts
    inner join hashtags
        on posts.platform = hashtags.platform and posts.post_id = hashtags.post_id
    union
    -- A retweet's own text is cut short and often loses the hashtag.
    select posts.platform, posts.post_id, posts.created_at, hashtags.hashtag
    from posts
    inner join hashtags
        on posts.platform = hashtags.platform and posts.retweeted_post_id = hashtags.post_id
),

-- The window is tested on the narrow rows the hashtags matched, and the chat's columns come
-- along. Tested in the final join instead, it let DuckDB pair every post with every window
-- it falls in before matching hashtags (4 million wide rows at 1M posts, spilled to disk).
tagged as (
    select distinct
        chats.chat_id,
        chats.chat_month,
        chats.timezone,
        chats.starts_at,
        chats.hour_ends_at,
        post_hashtags.platform,
        post_hashtags.post_id
    from post_hashtags
    inner join chat_hashtags on post_hashtags.hashtag = chat_hashtags.hashtag
    inner join chats on chat_hashtags.chat_id = chats.chat_id
    where post_hashtags.created_at >= chats.window_starts_at
        and post_hashtags.created_at < chats.window_ends_at
),

final as (
    select
        tagged.chat_id,
        tagged.chat_month,
        posts.platform,
        posts.post_id,
        posts.author_id,
        posts.author_username,
        posts.account_key,
        chat_hosts.username is not null as is_host,
        posts.created_at,
        {{ utc_to_local('posts.created_at', 'tagged.timezone') }} as created_local,
        posts.created_at >= tagged.starts_at and posts.created_at < tagged.hour_ends_at as in_hour,
        posts.is_retweet,
        posts.is_reply,
        posts.is_quote,
        posts.text,
        posts.reply_to_post_id,
        posts.reply_to_user_id,
        posts.quoted_post_id,
        posts.retweeted_post_id,
        posts.conversation_id,
        posts.poll_ids,
        posts.retweet_count,
        posts.like_count,
        posts.reply_count,
        posts.quote_count,
        posts.impression_count,
        posts.source_file,
        posts.source_line
    from tagged
    inner join posts
        on tagged.platform = posts.platform and tagged.post_id = posts.post_id
    left join chat_hosts
        on tagged.chat_id = chat_hosts.chat_id
        and lower(posts.author_username) = chat_hosts.username
)

select * from final
