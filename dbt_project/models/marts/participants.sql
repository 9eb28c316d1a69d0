-- Per chat and posting account (metrics.md 6). participant_rank orders the accounts as the
-- reports' participants figure does, by originals then retweets, hosts left out.
with

posts as (
    select * from {{ ref('posts') }}
    where {{ in_partition('chat_month') }}
),

mentions as (
    select * from {{ ref('stg_exports__mentions') }}
),

accounts as (
    select
        chat_id,
        chat_month,
        account_key,
        -- The name the account used last in the chat.
        max_by(author_username, created_at) as username,
        bool_or(is_host) as is_host,
        {{ count_where('not is_retweet') }} as originals,
        {{ count_where('is_retweet') }} as retweets,
        {{ count_where('is_reply') }} as replies,
        {{ count_where('is_quote') }} as quotes,
        coalesce({{ sum_bigint('case when not is_retweet then like_count end') }}, 0)
            as likes_received,
        coalesce({{ sum_bigint('case when not is_retweet then retweet_count end') }}, 0)
            as retweets_received
    from posts
    group by chat_id, chat_month, account_key
),

mentions_received as (
    select posts.chat_id, mentions.username, count(distinct posts.post_id) as mentions_received
    from posts
    inner join mentions
        on posts.platform = mentions.platform and posts.post_id = mentions.post_id
    where not posts.is_retweet
    group by posts.chat_id, mentions.username
),

final as (
    select
        accounts.chat_id,
        accounts.chat_month,
        accounts.account_key,
        accounts.username,
        accounts.is_host,
        accounts.originals,
        accounts.retweets,
        accounts.replies,
        accounts.quotes,
        accounts.likes_received,
        accounts.retweets_received,
        coalesce(mentions_received.mentions_received, 0) as mentions_received,
        case
            when not accounts.is_host then row_number() over (
                    partition by accounts.chat_id, accounts.is_host
                    order by
                        accounts.originals desc, accounts.retweets desc,
                        lower(accounts.username), accounts.account_key
                )
        end as participant_rank
    from accounts
    left join mentions_received
        on accounts.chat_id = mentions_received.chat_id
        and lower(accounts.username) = mentions_received.username
)

select * from final
