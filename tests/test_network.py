"""The networkx step: centrality of a small hand-drawn conversation network."""

from orchestration.network import chat_centrality


def test_bridge_account_ranks_first_and_degrees_count_distinct_accounts():
    # a and b talk to hub; hub talks to c and d: every path between the two sides runs via hub.
    edges = [("a", "hub", 2), ("b", "hub", 1), ("hub", "c", 1), ("hub", "d", 1), ("a", "hub", 1)]
    ranked = chat_centrality("chat", edges)
    first = ranked[0]
    assert first.username == "hub" and first.centrality_rank == 1
    assert (first.in_degree, first.out_degree, first.weighted_in_degree) == (2, 2, 4)
    # 4 of the (n-1)(n-2) = 12 ordered pairs of the others pass through hub.
    assert first.betweenness == round(4 / 12, 6)
    assert [r.centrality_rank for r in ranked] == [1, 2, 3, 4, 5]
    assert all(r.betweenness == 0 for r in ranked[1:])


def test_an_empty_network_has_no_accounts():
    assert chat_centrality("chat", []) == []
