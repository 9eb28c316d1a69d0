-- Accounts as described by each file; int_users keeps the latest username per account.
with

users as (
    select * from {{ source('exports', 'users') }}
),

final as (
    select
        platform,
        user_id,
        username,
        display_name,
        retrieved_at,
        source_file,
        source_line
    from users
)

select * from final
