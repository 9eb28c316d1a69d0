-- Each poll option's pct beside round(100 * votes / total_votes, 1) (suite poll_results).
with

poll_results as (
    select * from {{ ref('poll_results') }}
),

final as (
    select
        chat_id,
        chat_month,
        poll_id,
        option_position,
        votes,
        total_votes,
        pct,
        round(100.0 * votes / nullif(total_votes, 0), 1) as expected_pct
    from poll_results
)

select * from final
