"""Betweenness of the accounts in each chat's conversation network (networkx).

The edges and every count (degrees, weights) come from dbt: marts.interactions and
marts.account_degrees. This module computes only the graph measure SQL has no good way to
compute, betweenness; the mart marts.account_centrality joins it with the degrees and ranks.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

# The conversation network: who replies to or mentions whom (as marts.network_summary).
CONVERSATION_KINDS = ("reply", "mention")


def chat_betweenness(accounts: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Each account's normalised betweenness in a chat's directed network.

    `accounts` are the network's accounts (marts.account_degrees), `edges` its (source,
    target) pairs. Normalised over the graph's size, so chats of different sizes compare;
    unweighted paths, since a weight here is a strength, not a distance.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(accounts)
    graph.add_edges_from(edges)
    if graph.number_of_nodes() == 0:
        return {}
    return nx.betweenness_centrality(graph, normalized=True)
