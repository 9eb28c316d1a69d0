"""Betweenness of the accounts in each chat's conversation network (networkx).

The edges and every count (degrees, weights) come from dbt: marts.interactions and
marts.account_degrees. This module adds only the graph measure SQL has no good way to
compute, betweenness, and ranks the accounts by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

# The conversation network: who replies to or mentions whom (as marts.network_summary).
CONVERSATION_KINDS = ("reply", "mention")


@dataclass(frozen=True)
class AccountCentrality:
    chat_id: str
    username: str
    in_degree: int
    out_degree: int
    weighted_in_degree: int
    betweenness: float
    centrality_rank: int


def chat_centrality(
    chat_id: str,
    edges: Iterable[tuple[str, str]],
    degrees: Mapping[str, tuple[int, int, int]],
) -> list[AccountCentrality]:
    """Rank a chat's accounts by betweenness, then in-degree.

    `edges` are the network's (source, target) pairs; `degrees` maps each account to
    (in_degree, out_degree, weighted_in_degree) from marts.account_degrees.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(degrees)
    graph.add_edges_from(edges)
    if graph.number_of_nodes() == 0:
        return []
    # Normalised over the graph's size, so chats of different sizes compare; unweighted paths,
    # since a weight here is a strength, not a distance.
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    unknown = (0, 0, 0)
    ordered = sorted(
        graph.nodes,
        key=lambda node: (-betweenness[node], -degrees.get(node, unknown)[0], node),
    )
    return [
        AccountCentrality(
            chat_id,
            node,
            *degrees.get(node, unknown),
            betweenness=round(betweenness[node], 6),
            centrality_rank=rank,
        )
        for rank, node in enumerate(ordered, start=1)
    ]
