-- Each figure a report published (chats.yaml `published`) beside the computed one (suite
-- published_figures, a warning): measure is a chat_activity column, prefixed `hour_` for the
-- hour scope.
with

published as (
    select * from {{ ref('stg_registry__chat_published') }}
),

chat_activity as (
    select * from {{ ref('chat_activity') }}
),

figures as (
    {%- for measure in ['posts', 'originals', 'retweets', 'replies', 'quotes', 'contributors'] %}
    select
        chat_id,
        chat_month,
        case scope when 'hour' then 'hour_' else '' end || '{{ measure }}' as measure,
        {{ measure }} as value
    from chat_activity
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        published.chat_id,
        figures.chat_month,
        published.measure,
        published.published_value,
        figures.value as computed_value
    from published
    inner join figures
        on published.chat_id = figures.chat_id and published.measure = figures.measure
)

select * from final
