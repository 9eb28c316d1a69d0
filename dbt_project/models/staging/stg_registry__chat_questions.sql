with

questions as (
    select * from {{ source('registry', 'chat_questions') }}
),

final as (
    select
        chat_id,
        -- Tags are matched case-insensitively ('Q2A' answers question '2a').
        lower(trim(question_id)) as question_id,
        question_position,
        question_text
    from questions
)

select * from final
