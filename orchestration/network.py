"""Betweenness of the accounts in each chat's conversation network (igraph, exact).

The edges and every count (degrees, weights) come from dbt: marts.interactions and
marts.account_degrees. This module computes only the graph measure SQL has no good way to
compute, betweenness; the mart marts.account_centrality joins it with the degrees and ranks.

igraph's C implementation of Brandes' algorithm (exact, not sampled) gives networkx's
`betweenness_centrality(normalized=True)` of the directed graph, to floating-point rounding
(tests/test_network.py compares the two, tests/test_pipeline.py on the sample's chats), in
a tenth to a twentieth of the CPU time (docs/benchmarks.md "The network step at 1M").
"""

from __future__ import annotations

from collections.abc import Iterable

import igraph

# The conversation network: who replies to or mentions whom (as marts.network_summary).
CONVERSATION_KINDS = ("reply", "mention")


def chat_betweenness(accounts: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Each account's normalised betweenness in a chat's directed network.

    `accounts` are the network's accounts (marts.account_degrees), `edges` its (source,
    target) pairs; an account only an edge names is in the network too. Normalised over the
    graph's size, (n - 1)(n - 2) ordered pairs of the other accounts, so chats of different
    sizes compare; unweighted paths, since a weight here is a strength, not a distance.
    """
    index: dict[str, int] = {}
    for account in accounts:
        index.setdefault(account, len(index))
    # A repeated edge is one edge and a self-reply lies on no path between two others (as in a
    # networkx DiGraph): both left out, so igraph counts each shortest path once.
    pairs = dict.fromkeys(
        (index.setdefault(source, len(index)), index.setdefault(target, len(index)))
        for source, target in edges
    )
    size = len(index)
    if size <= 2:  # no account can lie between two others (networkx leaves these unscaled)
        return dict.fromkeys(index, 0.0)
    graph = igraph.Graph(
        n=size, edges=[pair for pair in pairs if pair[0] != pair[1]], directed=True
    )
    scale = 1 / ((size - 1) * (size - 2))
    return {
        account: value * scale
        for account, value in zip(index, graph.betweenness(directed=True), strict=True)
    }
