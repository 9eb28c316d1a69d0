{{
    config(
        materialized='incremental',
        incremental_strategy='month_partition',
        on_schema_change='sync_all_columns',
    )
}}
-- Every post of every chat of the partition's months (grain: chat x post).
with

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }}
),

final as (
    select
        chat_id,
        chat_month,
        post_id,
        platform,
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
        -- Filled by the per-question assignment (metrics.md 5).
        cast(null as varchar) as question_id,
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
)

select * from final
