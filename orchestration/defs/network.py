"""marts.account_centrality: networkx measures of each chat's conversation network."""

from collections import defaultdict

import dagster as dg

from orchestration import markdown
from orchestration.defs.partitions import dbt_vars, monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.network import CONVERSATION_KINDS, chat_centrality
from orchestration.warehouse import connect, insert_many

CENTRALITY_KEY = dg.AssetKey(["marts", "account_centrality"])
TOP_ACCOUNTS = 5

CREATE_TABLE = """
create table if not exists marts.account_centrality (
    chat_id varchar, chat_month date, username varchar, is_host boolean,
    in_degree integer, out_degree integer, weighted_in_degree integer,
    betweenness double, centrality_rank integer
)
"""


@dg.asset(
    key=CENTRALITY_KEY,
    group_name="marts",
    kinds={"python", "duckdb"},
    deps=[
        dg.AssetKey(["marts", "interactions"]),
        dg.AssetKey(["marts", "account_degrees"]),
        dg.AssetKey(["marts", "participants"]),
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="Per chat and account of the reply/mention network: the degrees of "
    "marts.account_degrees, betweenness (networkx, normalised) and the rank by it.",
)
def account_centrality(
    context: dg.AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    months = dbt_vars(context.partition_time_window.start, context.partition_time_window.end)
    in_months = "chat_month >= cast(? as date) and chat_month < cast(? as date)"
    bounds = [months["month_start"], months["month_end"]]
    with connect(settings.build_database) as con:
        chats = con.execute(
            f"select chat_id, chat_month from marts.network_summary where {in_months} "
            "order by chat_month, chat_id",
            bounds,
        ).fetchall()
        edges = con.execute(
            "select distinct chat_id, source_username, target_username from marts.interactions "
            f"where {in_months} and kind in ({', '.join('?' for _ in CONVERSATION_KINDS)})",
            [*bounds, *CONVERSATION_KINDS],
        ).fetchall()
        degrees = con.execute(
            "select chat_id, username, in_degree, out_degree, weighted_in_degree "
            f"from marts.account_degrees where {in_months}",
            bounds,
        ).fetchall()
        hosts = {
            (chat_id, username)
            for chat_id, username in con.execute(
                f"select chat_id, lower(username) from marts.participants where {in_months} "
                "and is_host",
                bounds,
            ).fetchall()
        }
        # Each chat's edges and degrees, grouped once (not filtered out of all of them per chat).
        chat_edges: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for chat_id, source, target in edges:
            chat_edges[chat_id].append((source, target))
        chat_degrees: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
        for chat_id, username, in_degree, out_degree, weighted in degrees:
            chat_degrees[chat_id][username] = (in_degree, out_degree, weighted)
        rows = []
        for chat_id, chat_month in chats:
            for account in chat_centrality(chat_id, chat_edges[chat_id], chat_degrees[chat_id]):
                rows.append(
                    (
                        chat_id,
                        chat_month,
                        account.username,
                        (chat_id, account.username) in hosts,
                        account.in_degree,
                        account.out_degree,
                        account.weighted_in_degree,
                        account.betweenness,
                        account.centrality_rank,
                    )
                )
        con.execute("begin")
        con.execute(CREATE_TABLE)
        con.execute(f"delete from marts.account_centrality where {in_months}", bounds)
        insert_many(con, "marts.account_centrality", rows)
        con.execute("commit")
    top = [row for row in rows if row[-1] <= TOP_ACCOUNTS]
    context.log.info(f"centrality of {len(rows)} accounts in {len(chats)} chats")
    return dg.MaterializeResult(
        metadata={
            "chats": len(chats),
            "accounts": len(rows),
            "most_central": dg.MetadataValue.md(
                markdown.table(
                    ["chat", "rank", "account", "host", "in-degree", "betweenness"],
                    [(r[0], r[8], r[2], "yes" if r[3] else "", r[4], r[7]) for r in top],
                )
            ),
        }
    )
