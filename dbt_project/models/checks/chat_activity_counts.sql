-- Each chat and scope's counts beside the sums they must equal or bound (suite chat_activity):
-- posts = originals + retweets, replies + quotes <= originals, 1 <= contributors <= posts.
with

chat_activity as (
    select * from {{ ref('chat_activity') }}
),

final as (
    select
        chat_id,
        chat_month,
        scope,
        posts,
        originals,
        retweets,
        replies,
        quotes,
        contributors,
        originals + retweets as originals_plus_retweets,
        replies + quotes as replies_plus_quotes,
        case when posts > 0 then contributors end as contributors_if_posts
    from chat_activity
)

select * from final
