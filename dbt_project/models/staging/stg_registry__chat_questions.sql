with

questions as (
    select * from {{ source('registry', 'chat_questions') }}
),

final as (
    select
        chat_id,
        question_id,
        question_position,
        question_text
    from questions
)

select * from final
