-- Each chat's questions (metrics.md 5): the registry's, else the host's originals that begin
-- with Q<id> ('Q1.', 'Q2a:'). asked_at is the question's host post, where one is found.
-- Incremental on the month partition, as int_chat_posts.
with

chats as (
    select * from {{ ref('stg_registry__chats') }}
    where {{ in_partition('chat_month') }}
),

registry_questions as (
    select * from {{ ref('stg_registry__chat_questions') }}
),

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }}
),

host_question_posts as (
    select
        chat_id,
        platform,
        post_id,
        created_at,
        text,
        lower(regexp_extract(text, '^\s*[Qq]([0-9]+[A-Za-z]?)\b', 1)) as question_id,
        -- A question repeated or previewed before the chat: the one in the hour, earliest.
        row_number() over (
            partition by chat_id, lower(regexp_extract(text, '^\s*[Qq]([0-9]+[A-Za-z]?)\b', 1))
            order by in_hour desc, created_at, post_id
        ) as copy_rank
    from chat_posts
    where is_host
        and not is_retweet
        and {{ regex_matches('text', "'^\\s*[Qq][0-9]+[A-Za-z]?\\b'") }}
),

question_posts as (
    select * from host_question_posts
    where copy_rank = 1
),

detected_questions as (
    select
        chat_id,
        question_id,
        row_number() over (partition by chat_id order by created_at, question_id)
            as question_position,
        trim(regexp_replace(text, '^\s*[Qq][0-9]+[A-Za-z]?\s*[.:)-]?\s*', '')) as question_text,
        'detected' as question_source
    from question_posts
    where chat_id not in (select chat_id from registry_questions)
),

questions as (
    select
        chat_id,
        question_id,
        question_position,
        question_text,
        'registry' as question_source
    from registry_questions
    union all
    select * from detected_questions
),

final as (
    select
        questions.chat_id,
        chats.chat_month,
        questions.question_id,
        questions.question_position,
        questions.question_text,
        questions.question_source,
        question_posts.created_at as asked_at,
        {{ utc_to_local('question_posts.created_at', 'chats.timezone') }} as asked_local,
        question_posts.platform as question_platform,
        question_posts.post_id as question_post_id
    from questions
    inner join chats on questions.chat_id = chats.chat_id
    left join question_posts
        on questions.chat_id = question_posts.chat_id
        and questions.question_id = question_posts.question_id
)

select * from final
