"""The betweenness step: a small hand-drawn conversation network, and igraph's values against
networkx's (the reference definition) on the graphs where the two could part: isolated
accounts, one or two accounts, no edges, repeated edges, self-replies, an account only an
edge names. tests/test_pipeline.py compares them on the bundled sample's real chats.

The ranking and the degrees beside it are the dbt mart's (marts.account_centrality, with
its unit test in account_centrality.yml); Python computes betweenness only.
"""

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.defs.network import TOP_ACCOUNTS, most_central_table
from orchestration.defs.partitions import METADATA_CHATS
from orchestration.network import chat_betweenness


def networkx_betweenness(accounts, edges):
    """The reference: networkx's normalised betweenness of the directed network."""
    graph = nx.DiGraph()
    graph.add_nodes_from(accounts)
    graph.add_edges_from(edges)
    return nx.betweenness_centrality(graph, normalized=True) if len(graph) else {}


def assert_same_as_networkx(accounts, edges):
    expected = networkx_betweenness(accounts, edges)
    betweenness = chat_betweenness(accounts, edges)
    assert list(betweenness) == list(expected)
    for account, value in expected.items():
        assert betweenness[account] == pytest.approx(value, abs=1e-12), account


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


@pytest.mark.parametrize(
    ("accounts", "edges"),
    [
        (["a"], []),
        (["a"], [("a", "a")]),
        (["a", "b"], [("a", "b"), ("b", "a")]),
        (["a", "b", "c"], []),
        (["a", "b", "c", "lone"], [("a", "b"), ("b", "c")]),
        # A repeated edge is one edge (a -> d: one path via b, one via c) and a self-reply
        # puts no one on a path.
        (["a", "b", "c", "d"], [("a", "b"), ("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]),
        (["a", "b", "c"], [("a", "b"), ("b", "b"), ("b", "c")]),
        # Two shortest paths a -> d, one via b, one via c: each carries half.
        (["a", "b", "c", "d"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]),
        # An account only an edge names joins the network (as networkx adds it).
        (["a", "b"], [("a", "b"), ("b", "outsider")]),
    ],
)
def test_small_networks_equal_networkx(accounts, edges):
    assert_same_as_networkx(accounts, edges)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=12).flatmap(
        lambda size: st.tuples(
            st.just([f"u{i}" for i in range(size)]),
            st.lists(
                st.tuples(st.integers(min_value=0, max_value=size), st.integers(0, size)).map(
                    lambda pair: (f"u{pair[0]}", f"u{pair[1]}")
                ),
                max_size=3 * size,
            ),
        )
    )
)
def test_any_network_equals_networkx(network):
    # u<size> is named by edges only.
    assert_same_as_networkx(*network)


def test_the_step_metadata_lists_the_most_central_accounts_of_a_bounded_number_of_chats():
    # Dagster copies it into every month's materialisation of a run: it must not grow with
    # the archive.
    rows = [
        (f"chat-{chat:04}", None, f"user{account}", account / 10)
        for chat in range(METADATA_CHATS + 1)
        for account in range(TOP_ACCOUNTS + 2)
    ]
    table = most_central_table(rows)
    lines = [line for line in table.splitlines() if line.startswith("| chat-")]
    assert len(lines) == METADATA_CHATS * TOP_ACCOUNTS
    assert lines[0].split("|")[1:3] == [" chat-0000 ", f" user{TOP_ACCOUNTS + 1} "]
    assert f"The first {METADATA_CHATS} chats of {METADATA_CHATS + 1}" in table
    assert "The first" not in most_central_table(rows[: TOP_ACCOUNTS + 2])
