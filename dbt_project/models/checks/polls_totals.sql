-- Each poll with votes (suite poll_results): total_votes the same on every option and equal
-- to the votes summed; pct summing to 100 within rounding (0.1, or 0.05 per option when a
-- poll has more than two).
with

poll_results as (
    select * from {{ ref('poll_results') }}
),

final as (
    select
        chat_id,
        chat_month,
        poll_id,
        max(total_votes) as total_votes,
        min(total_votes) as smallest_total_votes,
        {{ sum_bigint('votes') }} as sum_of_votes,
        round(abs(sum(pct) - 100), 2) as pct_sum_off_by,
        greatest(0.1, 0.05 * count(*)) as rounding_tolerance
    from poll_results
    group by chat_id, chat_month, poll_id
    having max(total_votes) > 0
)

select * from final
