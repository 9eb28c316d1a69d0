-- The conversation network of each chat (metrics.md 6): accounts joined by replies or
-- mentions. A pair is reciprocal when replies or mentions run both ways; reciprocity is the
-- share of directed edges whose reverse exists (networkx's definition). The most central
-- accounts are in marts.account_centrality (igraph, a Dagster asset).
with

chats as (
    select * from {{ ref('stg_registry__chats') }}
    where {{ in_partition('chat_month') }}
),

interactions as (
    select * from {{ ref('interactions') }}
    where {{ in_partition('chat_month') }} and kind in ('reply', 'mention')
),

directed as (
    select chat_id, source_username, target_username, {{ sum_bigint('weight') }} as weight
    from interactions
    group by chat_id, source_username, target_username
),

accounts as (
    select chat_id, source_username as username from directed
    union
    select chat_id, target_username from directed
),

reciprocated as (
    select directed.chat_id, directed.source_username, directed.target_username
    from directed
    inner join directed as reverse
        on directed.chat_id = reverse.chat_id
        and directed.source_username = reverse.target_username
        and directed.target_username = reverse.source_username
),

figures as (
    select
        directed.chat_id,
        count(*) as edges,
        {{ sum_bigint('directed.weight') }} as interactions,
        count(reciprocated.source_username) as reciprocated_edges
    from directed
    left join reciprocated
        on directed.chat_id = reciprocated.chat_id
        and directed.source_username = reciprocated.source_username
        and directed.target_username = reciprocated.target_username
    group by directed.chat_id
),

account_counts as (
    select chat_id, count(*) as accounts
    from accounts
    group by chat_id
),

final as (
    select
        chats.chat_id,
        chats.chat_month,
        coalesce(account_counts.accounts, 0) as accounts,
        coalesce(figures.edges, 0) as edges,
        coalesce(figures.interactions, 0) as interactions,
        -- Each reciprocal pair is two reciprocated edges.
        cast(coalesce(figures.reciprocated_edges, 0) / 2 as bigint) as reciprocal_pairs,
        round(1.0 * figures.reciprocated_edges / nullif(figures.edges, 0), 4) as reciprocity
    from chats
    left join figures on chats.chat_id = figures.chat_id
    left join account_counts on chats.chat_id = account_counts.chat_id
)

select * from final
