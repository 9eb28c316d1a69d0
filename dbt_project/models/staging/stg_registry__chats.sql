-- The registry's chats with their hour and analysis window in UTC (metrics.md 3.2).
with

chats as (
    select * from {{ source('registry', 'chats') }}
),

bounds as (
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
),

final as (
    select
        *,
        -- The same bounds on the chat's wall clock, for reports and charts.
        {{ utc_to_local('hour_ends_at', 'timezone') }} as hour_ends_local,
        {{ utc_to_local('window_starts_at', 'timezone') }} as window_starts_local,
        {{ utc_to_local('window_ends_at', 'timezone') }} as window_ends_local
    from bounds
)

select * from final
