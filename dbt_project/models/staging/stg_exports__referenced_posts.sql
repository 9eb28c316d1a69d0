-- Posts that the exports' posts reference (retweeted, quoted, replied to), one row per copy.
with

posts as (
    select * from {{ source('exports', 'posts') }}
    where section = 'includes'
),

final as (
    select
        platform,
        post_id,
        author_id,
        author_username,
        created_at,
        text,
        reply_to_post_id,
        reply_to_user_id,
        quoted_post_id,
        retweeted_post_id,
        poll_ids,
        edit_history_ids,
        retweet_count,
        like_count,
        retrieved_at,
        source_file,
        source_line
    from posts
)

select * from final
