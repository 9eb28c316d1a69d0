-- One copy of each poll: the one retrieved last, with its options (votes grow until it closes).
with

polls as (
    select * from {{ ref('stg_exports__polls') }}
),

options as (
    select * from {{ ref('stg_exports__poll_options') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by platform, poll_id
            order by retrieved_at desc nulls last, source_file desc, source_line desc
        ) as copy_rank
    from polls
),

final as (
    select
        ranked.platform,
        ranked.poll_id,
        ranked.voting_status,
        ranked.end_at,
        ranked.multiple_choice,
        ranked.voters,
        options.option_position,
        options.option_label,
        options.votes
    from ranked
    inner join options
        on ranked.platform = options.platform
        and ranked.poll_id = options.poll_id
        and ranked.source_file = options.source_file
        and ranked.source_line = options.source_line
    where ranked.copy_rank = 1
)

select * from final
