-- Expanded URLs carried by each post.
with

posts as (
    select * from {{ source('exports', 'posts') }}
),

urls as (
    select platform, post_id, {{ explode('urls') }} as url
    from posts
    where urls is not null
),

final as (
    select distinct platform, post_id, url
    from urls
    where url is not null
)

select * from final
