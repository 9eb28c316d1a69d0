with

options as (
    select * from {{ source('exports', 'poll_options') }}
),

final as (
    select
        platform,
        poll_id,
        option_position,
        option_label,
        votes,
        retrieved_at,
        source_file,
        source_line
    from options
)

select * from final
