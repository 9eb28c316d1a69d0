-- Each month's figures beside the sums over its chats' window figures (suite
-- monthly_activity): originals and retweets equal them; contributors, counted once a month,
-- are at most the chats' contributors summed.
with

monthly_activity as (
    select * from {{ ref('monthly_activity') }}
),

chat_activity as (
    select * from {{ ref('chat_activity') }}
    where scope = 'window'
),

chat_months as (
    select
        chat_month,
        {{ sum_bigint('originals') }} as chats_originals,
        {{ sum_bigint('retweets') }} as chats_retweets,
        {{ sum_bigint('contributors') }} as chats_contributors
    from chat_activity
    group by chat_month
),

final as (
    select
        cast(monthly_activity.month as {{ dbt.type_string() }}) as month,
        monthly_activity.month as chat_month,
        monthly_activity.originals,
        monthly_activity.retweets,
        monthly_activity.contributors,
        monthly_activity.new_contributors,
        chat_months.chats_originals,
        chat_months.chats_retweets,
        chat_months.chats_contributors
    from monthly_activity
    left join chat_months on monthly_activity.month = chat_months.chat_month
)

select * from final
