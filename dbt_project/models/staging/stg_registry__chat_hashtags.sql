-- A chat's hashtags, matched case-insensitively: lower case, without '#'.
with

hashtags as (
    select * from {{ source('registry', 'chat_hashtags') }}
),

final as (
    select distinct
        chat_id,
        lower({{ trim_chars('hashtag', "'#'", 'leading') }}) as hashtag
    from hashtags
)

select * from final
