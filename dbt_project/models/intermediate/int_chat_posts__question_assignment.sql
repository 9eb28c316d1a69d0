-- Incremental on the month partition, as the marts (configured in dbt_project.yml).
-- The question of every original by a non-host account (metrics.md 5), by the first rule that
-- applies: tag, reply chain, quote, time. A reply chain climbs through every exported post,
-- in the chat or not. "Has a question" is recursive: a reply to an untagged answer gets that
-- answer's question, found the same way. A quote resolves one level (the quoted post's tag,
-- chain or time), not a quote of a quote.
with recursive

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }}
),

exported_posts as (
    select platform, post_id, reply_to_post_id from {{ ref('int_posts__known') }}
),

questions as (
    select * from {{ ref('int_chat_questions') }}
    where {{ in_partition('chat_month') }}
),

eligible as (
    select
        chat_id, chat_month, platform, post_id, created_at, text, reply_to_post_id,
        quoted_post_id
    from chat_posts
    where not is_retweet and not is_host
),

-- Rule 1: Q<id> / A<id> tags ('A1', 'A2.1', 'Q3:', '#A3'), with links taken out first so a
-- tag inside a URL does not count; \b keeps tags out of longer words and numbers.
tag_lists as (
    select
        chat_id,
        platform,
        post_id,
        regexp_extract_all(
            {{ regex_replace_all('text', "'https?://\\S+'", "' '") }},
            '\b[QqAa]([0-9]+[A-Za-z]?)(?:\.[0-9]+)?\b',
            1
        ) as tags
    from eligible
),

tags as (
    select
        chat_id,
        platform,
        post_id,
        {{ explode_with_position('tags', 'written_tag', 'tag_position') }}
    from tag_lists
),

tagged as (
    select
        tags.chat_id,
        tags.platform,
        tags.post_id,
        questions.question_id,
        -- Several tags: the first one that names a question of the chat.
        row_number() over (
            partition by tags.chat_id, tags.platform, tags.post_id order by tags.tag_position
        ) as tag_rank
    from tags
    inner join questions
        on tags.chat_id = questions.chat_id and lower(tags.written_tag) = questions.question_id
),

-- Posts that carry a question themselves: a tagged answer or the host's question post.
direct as (
    select chat_id, platform, post_id, question_id
    from tagged
    where tag_rank = 1
    union all
    select chat_id, question_platform as platform, question_post_id as post_id, question_id
    from questions
    where question_post_id is not null
),

-- Every reply ancestor of every eligible post, nearest first (depth 1 = the parent). The
-- depth bound stops a malformed export with a reply cycle.
ancestors (chat_id, platform, post_id, ancestor_post_id, depth) as (
    select chat_id, platform, post_id, reply_to_post_id, 1
    from eligible
    where reply_to_post_id is not null
    union all
    select
        ancestors.chat_id,
        ancestors.platform,
        ancestors.post_id,
        parents.reply_to_post_id,
        ancestors.depth + 1
    from ancestors
    inner join exported_posts as parents
        on ancestors.platform = parents.platform and ancestors.ancestor_post_id = parents.post_id
    where parents.reply_to_post_id is not null and ancestors.depth < 100
),

nearest_direct as (
    {{ ancestor_questions('direct', 'asc') }}
),


-- Rule 4: the latest question asked in the hour before the post.
timed_candidates as (
    select
        eligible.chat_id,
        eligible.platform,
        eligible.post_id,
        questions.question_id,
        row_number() over (
            partition by eligible.chat_id, eligible.platform, eligible.post_id
            order by questions.asked_at desc, questions.question_position desc
        ) as question_rank
    from eligible
    inner join questions
        on eligible.chat_id = questions.chat_id
        and eligible.created_at >= questions.asked_at
        and eligible.created_at < {{ dbt.dateadd('minute', 60, 'questions.asked_at') }}
),

timed as (
    select chat_id, platform, post_id, question_id
    from timed_candidates
    where question_rank = 1
),

-- Tag, else the nearest ancestor carrying a question itself.
chained as (
    select
        eligible.chat_id,
        eligible.platform,
        eligible.post_id,
        coalesce(own.question_id, nearest.question_id) as question_id,
        case
            when own.question_id is not null then 'tag'
            when nearest.question_id is not null then 'reply_chain'
        end as question_rule
    from eligible
    left join direct as own
        on eligible.chat_id = own.chat_id
        and eligible.platform = own.platform
        and eligible.post_id = own.post_id
    left join nearest_direct as nearest
        on eligible.chat_id = nearest.chat_id
        and eligible.platform = nearest.platform
        and eligible.post_id = nearest.post_id
        and nearest.ancestor_rank = 1
),

-- An ancestor without a tag of its own still has a question when it falls back to quote or
-- time; the root-most such ancestor decides (it is what every post below it inherits).
root_most as (
    {{ ancestor_questions('timed', 'desc') }}
),


-- What a quoted post stands for: its tag or chain, else its root-most ancestor's time, else
-- its own time; the host's question post stands for its question.
settled as (
    select
        chained.chat_id,
        chained.platform,
        chained.post_id,
        coalesce(chained.question_id, root_timed.question_id, timed.question_id) as question_id
    from chained
    left join root_most as root_timed
        on chained.chat_id = root_timed.chat_id
        and chained.platform = root_timed.platform
        and chained.post_id = root_timed.post_id
        and root_timed.ancestor_rank = 1
    left join timed
        on chained.chat_id = timed.chat_id
        and chained.platform = timed.platform
        and chained.post_id = timed.post_id
    union all
    select chat_id, question_platform, question_post_id, question_id
    from questions
    where question_post_id is not null
),

-- Rules 3 and 4 for one post: the quoted post's question, else time.
fallback as (
    select
        eligible.chat_id,
        eligible.platform,
        eligible.post_id,
        coalesce(quoted.question_id, timed.question_id) as question_id,
        case
            when quoted.question_id is not null then 'quote'
            when timed.question_id is not null then 'time'
        end as question_rule
    from eligible
    left join settled as quoted
        on eligible.chat_id = quoted.chat_id
        and eligible.platform = quoted.platform
        and eligible.quoted_post_id = quoted.post_id
    left join timed
        on eligible.chat_id = timed.chat_id
        and eligible.platform = timed.platform
        and eligible.post_id = timed.post_id
),

root_fallback as (
    {{ ancestor_questions('fallback', 'desc') }}
),


final as (
    select
        eligible.chat_id,
        eligible.chat_month,
        eligible.platform,
        eligible.post_id,
        coalesce(chained.question_id, root_fallback.question_id, fallback.question_id)
            as question_id,
        case
            when chained.question_rule is not null then chained.question_rule
            when root_fallback.question_id is not null then 'reply_chain'
            else fallback.question_rule
        end as question_rule
    from eligible
    inner join chained
        on eligible.chat_id = chained.chat_id
        and eligible.platform = chained.platform
        and eligible.post_id = chained.post_id
    inner join fallback
        on eligible.chat_id = fallback.chat_id
        and eligible.platform = fallback.platform
        and eligible.post_id = fallback.post_id
    left join root_fallback
        on eligible.chat_id = root_fallback.chat_id
        and eligible.platform = root_fallback.platform
        and eligible.post_id = root_fallback.post_id
        and root_fallback.ancestor_rank = 1
)

select * from final
