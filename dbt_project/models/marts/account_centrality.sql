-- Per chat and account of the conversation network (metrics.md 6): the degrees of
-- account_degrees, betweenness (igraph, from the Python asset analysis/account_betweenness)
-- and the rank by betweenness, then in-degree, then name.
with

degrees as (
    select * from {{ ref('account_degrees') }}
    where {{ in_partition('chat_month') }}
),

betweenness as (
    select * from {{ source('analysis', 'account_betweenness') }}
    where {{ in_partition('chat_month') }}
),

hosts as (
    select distinct chat_id, lower(username) as username
    from {{ ref('participants') }}
    where {{ in_partition('chat_month') }} and is_host
),

ranked as (
    select
        degrees.chat_id,
        degrees.chat_month,
        degrees.username,
        hosts.username is not null as is_host,
        degrees.in_degree,
        degrees.out_degree,
        degrees.weighted_in_degree,
        coalesce(betweenness.betweenness, 0) as betweenness,
        -- Compared to 9 decimals: betweenness is a floating-point sum over paths, and its
        -- noise must not decide a rank between equal betweenness.
        row_number() over (
            partition by degrees.chat_id
            order by
                round(coalesce(betweenness.betweenness, 0), 9) desc, degrees.in_degree desc,
                degrees.username
        ) as centrality_rank
    from degrees
    left join betweenness
        on degrees.chat_id = betweenness.chat_id and degrees.username = betweenness.username
    left join hosts on degrees.chat_id = hosts.chat_id and degrees.username = hosts.username
),

final as (
    select
        chat_id,
        chat_month,
        username,
        is_host,
        cast(in_degree as integer) as in_degree,
        cast(out_degree as integer) as out_degree,
        cast(weighted_in_degree as integer) as weighted_in_degree,
        round(betweenness, 6) as betweenness,
        cast(centrality_rank as integer) as centrality_rank
    from ranked
)

select * from final
