-- Accounts mentioned by each post, lower-cased usernames without '@'.
with

posts as (
    select * from {{ source('exports', 'posts') }}
),

mentions as (
    select platform, post_id, {{ explode('mentions') }} as username
    from posts
    where mentions is not null
),

final as (
    select distinct platform, post_id, lower(username) as username
    from mentions
    where username is not null
)

select * from final
