-- A question's theme shares sum to 100 within rounding (0.05 per theme), when it has any
-- themed response; and they add up to its themed responses.
with

themes as (
    select * from {{ ref('question_themes') }}
),

responses as (
    select chat_id, question_id, count(distinct platform || ':' || post_id) as themed_responses
    from {{ ref('theme_responses') }}
    group by chat_id, question_id
),

sums as (
    select
        chat_id,
        question_id,
        sum(share_pct) as shares,
        sum(primary_responses) as primary_responses,
        count(*) as themes
    from themes
    group by chat_id, question_id
)

select sums.chat_id, sums.question_id, sums.shares, sums.primary_responses
from sums
left join responses
    on sums.chat_id = responses.chat_id and sums.question_id = responses.question_id
where coalesce(responses.themed_responses, 0) <> sums.primary_responses
    or (sums.primary_responses > 0 and abs(sums.shares - 100) > 0.05 * sums.themes + 0.000001)
