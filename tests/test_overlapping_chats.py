"""Overlapping chats: two chats whose windows overlap and share a hashtag.

A post in both windows with the shared hashtag belongs to both chats (marts are chat x post)
and counts in each; the month's figures add up its chats, so it counts there once per chat.
The registry says so when it reads such a pair.
"""

import pytest

from orchestration.registry import load_registry
from tests.conftest import build_warehouse, query, write_page, x_post

CHATS = """
timezone: UTC
chats:
  - id: evening
    hashtags: ["#QIHour", "#LeadingQI"]
    starts: "2023-04-25T18:00"
    window_hours_after: 24
  - id: late
    hashtags: ["#QIHour"]
    starts: "2023-04-25T20:00"
    window_hours_after: 2
"""
USERS = [("u1", "one_demo"), ("u2", "two_demo"), ("u3", "three_demo")]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    posts = [
        x_post("1", "u1", "2023-04-25T18:10:00.000Z", "only evening #LeadingQI", hashtags=["LeadingQI"]),
        x_post("2", "u2", "2023-04-25T20:30:00.000Z", "both #QIHour", hashtags=["QIHour"]),
        x_post("3", "u3", "2023-04-25T20:40:00.000Z", "RT @two_demo: both", hashtags=[],
               retweeted="2"),
        x_post("4", "u1", "2023-04-25T23:00:00.000Z", "after late #QIHour", hashtags=["QIHour"]),
    ]  # fmt: skip
    return build_warehouse(
        tmp_path_factory.mktemp("overlap"),
        CHATS,
        lambda raw: write_page(raw / "page.jsonl", posts, users=USERS),
    )


def test_a_post_in_both_windows_counts_in_both_chats(warehouse):
    assert query(
        warehouse, "select chat_id, post_id from marts.posts order by chat_id, post_id"
    ) == [("evening", "1"), ("evening", "2"), ("evening", "3"), ("evening", "4"),
          ("late", "2"), ("late", "3")]  # fmt: skip
    assert query(
        warehouse,
        "select chat_id, posts, originals, retweets, contributors from marts.chat_activity "
        "where scope = 'window' order by chat_id",
    ) == [("evening", 4, 3, 1, 3), ("late", 2, 1, 1, 2)]


def test_the_month_adds_up_its_chats_and_counts_accounts_once(warehouse):
    assert query(
        warehouse,
        "select chats, posts, originals, retweets, contributors from marts.monthly_activity",
    ) == [(2, 6, 4, 2, 3)]


def test_the_registry_says_which_chats_overlap(tmp_path):
    (tmp_path / "chats.yaml").write_text(CHATS)
    registry = load_registry(tmp_path / "chats.yaml")
    (notice,) = registry.notices
    assert "evening" in notice and "late" in notice and "#qihour" in notice.lower()
    assert "counts in both" in notice and str(tmp_path / "chats.yaml") in notice
