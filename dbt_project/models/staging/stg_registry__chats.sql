-- The registry's chats with their hour and analysis window in UTC (metrics.md 3.2).
with

chats as (
    select * from {{ source('registry', 'chats') }}
),

final as (
    select
        chat_id,
        title,
        timezone,
        starts_local,
        starts_at,
        duration_minutes,
        window_hours_before,
        window_hours_after,
        cast({{ dbt.date_trunc('month', 'starts_local') }} as date) as chat_month,
        {{ dbt.dateadd('minute', 'duration_minutes', 'starts_at') }} as hour_ends_at,
        {{ dbt.dateadd('minute', 'cast(-60 * window_hours_before as integer)', 'starts_at') }}
            as window_starts_at,
        {{ dbt.dateadd('minute', 'cast(60 * window_hours_after as integer)', 'starts_at') }}
            as window_ends_at
    from chats
)

select * from final
