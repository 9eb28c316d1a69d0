with

hosts as (
    select * from {{ source('registry', 'chat_hosts') }}
),

final as (
    select distinct
        chat_id,
        lower({{ trim_chars('username', "'@'", 'leading') }}) as username
    from hosts
)

select * from final
