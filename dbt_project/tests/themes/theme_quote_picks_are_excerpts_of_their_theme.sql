-- Every theme row of theme_responses names a theme of its question, and each theme with
-- excerpts has 2 to 5 quote picks (1 when it has a single excerpt), all of them its excerpts.
with

themes as (
    select * from {{ ref('question_themes') }}
),

picks as (
    select
        chat_id,
        question_id,
        theme_id,
        count(*) as excerpts,
        {{ count_where('is_quote_pick') }} as quote_picks
    from {{ ref('theme_responses') }}
    group by chat_id, question_id, theme_id
)

select picks.chat_id, picks.question_id, picks.theme_id, picks.quote_picks
from picks
left join themes
    on picks.chat_id = themes.chat_id
    and picks.question_id = themes.question_id
    and picks.theme_id = themes.theme_id
where themes.theme_id is null
    or picks.quote_picks > 5
    or picks.quote_picks < least(picks.excerpts, 2)
