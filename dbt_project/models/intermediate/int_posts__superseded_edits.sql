-- Post ids that an edit replaced (metrics.md 3.3): every id of an edit history but the last.
with

posts as (
    select platform, edit_history_ids from {{ source('exports', 'posts') }}
    where edit_history_ids is not null
),

superseded as (
    select platform, {{ explode(all_but_last('edit_history_ids')) }} as post_id
    from posts
),

final as (
    select distinct platform, post_id
    from superseded
    where post_id is not null
)

select * from final
