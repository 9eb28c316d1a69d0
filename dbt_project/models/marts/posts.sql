-- Every post of every chat of the partition's months (grain: chat x post).
with

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }}
),

assignments as (
    select * from {{ ref('int_chat_posts__question_assignment') }}
    where {{ in_partition('chat_month') }}
),

final as (
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.post_id,
        chat_posts.platform,
        author_id,
        author_username,
        account_key,
        is_host,
        created_at,
        created_local,
        is_retweet,
        is_reply,
        is_quote,
        in_hour,
        assignments.question_id,
        assignments.question_rule,
        text,
        retweet_count,
        like_count,
        reply_count,
        quote_count,
        impression_count,
        retweeted_post_id,
        reply_to_post_id,
        quoted_post_id,
        conversation_id,
        source_file,
        source_line
    from chat_posts
    left join assignments
        on chat_posts.chat_id = assignments.chat_id
        and chat_posts.platform = assignments.platform
        and chat_posts.post_id = assignments.post_id
)

select * from final
