-- Figures a report already published, for reconciliation.
with

published as (
    select * from {{ source('registry', 'chat_published') }}
),

final as (
    select
        chat_id,
        measure,
        published_value
    from published
)

select * from final
