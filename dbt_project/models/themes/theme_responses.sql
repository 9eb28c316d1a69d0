-- One row per excerpt of a response with its theme (metrics.md 8), from the assignments the
-- themes asset wrote. A response's primary theme is the theme of most of its words; a tie goes
-- to the theme of its first excerpt among those tied.
with

excerpts as (
    select * from {{ source('analysis', 'theme_excerpts') }}
    where {{ in_partition('chat_month') }} and theme_id is not null
),

theme_words as (
    select
        chat_id,
        question_id,
        platform,
        post_id,
        theme_id,
        sum(words) as words,
        min(excerpt_position) as first_position
    from excerpts
    group by chat_id, question_id, platform, post_id, theme_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by chat_id, question_id, platform, post_id
            order by words desc, first_position
        ) as theme_rank
    from theme_words
),

primary_themes as (
    select chat_id, question_id, platform, post_id, theme_id as primary_theme_id
    from ranked
    where theme_rank = 1
),

final as (
    select
        excerpts.chat_id,
        excerpts.chat_month,
        excerpts.question_id,
        excerpts.theme_id,
        excerpts.platform,
        excerpts.post_id,
        excerpts.author_username,
        excerpts.account_key,
        excerpts.excerpt_position,
        excerpts.excerpt,
        excerpts.words,
        excerpts.score,
        excerpts.theme_id = primary_themes.primary_theme_id as is_primary,
        excerpts.is_quote_pick
    from excerpts
    inner join primary_themes
        on excerpts.chat_id = primary_themes.chat_id
        and excerpts.question_id = primary_themes.question_id
        and excerpts.platform = primary_themes.platform
        and excerpts.post_id = primary_themes.post_id
)

select * from final
