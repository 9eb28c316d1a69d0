"""The networkx step: centrality of a small hand-drawn conversation network."""

from orchestration.network import chat_centrality


def test_bridge_account_ranks_first_and_carries_its_degrees():
    # a and b talk to hub; hub talks to c and d: every path between the two sides runs via hub.
    edges = [("a", "hub"), ("b", "hub"), ("hub", "c"), ("hub", "d")]
    # (in, out, weighted in) as marts.account_degrees counts them (tested with the marts).
    degrees = {"a": (0, 1, 0), "b": (0, 1, 0), "hub": (2, 2, 4), "c": (1, 0, 1), "d": (1, 0, 1)}
    ranked = chat_centrality("chat", edges, degrees)
    first = ranked[0]
    assert first.username == "hub" and first.centrality_rank == 1
    assert (first.in_degree, first.out_degree, first.weighted_in_degree) == (2, 2, 4)
    # 4 of the (n-1)(n-2) = 12 ordered pairs of the others pass through hub.
    assert first.betweenness == round(4 / 12, 6)
    assert [r.centrality_rank for r in ranked] == [1, 2, 3, 4, 5]
    assert all(r.betweenness == 0 for r in ranked[1:])
    # Ties in betweenness: more accounts talking to it first, then by name.
    assert [r.username for r in ranked[1:]] == ["c", "d", "a", "b"]


def test_an_empty_network_has_no_accounts():
    assert chat_centrality("chat", [], {}) == []
