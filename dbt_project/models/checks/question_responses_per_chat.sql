-- Each chat's responses summed over its questions beside the originals that were assigned a
-- question in marts.posts (suite question_responses): the two must be equal.
with

chats as (
    select * from {{ ref('stg_registry__chats') }}
),

question_responses as (
    select * from {{ ref('question_responses') }}
),

posts as (
    select * from {{ ref('posts') }}
    where question_id is not null
),

responses as (
    select chat_id, {{ sum_bigint('responses') }} as responses
    from question_responses
    group by chat_id
),

assigned as (
    select chat_id, count(*) as assigned_originals
    from posts
    group by chat_id
),

final as (
    select
        chats.chat_id,
        chats.chat_month,
        coalesce(responses.responses, 0) as responses,
        coalesce(assigned.assigned_originals, 0) as assigned_originals
    from chats
    left join responses on chats.chat_id = responses.chat_id
    left join assigned on chats.chat_id = assigned.chat_id
)

select * from final
