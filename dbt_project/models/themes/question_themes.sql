-- Per chat, question and theme (metrics.md 8): the theme as the themes asset drafted it (or the
-- analyst edited it) and its counts from the excerpt assignments of theme_responses: responses
-- (distinct posts with an excerpt in it), responders (distinct accounts), and share_pct, the
-- share of the question's themed responses whose primary theme it is.
with

themes as (
    select * from {{ source('analysis', 'themes') }}
    where {{ in_partition('chat_month') }}
),

theme_responses as (
    select * from {{ ref('theme_responses') }}
    where {{ in_partition('chat_month') }}
),

theme_counts as (
    select
        chat_id,
        question_id,
        theme_id,
        count(distinct platform || ':' || post_id) as responses,
        count(distinct account_key) as responders,
        count(distinct case when is_primary then platform || ':' || post_id end)
            as primary_responses
    from theme_responses
    group by chat_id, question_id, theme_id
),

question_totals as (
    select
        chat_id,
        question_id,
        count(distinct platform || ':' || post_id) as themed_responses
    from theme_responses
    group by chat_id, question_id
),

final as (
    select
        themes.chat_id,
        themes.chat_month,
        themes.question_id,
        themes.theme_id,
        themes.label,
        themes.keywords,
        themes.origin,
        themes.is_new,
        cast(coalesce(theme_counts.responses, 0) as bigint) as responses,
        cast(coalesce(theme_counts.responders, 0) as bigint) as responders,
        cast(coalesce(theme_counts.primary_responses, 0) as bigint) as primary_responses,
        case
            when question_totals.themed_responses > 0
                then cast(round(
                        100.0 * coalesce(theme_counts.primary_responses, 0)
                        / question_totals.themed_responses,
                        1
                    ) as double)
            else cast(0 as double)
        end as share_pct,
        themes.theme_position
    from themes
    left join theme_counts
        on themes.chat_id = theme_counts.chat_id
        and themes.question_id = theme_counts.question_id
        and themes.theme_id = theme_counts.theme_id
    left join question_totals
        on themes.chat_id = question_totals.chat_id
        and themes.question_id = question_totals.question_id
)

select * from final
