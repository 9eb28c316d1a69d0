-- Words and word pairs of each question's responses, for the word clouds (metrics.md 6).
-- Every token keeps its place in the post, so a pair is two neighbouring words that both
-- count: a link, mention, tag or stop word between them breaks the pair.
with

posts as (
    select * from {{ ref('posts') }}
    where {{ in_partition('chat_month') }} and question_id is not null
),

chat_hashtags as (
    select * from {{ ref('stg_registry__chat_hashtags') }}
),

stop_words as (
    select * from {{ ref('stop_words') }}
),

token_lists as (
    select
        chat_id,
        chat_month,
        question_id,
        platform,
        post_id,
        regexp_extract_all(
            replace(lower(text), '’', chr(39)),
            'https?://\S+|www\.\S+|@\w+|#\w+|[\w\x27]+',
            0
        ) as tokens
    from posts
),

tokens as (
    select
        chat_id,
        chat_month,
        question_id,
        platform,
        post_id,
        {{ explode_with_position('tokens', 'token', 'token_position') }}
    from token_lists
),

-- A token without its leading '#' and its outer apostrophes and underscores.
trimmed as (
    select
        *,
        {{ trim_chars(trim_chars('token', "'#'", 'leading'), "chr(39) || '_'") }} as word
    from tokens
),

classified as (
    select
        trimmed.*,
        -- Another community's hashtag is a word of the answer; the chat's own is not.
        (
            trimmed.token like 'http%'
            or trimmed.token like 'www.%'
            or trimmed.token like '@%'
            or {{ regex_full_match('trimmed.word', "'[qa][0-9]+[a-z]?'") }}
            or not {{ regex_matches('trimmed.token', "'[a-z]'") }}
            or length(trimmed.word) < 2
            or chat_hashtags.hashtag is not null
            or stop_words.word is not null
        ) as is_dropped
    from trimmed
    left join chat_hashtags
        on trimmed.chat_id = chat_hashtags.chat_id
        and trimmed.word = chat_hashtags.hashtag
    left join stop_words on trimmed.word = stop_words.word
),

words as (
    select chat_id, chat_month, question_id, platform, post_id, token_position, word
    from classified
    where not is_dropped
),

terms as (
    select chat_id, chat_month, question_id, word as term, 1 as term_words
    from words
    union all
    select
        first.chat_id, first.chat_month, first.question_id,
        first.word || ' ' || second.word as term, 2 as term_words
    from words as first
    inner join words as second
        on first.chat_id = second.chat_id
        and first.platform = second.platform
        and first.post_id = second.post_id
        and second.token_position = first.token_position + 1
),

final as (
    select
        chat_id,
        chat_month,
        question_id,
        term,
        term_words,
        count(*) as n
    from terms
    group by chat_id, chat_month, question_id, term, term_words
)

select * from final
