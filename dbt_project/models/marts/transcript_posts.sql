-- The chat's transcript, one row per entry (grain chat x post): every original of the chat,
-- and once each the posts its retweets repost from outside it. Retweets are not entries: they
-- are counted on their original (retweeted_by). Each entry has its part (before, hour, after
-- the hour), the question heading it falls under, its thread (a reply sits under the topmost
-- post of its reply chain in the same part) and its place in the transcript.
-- Incremental on the month partition, as the other marts.
with recursive

chats as (
    select * from {{ ref('stg_registry__chats') }}
    where {{ in_partition('chat_month') }}
),

chat_posts as (
    select * from {{ ref('int_chat_posts') }}
    where {{ in_partition('chat_month') }}
),

questions as (
    select * from {{ ref('int_chat_questions') }}
    where {{ in_partition('chat_month') }} and asked_at is not null
),

known_posts as (
    select * from {{ ref('int_posts__known') }}
),

exported_posts as (
    select platform, post_id, text from {{ ref('int_posts__deduplicated') }}
),

referenced_posts as (
    select * from {{ ref('stg_exports__referenced_posts') }}
),

users as (
    select * from {{ ref('int_users__latest') }}
),

chat_hosts as (
    select * from {{ ref('stg_registry__chat_hosts') }}
),

urls as (
    select * from {{ ref('stg_exports__urls') }}
),

media_links as (
    select * from {{ ref('platform_links') }}
    where kind = 'media'
),

-- Retweets, grouped by the post they repost; an export that does not name it (TAGS) leaves
-- the retweet's own cut text ("RT @name: ...") as the only key.
retweets as (
    select
        chat_id,
        chat_month,
        platform,
        post_id,
        account_key,
        created_at,
        text,
        retweeted_post_id,
        case when retweeted_post_id is null then text end as unnamed_original_text,
        row_number() over (
            partition by
                chat_id, platform, retweeted_post_id,
                case when retweeted_post_id is null then text end
            order by created_at, post_id
        ) as retweet_rank
    from chat_posts
    where is_retweet
),

retweet_groups as (
    select
        chat_id,
        platform,
        retweeted_post_id,
        unnamed_original_text,
        count(distinct account_key) as retweeted_by
    from retweets
    group by chat_id, platform, retweeted_post_id, unnamed_original_text
),

first_retweets as (
    select
        retweets.*,
        retweet_groups.retweeted_by
    from retweets
    inner join retweet_groups
        on retweets.chat_id = retweet_groups.chat_id
        and retweets.platform = retweet_groups.platform
        and coalesce(retweets.retweeted_post_id, '')
        = coalesce(retweet_groups.retweeted_post_id, '')
        and coalesce(retweets.unnamed_original_text, '')
        = coalesce(retweet_groups.unnamed_original_text, '')
    where retweets.retweet_rank = 1
),

chat_originals as (
    select
        chat_posts.chat_id,
        chat_posts.chat_month,
        chat_posts.platform,
        chat_posts.post_id,
        'chat_post' as entry,
        chat_posts.author_username,
        chat_posts.is_host,
        chat_posts.created_at,
        chat_posts.created_at as placed_at,
        chat_posts.text,
        chat_posts.reply_to_post_id,
        chat_posts.reply_to_user_id,
        chat_posts.like_count,
        coalesce(retweet_groups.retweeted_by, 0) as retweeted_by
    from chat_posts
    left join retweet_groups
        on chat_posts.chat_id = retweet_groups.chat_id
        and chat_posts.platform = retweet_groups.platform
        and chat_posts.post_id = retweet_groups.retweeted_post_id
    where not chat_posts.is_retweet
),

latest_referenced as (
    select
        platform,
        post_id,
        text,
        row_number() over (
            partition by platform, post_id
            order by retrieved_at desc nulls last, source_file desc, source_line desc
        ) as copy_rank
    from referenced_posts
    where post_id in (select retweeted_post_id from retweets)
),

