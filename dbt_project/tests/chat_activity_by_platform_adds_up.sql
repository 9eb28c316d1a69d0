-- Summed over platforms, chat_activity_by_platform gives chat_activity: every count, for every
-- chat and scope (a chat with no posts has no platform rows and zeros in chat_activity).
with

by_platform as (
    select
        chat_id,
        scope,
        sum(posts) as posts,
        sum(originals) as originals,
        sum(retweets) as retweets,
        sum(replies) as replies,
        sum(quotes) as quotes,
        sum(contributors) as contributors
    from {{ ref('chat_activity_by_platform') }}
    group by chat_id, scope
),

totals as (
    select * from {{ ref('chat_activity') }}
)

select totals.chat_id, totals.scope
from totals
left join by_platform
    on totals.chat_id = by_platform.chat_id and totals.scope = by_platform.scope
where totals.posts <> coalesce(by_platform.posts, 0)
    or totals.originals <> coalesce(by_platform.originals, 0)
    or totals.retweets <> coalesce(by_platform.retweets, 0)
    or totals.replies <> coalesce(by_platform.replies, 0)
    or totals.quotes <> coalesce(by_platform.quotes, 0)
    or totals.contributors <> coalesce(by_platform.contributors, 0)
