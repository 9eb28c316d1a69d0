-- Who talks to whom in each chat (metrics.md 6): edges source -> target of kind reply,
-- mention, quote and retweet, weight = number of chat posts. Usernames are lower case (a
-- mention knows no other spelling); an account talking to itself (a thread) is no edge.
with

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }}
),

exported_posts as (
    select * from {{ ref('int_posts__known') }}
),

users as (
    select * from {{ ref('int_users__latest') }}
),

mentions as (
    select * from {{ ref('stg_exports__mentions') }}
),

edges as (
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.author_username as source_username,
        coalesce(parents.author_username, reply_users.username) as target_username,
        'reply' as kind
    from chat_posts
    left join exported_posts as parents
        on chat_posts.platform = parents.platform
        and chat_posts.reply_to_post_id = parents.post_id
    left join users as reply_users
        on chat_posts.platform = reply_users.platform
        and chat_posts.reply_to_user_id = reply_users.user_id
    where chat_posts.is_reply
    union all
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.author_username as source_username,
        quoted.author_username as target_username,
        'quote' as kind
    from chat_posts
    inner join exported_posts as quoted
        on chat_posts.platform = quoted.platform and chat_posts.quoted_post_id = quoted.post_id
    where chat_posts.is_quote
    union all
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.author_username as source_username,
        -- A retweet whose original is not exported still names it: 'RT @name: ...'.
        coalesce(retweeted.author_username, regexp_extract(chat_posts.text, '^RT @(\w+):', 1))
            as target_username,
        'retweet' as kind
    from chat_posts
    left join exported_posts as retweeted
        on chat_posts.platform = retweeted.platform
        and chat_posts.retweeted_post_id = retweeted.post_id
    where chat_posts.is_retweet
    union all
    -- A retweet's 'RT @name' is the retweet edge, not a mention.
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.author_username as source_username,
        mentions.username as target_username,
        'mention' as kind
    from chat_posts
    inner join mentions
        on chat_posts.platform = mentions.platform and chat_posts.post_id = mentions.post_id
    where not chat_posts.is_retweet
),

final as (
    select
        chat_id,
        chat_month,
        lower(source_username) as source_username,
        lower(target_username) as target_username,
        kind,
        count(*) as weight
    from edges
    where source_username is not null
        and nullif(target_username, '') is not null
        and lower(source_username) <> lower(target_username)
    group by chat_id, chat_month, lower(source_username), lower(target_username), kind
)

select * from final
