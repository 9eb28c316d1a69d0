{{ config(materialized='table', partition_by=none) }}
-- The series in a few numbers, as reports quote it ("a monthly average of 153 contributors
-- ... between 773 and 1072 posts a chat"): per scope, averages and ranges over the chats that
-- have posts, and the months they span. Rebuilt whole from the built months.
with

chat_activity as (
    select * from {{ ref('chat_activity') }}
    where posts > 0
),

monthly_activity as (
    select * from {{ ref('monthly_activity') }}
),

posts as (
    select * from {{ ref('posts') }}
),

series as (
    select
        scope,
        min(chat_month) as first_month,
        max(chat_month) as last_month,
        count(distinct chat_month) as months,
        count(*) as chats,
        round(avg(contributors), 1) as contributors_avg,
        min(contributors) as contributors_min,
        max(contributors) as contributors_max,
        round(avg(originals), 1) as originals_avg,
        min(originals) as originals_min,
        max(originals) as originals_max,
        round(avg(retweets), 1) as retweets_avg,
        min(retweets) as retweets_min,
        max(retweets) as retweets_max,
        round(avg(posts), 1) as posts_avg,
        min(posts) as posts_min,
        max(posts) as posts_max
    from chat_activity
    group by scope
),

window_accounts as (
    select count(distinct account_key) as distinct_contributors
    from posts
),

month_flows as (
    select
        round(avg(new_contributors), 1) as new_contributors_avg,
        round(avg(returning_contributors), 1) as returning_contributors_avg
    from monthly_activity
),

final as (
    select
        series.*,
        case when series.scope = 'window' then window_accounts.distinct_contributors end
            as distinct_contributors,
        case when series.scope = 'window' then month_flows.new_contributors_avg end
            as new_contributors_avg,
        case when series.scope = 'window' then month_flows.returning_contributors_avg end
            as returning_contributors_avg
    from series
    cross join window_accounts
    cross join month_flows
)

select * from final
