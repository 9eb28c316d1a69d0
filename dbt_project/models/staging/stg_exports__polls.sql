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
        -- Mastodon polls may allow several choices; X polls never do (null: not said).
        multiple_choice,
        voters,
        retrieved_at,
        source_file,
        source_line
    from polls
)

select * from final
