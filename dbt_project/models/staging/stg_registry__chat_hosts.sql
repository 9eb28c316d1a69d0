with

hosts as (
    select * from {{ source('registry', 'chat_hosts') }}
),

final as (
    select distinct
        chat_id,
        lower(ltrim(username, '@')) as username
    from hosts
)

select * from final
