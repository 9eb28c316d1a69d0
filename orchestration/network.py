"""Centrality of the accounts in each chat's conversation network (networkx).

The edges and their counts come from marts.interactions (dbt); this module only adds the
graph measures SQL has no good way to compute: betweenness, and degree on the same graph.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def chat_centrality(chat_id: str, edges: Iterable[tuple[str, str, int]]) -> list[AccountCentrality]:
    """Rank a chat's accounts by betweenness, then in-degree; edges are (source, target, weight)."""
    graph = nx.DiGraph()
    for source, target, weight in edges:
        if graph.has_edge(source, target):
            graph[source][target]["weight"] += weight
        else:
            graph.add_edge(source, target, weight=weight)
    if graph.number_of_nodes() == 0:
        return []
    # Normalised over the graph's size, so chats of different sizes compare; unweighted paths,
    # since a weight here is a strength, not a distance.
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    weighted_in = dict(graph.in_degree(weight="weight"))
    ordered = sorted(
        graph.nodes,
        key=lambda node: (-betweenness[node], -graph.in_degree(node), node),
    )
    return [
        AccountCentrality(
            chat_id=chat_id,
            username=node,
            in_degree=graph.in_degree(node),
            out_degree=graph.out_degree(node),
            weighted_in_degree=int(weighted_in[node]),
            betweenness=round(betweenness[node], 6),
            centrality_rank=rank,
        )
        for rank, node in enumerate(ordered, start=1)
    ]
