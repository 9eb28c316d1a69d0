"""analysis.account_betweenness: betweenness of each chat's conversation network.

The pattern for a measure Python computes and SQL cannot (docs/warehouse.md "Python measures, dbt
figures"): this asset reads dbt marts, computes the measure only, and replaces the
partition's months of one `analysis` table; that table is a dbt source, and a dbt mart
(marts.account_centrality) joins it with the counts and ranks, in the second dbt step
(orchestration/defs/dbt.py: the models downstream of an `analysis` source).
"""

from collections import defaultdict

import dagster as dg

from orchestration import markdown
from orchestration.defs.partitions import dbt_vars, metadata_chats, monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.network import CONVERSATION_KINDS, chat_betweenness
from orchestration.warehouse import connect, insert_many

BETWEENNESS_KEY = dg.AssetKey(["analysis", "account_betweenness"])
# The mart dbt builds from it (the charts read it).
CENTRALITY_KEY = dg.AssetKey(["marts", "account_centrality"])
TOP_ACCOUNTS = 5


IN_MONTHS = "chat_month >= cast(? as date) and chat_month < cast(? as date)"

# A chat's network: its accounts (marts.account_degrees) and its (source, target) edges.
Network = tuple[list[str], list[tuple[str, str]]]


def read_networks(con, bounds: list) -> dict[tuple[str, object], Network]:
    """Each (chat, month) of the months `bounds` = [start, end) with its accounts and edges."""
    accounts = con.execute(
        f"select chat_id, chat_month, username from marts.account_degrees where {IN_MONTHS}",
        bounds,
    ).fetchall()
    edges = con.execute(
        "select distinct chat_id, source_username, target_username from marts.interactions "
        f"where {IN_MONTHS} and kind in ({', '.join('?' for _ in CONVERSATION_KINDS)})",
        [*bounds, *CONVERSATION_KINDS],
    ).fetchall()
    # Each chat's accounts and edges, grouped once (not filtered out of all of them per chat).
    chat_accounts: dict[tuple[str, object], list[str]] = defaultdict(list)
    for chat_id, chat_month, username in accounts:
        chat_accounts[(chat_id, chat_month)].append(username)
    chat_edges: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for chat_id, source, target in edges:
        chat_edges[chat_id].append((source, target))
    return {
        (chat_id, chat_month): (usernames, chat_edges[chat_id])
        for (chat_id, chat_month), usernames in sorted(chat_accounts.items())
    }


def betweenness_rows(networks: dict[tuple[str, object], Network], betweenness=chat_betweenness):
    """(chat_id, chat_month, username, betweenness) of every account of `networks`."""
    return [
        (chat_id, chat_month, username, value)
        for (chat_id, chat_month), (usernames, edges) in networks.items()
        for username, value in betweenness(usernames, edges).items()
    ]


def write_betweenness(con, bounds: list, rows: list[tuple]) -> None:
    """Replace the months `bounds` of analysis.account_betweenness with `rows`, at once."""
    # The table is declared once, in dbt (macros/analysis.sql), which created it already.
    con.execute("begin")
    con.execute(f"delete from analysis.account_betweenness where {IN_MONTHS}", bounds)
    insert_many(con, "analysis.account_betweenness", rows)
    con.execute("commit")


def most_central_table(rows: list[tuple]) -> str:
    """Markdown: the TOP_ACCOUNTS most central accounts of each chat (metadata_chats's)."""
    by_chat: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_chat[row[0]].append(row)
    shown, more = metadata_chats(by_chat, "marts.account_centrality")
    most_central = [
        (chat_id, username, round(value, 6))
        for chat_id in sorted(shown)
        for _, _, username, value in sorted(by_chat[chat_id], key=lambda row: (-row[3], row[2]))[
            :TOP_ACCOUNTS
        ]
    ]
    return markdown.table(["chat", "account", "betweenness"], most_central) + more


@dg.asset(
    key=BETWEENNESS_KEY,
    group_name="analysis",
    kinds={"python", "duckdb"},
    deps=[dg.AssetKey(["marts", "interactions"]), dg.AssetKey(["marts", "account_degrees"])],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="Per chat and account of the reply/mention network (the accounts of "
    "marts.account_degrees): betweenness (igraph, normalised as networkx's). "
    "marts.account_centrality joins it with the degrees and ranks the accounts.",
)
def account_betweenness(
    context: dg.AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    months = dbt_vars(context.partition_time_window.start, context.partition_time_window.end)
    bounds = [months["month_start"], months["month_end"]]
    with connect(settings.build_database) as con:
        networks = read_networks(con, bounds)
        rows = betweenness_rows(networks)
        write_betweenness(con, bounds, rows)
    context.log.info(f"betweenness of {len(rows)} accounts in {len(networks)} chats")
    return dg.MaterializeResult(
        metadata={
            "chats": len(networks),
            "accounts": len(rows),
            "most_central": dg.MetadataValue.md(most_central_table(rows)),
        }
    )
