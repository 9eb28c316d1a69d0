-- Degrees of each account in its chat's conversation network (replies and mentions, as
-- network_summary): accounts it talks to, accounts it hears from, and how many posts those
-- are. marts.account_centrality adds betweenness (igraph) and the ranking.
with

interactions as (
    select * from {{ ref('interactions') }}
    where {{ in_partition('chat_month') }} and kind in ('reply', 'mention')
),

directed as (
    select chat_id, chat_month, source_username, target_username, sum(weight) as weight
    from interactions
    group by chat_id, chat_month, source_username, target_username
),

accounts as (
    select chat_id, chat_month, source_username as username from directed
    union
    select chat_id, chat_month, target_username from directed
),

incoming as (
    select
        chat_id,
        target_username as username,
        count(*) as in_degree,
        {{ sum_bigint('weight') }} as weighted_in_degree
    from directed
    group by chat_id, target_username
),

outgoing as (
    select chat_id, source_username as username, count(*) as out_degree
    from directed
    group by chat_id, source_username
),

final as (
    select
        accounts.chat_id,
        accounts.chat_month,
        accounts.username,
        coalesce(incoming.in_degree, 0) as in_degree,
        coalesce(outgoing.out_degree, 0) as out_degree,
        coalesce(incoming.weighted_in_degree, 0) as weighted_in_degree
    from accounts
    left join incoming
        on accounts.chat_id = incoming.chat_id and accounts.username = incoming.username
    left join outgoing
        on accounts.chat_id = outgoing.chat_id and accounts.username = outgoing.username
)

select * from final
