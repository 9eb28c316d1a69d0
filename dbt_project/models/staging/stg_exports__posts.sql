-- Posts of the exports (not the posts they reference), one row per copy in a file.
with

posts as (
    select * from {{ source('exports', 'posts') }}
    where section = 'data'
),

loaded_files as (
    select * from {{ source('exports', 'loaded_files') }}
),

final as (
    select
        posts.platform,
        posts.post_id,
        posts.author_id,
        posts.author_username,
        posts.created_at,
        posts.text,
        posts.reply_to_post_id,
        posts.reply_to_user_id,
        posts.quoted_post_id,
        posts.retweeted_post_id,
        posts.conversation_id,
        posts.poll_ids,
        posts.edit_history_ids,
        posts.retweet_count,
        posts.reply_count,
        posts.like_count,
        posts.quote_count,
        posts.impression_count,
        -- TAGS and spreadsheets may say a post is a retweet (kind) without naming the original.
        posts.retweeted_post_id is not null or coalesce(posts.kind = 'retweet', false)
            as is_retweet,
        (posts.reply_to_post_id is not null or coalesce(posts.kind = 'reply', false))
        and posts.retweeted_post_id is null and coalesce(posts.kind <> 'retweet', true)
            as is_reply,
        (posts.quoted_post_id is not null or coalesce(posts.kind = 'quote', false))
        and posts.retweeted_post_id is null and coalesce(posts.kind <> 'retweet', true)
            as is_quote,
        -- metrics.md 3.4: the copy retrieved last wins, else the newest file.
        coalesce(posts.retrieved_at, loaded_files.file_modified_at) as retrieved_at,
        loaded_files.file_modified_at,
        posts.source_file,
        posts.source_line
    from posts
    left join loaded_files on posts.source_file = loaded_files.path
)

select * from final
