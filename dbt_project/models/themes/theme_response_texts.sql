-- Each question's responses as the themes read them (metrics.md 8): originals by non-hosts
-- with that question (section 5), their text without links, leading mentions, the Q/A tag and
-- the chat's hashtags. A response whose cleaned text another response of the question already
-- said (exact duplicate, ignoring case) is kept once: the earliest.
with

posts as (
    select * from {{ ref('posts') }}
    where
        {{ in_partition('chat_month') }}
        and question_id is not null and not is_host and not is_retweet
),

chat_hashtags as (
    select * from {{ ref('stg_registry__chat_hashtags') }}
),

-- One pattern per chat matching its own hashtags (word characters only, so no escaping).
hashtag_patterns as (
    select
        chat_id,
        '(?i)#(' || {{ string_agg_text('hashtag', "'|'") }} || ')\b' as pattern
    from chat_hashtags
    group by chat_id
),

without_links as (
    select
        posts.*,
        {{ regex_replace_all('posts.text', "'https?://\\S+|www\\.\\S+'", "' '") }} as text_1
    from posts
),

without_mentions as (
    select
        *,
        {{ regex_replace_all('text_1', "'^(\\s*\\.?@\\w+[,:]?)+'", "''") }} as text_2
    from without_links
),

without_tags as (
    select
        *,
        {{ regex_replace_all(
            'text_2',
            "'#?\\b[QqAa][0-9]+[A-Za-z]?(\\.[0-9]+)?\\b\\s*[:.)-]?'",
            "' '",
        ) }} as text_3
    from without_mentions
),

without_hashtags as (
    select
        without_tags.*,
        case
            when hashtag_patterns.pattern is null then without_tags.text_3
            else {{ regex_replace_all('without_tags.text_3', 'hashtag_patterns.pattern', "' '") }}
        end as text_4
    from without_tags
    left join hashtag_patterns on without_tags.chat_id = hashtag_patterns.chat_id
),

cleaned as (
    select
        *,
        trim({{ regex_replace_all('text_4', "'[ \\t]+'", "' '") }}) as response_text
    from without_hashtags
),

ranked as (
    select
        *,
        row_number() over (
            partition by chat_id, question_id, lower(response_text)
            order by created_at, platform, post_id
        ) as copy_rank
    from cleaned
    where response_text <> ''
),

final as (
    select
        chat_id,
        chat_month,
        question_id,
        platform,
        post_id,
        author_username,
        account_key,
        created_at,
        text,
        response_text
    from ranked
    where copy_rank = 1
)

select * from final