-- Posts from outside the chat that its retweets bring in: shown where first retweeted.
retweeted_in as (
    select
        first_retweets.chat_id,
        first_retweets.chat_month,
        first_retweets.platform,
        coalesce(first_retweets.retweeted_post_id, first_retweets.post_id) as post_id,
        'retweeted_in' as entry,
        known_posts.author_username,
        chat_hosts.username is not null as is_host,
        known_posts.created_at,
        first_retweets.created_at as placed_at,
        coalesce(exported_posts.text, latest_referenced.text, first_retweets.text) as text,
        known_posts.reply_to_post_id,
        known_posts.reply_to_user_id,
        cast(null as bigint) as like_count,
        first_retweets.retweeted_by
    from first_retweets
    left join known_posts
        on first_retweets.platform = known_posts.platform
        and first_retweets.retweeted_post_id = known_posts.post_id
    left join exported_posts
        on first_retweets.platform = exported_posts.platform
        and first_retweets.retweeted_post_id = exported_posts.post_id
    left join latest_referenced
        on first_retweets.platform = latest_referenced.platform
        and first_retweets.retweeted_post_id = latest_referenced.post_id
        and latest_referenced.copy_rank = 1
    left join chat_hosts
        on first_retweets.chat_id = chat_hosts.chat_id
        and lower(known_posts.author_username) = chat_hosts.username
    where not exists (
            select 1 from chat_originals
            where chat_originals.chat_id = first_retweets.chat_id
                and chat_originals.platform = first_retweets.platform
                and chat_originals.post_id = first_retweets.retweeted_post_id
        )
),

entries as (
    select * from chat_originals
    union all
    select * from retweeted_in
),

placed as (
    select
        entries.*,
        case
            when entries.placed_at < chats.starts_at then 'before'
            when entries.placed_at < chats.hour_ends_at then 'hour'
            else 'after'
        end as part,
        chats.timezone
    from entries
    inner join chats on entries.chat_id = chats.chat_id
),

question_posts as (
    select distinct chat_id, question_platform as platform, question_post_id as post_id
    from questions
    where question_post_id is not null
),

-- A reply is threaded under the post it answers when that post is an entry of the same part;
-- a question post always opens its own heading, so it is never threaded.
parents as (
    select
        children.chat_id,
        children.platform,
        children.post_id,
        children.reply_to_post_id as parent_post_id
    from placed as children
    inner join placed as parent_entries
        on children.chat_id = parent_entries.chat_id
        and children.platform = parent_entries.platform
        and children.reply_to_post_id = parent_entries.post_id
        and children.part = parent_entries.part
    where not exists (
            select 1 from question_posts
            where question_posts.chat_id = children.chat_id
                and question_posts.platform = children.platform
                and question_posts.post_id = children.post_id
        )
),

-- Every threaded ancestor, nearest first; the depth bound stops an export with a reply cycle.
ancestors (chat_id, platform, post_id, ancestor_post_id, depth) as (
    select chat_id, platform, post_id, parent_post_id, 1
    from parents
    union all
    select
        ancestors.chat_id,
        ancestors.platform,
        ancestors.post_id,
        parents.parent_post_id,
        ancestors.depth + 1
    from ancestors
    inner join parents
        on ancestors.chat_id = parents.chat_id
        and ancestors.platform = parents.platform
        and ancestors.ancestor_post_id = parents.post_id
    where ancestors.depth < 100
),

roots as (
    select
        chat_id,
        platform,
        post_id,
        ancestor_post_id as thread_root_post_id,
        depth as reply_depth,
        row_number() over (
            partition by chat_id, platform, post_id order by depth desc
        ) as root_rank
    from ancestors
),

threaded as (
    select
        placed.*,
        coalesce(roots.thread_root_post_id, placed.post_id) as thread_root_post_id,
        coalesce(roots.reply_depth, 0) as reply_depth
    from placed
    left join roots
        on placed.chat_id = roots.chat_id
        and placed.platform = roots.platform
        and placed.post_id = roots.post_id
        and roots.root_rank = 1
),

