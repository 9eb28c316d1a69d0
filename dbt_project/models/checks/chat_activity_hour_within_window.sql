-- Each chat's hour figures beside its window figures (suite chat_activity): a chat has one
-- row per scope, and no count of the hour exceeds the window's.
{%- set counts = ['posts', 'originals', 'retweets', 'replies', 'quotes', 'contributors'] %}
with

chats as (
    select * from {{ ref('stg_registry__chats') }}
),

chat_activity as (
    select * from {{ ref('chat_activity') }}
),

final as (
    select
        chats.chat_id,
        chats.chat_month,
        {%- for count in counts %}
        max(case when chat_activity.scope = 'hour' then chat_activity.{{ count }} end)
            as hour_{{ count }},
        max(case when chat_activity.scope = 'window' then chat_activity.{{ count }} end)
            as window_{{ count }},
        {%- endfor %}
        count(chat_activity.scope) as scope_rows
    from chats
    left join chat_activity on chats.chat_id = chat_activity.chat_id
    group by chats.chat_id, chats.chat_month
)

select * from final
