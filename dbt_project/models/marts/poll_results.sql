-- Votes per option of each poll attached to a chat post (metrics.md 6). A poll that reached
-- the chat through a retweet belongs to the retweeted post.
with

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }}
),

exported_posts as (
    select * from {{ ref('int_posts__known') }}
),

polls as (
    select * from {{ ref('int_polls__latest') }}
),

post_polls as (
    select chat_id, chat_month, platform, post_id, {{ explode('poll_ids') }} as poll_id
    from chat_posts
    where not is_retweet and poll_ids is not null
    union
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.platform,
        chat_posts.retweeted_post_id as post_id,
        {{ explode('exported_posts.poll_ids') }} as poll_id
    from chat_posts
    inner join exported_posts
        on chat_posts.platform = exported_posts.platform
        and chat_posts.retweeted_post_id = exported_posts.post_id
    where chat_posts.is_retweet and exported_posts.poll_ids is not null
    union
    -- A retweet's own record may carry the poll of the post it retweets.
    select
        chat_id, chat_month, platform, retweeted_post_id as post_id,
        {{ explode('poll_ids') }} as poll_id
    from chat_posts
    where is_retweet and poll_ids is not null and retweeted_post_id is not null
),

chat_polls as (
    select
        *,
        -- The same poll seen on two posts (an edit, a retweet without its original): once.
        row_number() over (partition by chat_id, platform, poll_id order by post_id) as post_rank
    from post_polls
),

options as (
    select
        chat_polls.chat_id,
        chat_polls.chat_month,
        chat_polls.platform,
        chat_polls.poll_id,
        chat_polls.post_id,
        polls.voting_status,
        polls.multiple_choice,
        polls.voters,
        polls.option_position,
        polls.option_label,
        polls.votes,
        cast(sum(polls.votes) over (partition by chat_polls.chat_id, chat_polls.poll_id) as bigint)
            as total_votes
    from chat_polls
    inner join polls
        on chat_polls.platform = polls.platform and chat_polls.poll_id = polls.poll_id
    where chat_polls.post_rank = 1
),

final as (
    select
        chat_id,
        chat_month,
        platform,
        poll_id,
        post_id,
        voting_status,
        multiple_choice,
        voters,
        option_position,
        option_label,
        votes,
        round(100.0 * votes / nullif(total_votes, 0), 1) as pct,
        total_votes
    from options
)

select * from final
