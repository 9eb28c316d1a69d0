with

polls as (
    select * from {{ source('exports', 'polls') }}
),

final as (
    select
        platform,
        poll_id,
        voting_status,
        end_at,
        duration_minutes,
        retrieved_at,
        source_file,
        source_line
    from polls
)

select * from final