-- The heading a post of the hour falls under: the latest question asked at or before it.
headed as (
    select
        threaded.chat_id,
        threaded.platform,
        threaded.post_id,
        questions.question_id,
        row_number() over (
            partition by threaded.chat_id, threaded.platform, threaded.post_id
            order by questions.asked_at desc, questions.question_position desc
        ) as question_rank
    from threaded
    inner join questions
        on threaded.chat_id = questions.chat_id
        and questions.asked_at <= threaded.placed_at
    where threaded.part = 'hour'
),

-- The entries' links split into host and path, to match the seed's media patterns.
entry_urls as (
    select
        placed.chat_id,
        placed.platform,
        placed.post_id,
        urls.url,
        lower(regexp_extract(urls.url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)', 1)) as host,
        regexp_extract(urls.url, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)', 1) as path
    from placed
    inner join urls
        on placed.platform = urls.platform and placed.post_id = urls.post_id
),

media as (
    select
        chat_id,
        platform,
        post_id,
        count(distinct url) as media_count
    from entry_urls
    where exists (
            select 1
            from media_links
            where media_links.platform = entry_urls.platform
                and {{ regex_matches('entry_urls.host', 'media_links.host_pattern') }}
                and {{ regex_matches('entry_urls.path', "coalesce(media_links.path_pattern, '')") }}
        )
    group by chat_id, platform, post_id
),

described as (
    select
        threaded.*,
        roots.placed_at as root_placed_at,
        root_questions.post_id is not null as root_is_question_post,
        question_posts.post_id is not null as is_question_post,
        headed.question_id as heading_question_id,
        parent_entries.post_id is not null as parent_in_transcript,
        parent_entries.part as parent_part,
        coalesce(known_parents.author_username, parent_users.username) as reply_to_username,
        coalesce(media.media_count, 0) as media_count
    from threaded
    inner join threaded as roots
        on threaded.chat_id = roots.chat_id
        and threaded.platform = roots.platform
        and threaded.thread_root_post_id = roots.post_id
    left join question_posts
        on threaded.chat_id = question_posts.chat_id
        and threaded.platform = question_posts.platform
        and threaded.post_id = question_posts.post_id
    -- A reply takes the heading of the post its thread starts from.
    left join headed
        on roots.chat_id = headed.chat_id
        and roots.platform = headed.platform
        and roots.post_id = headed.post_id
        and headed.question_rank = 1
    left join placed as parent_entries
        on threaded.chat_id = parent_entries.chat_id
        and threaded.platform = parent_entries.platform
        and threaded.reply_to_post_id = parent_entries.post_id
    left join known_posts as known_parents
        on threaded.platform = known_parents.platform
        and threaded.reply_to_post_id = known_parents.post_id
    left join users as parent_users
        on threaded.platform = parent_users.platform
        and threaded.reply_to_user_id = parent_users.user_id
    left join question_posts as root_questions
        on roots.chat_id = root_questions.chat_id
        and roots.platform = root_questions.platform
        and roots.post_id = root_questions.post_id
    left join media
        on threaded.chat_id = media.chat_id
        and threaded.platform = media.platform
        and threaded.post_id = media.post_id
),

final as (
    select
        chat_id,
        chat_month,
        platform,
        post_id,
        entry,
        part,
        heading_question_id,
        is_question_post,
        author_username,
        is_host,
        created_at,
        {{ utc_to_local('created_at', 'timezone') }} as created_local,
        placed_at,
        {{ utc_to_local('placed_at', 'timezone') }} as placed_local,
        text,
        reply_to_post_id,
        reply_to_username,
        parent_in_transcript,
        parent_part,
        thread_root_post_id,
        reply_depth,
        retweeted_by,
        like_count,
        media_count,
        row_number() over (
            partition by chat_id
            order by
                case part when 'before' then 0 when 'hour' then 1 else 2 end,
                root_placed_at,
                -- A question post opens its heading, before posts of the same second.
                case when root_is_question_post then 0 else 1 end,
                thread_root_post_id,
                case when reply_depth = 0 then 0 else 1 end,
                placed_at,
                post_id
        ) as transcript_position
    from described
)

select * from final
