-- One username per account: the one retrieved last.
with

users as (
    select * from {{ ref('stg_exports__users') }}
    where username is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by platform, user_id
            order by retrieved_at desc nulls last, source_file desc, source_line desc
        ) as copy_rank
    from users
),

final as (
    select platform, user_id, username, display_name
    from ranked
    where copy_rank = 1
)

select * from final
