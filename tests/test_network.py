"""The networkx step: betweenness of a small hand-drawn conversation network.

The ranking and the degrees beside it are the dbt mart's (marts.account_centrality, with
its unit test in account_centrality.yml); Python computes betweenness only.
"""

from orchestration.network import chat_betweenness


def test_bridge_account_carries_every_path_between_the_two_sides():
    # a and b talk to hub; hub talks to c and d: every path between the two sides runs via hub.
    edges = [("a", "hub"), ("b", "hub"), ("hub", "c"), ("hub", "d")]
    betweenness = chat_betweenness(["a", "b", "hub", "c", "d"], edges)
    # 4 of the (n-1)(n-2) = 12 ordered pairs of the others pass through hub.
    assert betweenness["hub"] == 4 / 12
    assert {account: value for account, value in betweenness.items() if account != "hub"} == {
        "a": 0,
        "b": 0,
        "c": 0,
        "d": 0,
    }


def test_an_account_without_edges_is_in_the_network_with_zero():
    assert chat_betweenness(["a", "b", "lone"], [("a", "b")]) == {"a": 0, "b": 0, "lone": 0}


def test_an_empty_network_has_no_accounts():
    assert chat_betweenness([], []) == {}
