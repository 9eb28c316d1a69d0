-- Per chat and question (metrics.md 5): responses are the originals assigned to it, with the
-- accounts that gave them and the likes and retweets they got. A question nobody answered
-- has a row of zeros.
with

questions as (
    select * from {{ ref('int_chat_questions') }}
    where {{ in_partition('chat_month') }}
),

posts as (
    select * from {{ ref('posts') }}
    where {{ in_partition('chat_month') }} and question_id is not null
),

figures as (
    select
        chat_id,
        question_id,
        count(*) as responses,
        count(distinct account_key) as responders,
        {{ sum_bigint('like_count') }} as likes,
        {{ sum_bigint('retweet_count') }} as retweets
    from posts
    group by chat_id, question_id
),

final as (
    select
        questions.chat_id,
        questions.chat_month,
        questions.question_id,
        questions.question_position,
        questions.question_text,
        questions.question_source,
        questions.asked_at,
        questions.asked_local,
        questions.question_post_id,
        coalesce(figures.responses, 0) as responses,
        coalesce(figures.responders, 0) as responders,
        coalesce(figures.likes, 0) as likes,
        coalesce(figures.retweets, 0) as retweets
    from questions
    left join figures
        on questions.chat_id = figures.chat_id and questions.question_id = figures.question_id
)

select * from final
