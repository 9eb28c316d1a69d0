{{ config(materialized='table', partition_by=none) }}
-- The monthly series (metrics.md 4): per calendar month of the chats' starts, over the
-- window scope. Rebuilt whole from the built months, since new_contributors looks back.
with

chat_activity as (
    select * from {{ ref('chat_activity') }}
    where scope = 'window'
),

posts as (
    select * from {{ ref('posts') }}
),

month_accounts as (
    select distinct chat_month, account_key
    from posts
),

account_first_month as (
    select account_key, min(chat_month) as first_month
    from month_accounts
    group by account_key
),

month_figures as (
    select
        chat_month,
        count(*) as chats,
        {{ sum_bigint('originals') }} as originals,
        {{ sum_bigint('retweets') }} as retweets,
        {{ sum_bigint('posts') }} as posts
    from chat_activity
    group by chat_month
),

month_contributors as (
    select
        month_accounts.chat_month,
        count(*) as contributors,
        -- New: seen in no chat of an earlier month.
        {{ count_where('account_first_month.first_month = month_accounts.chat_month') }}
            as new_contributors
    from month_accounts
    inner join account_first_month
        on month_accounts.account_key = account_first_month.account_key
    group by month_accounts.chat_month
),

final as (
    select
        month_figures.chat_month as month,
        month_figures.chats,
        coalesce(month_contributors.contributors, 0) as contributors,
        coalesce(month_contributors.new_contributors, 0) as new_contributors,
        coalesce(month_contributors.contributors, 0)
        - coalesce(month_contributors.new_contributors, 0) as returning_contributors,
        month_figures.originals,
        month_figures.retweets,
        month_figures.posts
    from month_figures
    left join month_contributors on month_figures.chat_month = month_contributors.chat_month
)

select * from final
