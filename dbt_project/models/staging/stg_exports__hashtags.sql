-- Hashtags of every post seen (exported or referenced): from the export's entities, else
-- from the text (metrics.md 3.1). Lower case, without '#'.
with

posts as (
    select * from {{ source('exports', 'posts') }}
),

from_entities as (
    select platform, post_id, {{ explode('hashtags') }} as tag
    from posts
    where hashtags is not null
),

from_text as (
    select platform, post_id, {{ explode(hashtags_in_text('text')) }} as tag
    from posts
    where hashtags is null
),

final as (
    select distinct platform, post_id, lower(tag) as hashtag
    from (
        select * from from_entities
        union all
        select * from from_text
    ) as tags
    where tag is not null and tag <> ''
)

select * from final
