"""metrics.md sections 5 and 6 rule by rule: questions, polls, links, participants,
interactions, timeline and keywords, on a hand-checkable export through the real dbt build.

Chat 'qa' (UTC, 2023-04-25 18:00-19:00, window 17:00-20:00) lists no questions: the host's
Q1 (18:05), Q2a (18:20) and Q2b (18:35) posts define them. Chat 'listed' (2023-05-02 18:00)
lists questions 1 and 2 in chats.yaml. Every post below says which question it should get.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DBT_PROJECT_DIR, build_warehouse, query, write_page, x_poll, x_post

CHATS = """
timezone: UTC
chats:
  - id: qa
    hashtags: ["#QIChat"]
    hosts: [host_demo]
    starts: "2023-04-25T18:00"
    window_hours_before: 1
    window_hours_after: 2
  - id: listed
    hashtags: ["#QIChat"]
    hosts: [host_demo]
    starts: "2023-05-02T18:00"
    window_hours_before: 1
    window_hours_after: 2
    questions:
      - {id: "1", text: "What went well?"}
      - {id: "2", text: "What next?"}
"""
USERS = [(f"u{i}", f"user{i}_demo") for i in range(1, 10)] + [("h", "host_demo")]
TAG = ["QIChat"]

# post id -> (expected question, expected rule); None where no rule applies.
EXPECTED = {
    "a1": ("1", "tag"),  # 'A1' at the start
    "tag_beats_time": ("2b", "tag"),  # 'Q2b:' inside the text at 18:22 (time says 2a)
    "hash_tag": ("2a", "tag"),  # '#A2a' at 18:40 (time says 2b)
    "first_tag_wins": ("2b", "tag"),  # 'A2b and A1'
    "tag_in_url": ("2b", "time"),  # https://example.org/A1 is a link, not a tag
    "tag_in_word": ("2b", "time"),  # HbA1c, A10: longer word, longer number
    "reply_to_question": ("1", "reply_chain"),  # replies to the host's Q1 at 18:45
    "reply_to_reply": ("1", "reply_chain"),  # replies to reply_to_question
    "reply_via_outside": ("1", "reply_chain"),  # replies to a no-hashtag reply to a1
    "reply_to_untagged": ("2a", "reply_chain"),  # replies (18:50) to an untagged 18:25 answer
    "untagged_2a": ("2a", "time"),
    "quote_of_answer": ("1", "quote"),  # quotes a1 at 18:55
    "before_first_question": (None, None),  # 17:30
    "after_the_hour": (None, None),  # 19:40, more than an hour after Q2b
    "listed_a21": ("2", "tag"),  # 'A2.1' at 18:05 on 2 May, time says 1
    "listed_time": ("1", "time"),
}


def t(clock, day=25, month=4):
    return f"2023-{month:02d}-{day:02d}T{clock}.000Z"


def build_exports(raw):
    host = [
        x_post("q1", "h", t("18:05:00"), "Q1. What matters most? #QIChat", hashtags=TAG),
        x_post("q2a", "h", t("18:20:00"), "Q2a: Who helps? #QIChat", hashtags=TAG),
        x_post("q2b", "h", t("18:35:00"), "Q2b How do you know? #QIChat", hashtags=TAG),
        x_post("host_a1", "h", t("18:07:00"), "A1 from the host #QIChat", hashtags=TAG),
        x_post(
            "poll_post", "h", t("18:01:00"), "Quick poll #QIChat", hashtags=TAG, poll_ids=["p1"]
        ),
        x_post("lq1", "h", t("18:00:30", 2, 5), "Q1 What went well? #QIChat", hashtags=TAG),
        x_post("lq2", "h", t("18:30:00", 2, 5), "Q2 What next? #QIChat", hashtags=TAG),
    ]
    guide = "https://Example.ORG/Guide/?utm_source=tw&x=1"
    answers = [
        x_post(
            "a1",
            "u1",
            t("18:06:00"),
            "A1 trust matters, the trust of teams #QIChat",
            hashtags=TAG,
            urls=[guide, "https://twitter.com/someone/status/123", "https://pic.twitter.com/abc"],
            metrics={"retweet_count": 3, "reply_count": 1, "like_count": 7, "quote_count": 1},
        ),
        x_post("tag_beats_time", "u2", t("18:22:00"), "My take on Q2b: data #QIChat", hashtags=TAG),
        x_post("hash_tag", "u3", t("18:40:00"), "#A2a teams help #QIChat", hashtags=TAG),
        x_post("first_tag_wins", "u4", t("18:41:00"), "A2b and A1 both #QIChat", hashtags=TAG),
        x_post(
            "tag_in_url",
            "u5",
            t("18:50:00"),
            "see https://example.org/A1 #QIChat",
            hashtags=TAG,
            urls=["https://example.org/guide"],
        ),
        x_post("tag_in_word", "u6", t("18:51:00"), "HbA1c and A10 levels #QIChat", hashtags=TAG),
        x_post(
            "reply_to_question",
            "u7",
            t("18:45:00"),
            "@host_demo relationships #QIChat",
            hashtags=TAG,
            replied_to="q1",
            mentions=["host_demo"],
        ),
        x_post(
            "reply_to_reply",
            "u8",
            t("18:50:30"),
            "@user7_demo agreed #QIChat",
            hashtags=TAG,
            replied_to="reply_to_question",
            mentions=["user7_demo"],
        ),
        x_post(
            "reply_via_outside",
            "u9",
            t("18:52:00"),
            "@user2_demo yes #QIChat",
            hashtags=TAG,
            replied_to="outside",
            mentions=["user2_demo"],
        ),
        x_post("untagged_2a", "u1", t("18:25:00"), "teams and time #QIChat", hashtags=TAG),
        x_post(
            "reply_to_untagged",
            "u2",
            t("18:50:45"),
            "@user1_demo so true #QIChat",
            hashtags=TAG,
            replied_to="untagged_2a",
            mentions=["user1_demo"],
        ),
        x_post("quote_of_answer", "u3", t("18:55:00"), "this! #QIChat", hashtags=TAG, quoted="a1"),
        x_post(
            "before_first_question",
            "u4",
            t("17:30:00"),
            "Looking forward #QIChat",
            hashtags=TAG,
            urls=["https://example.org/Guide?x=1&utm_medium=social"],
        ),
        x_post("after_the_hour", "u5", t("19:40:00"), "Great chat #QIChat", hashtags=TAG),
        x_post(
            "retweet_a1", "u6", t("18:08:00"), "RT @user1_demo: A1 trust matters", retweeted="a1"
        ),
        x_post(
            "retweet_poll", "u8", t("18:09:00"), "RT @user9_demo: old poll", retweeted="old_poll"
        ),
        x_post("listed_a21", "u1", t("18:05:00", 2, 5), "A2.1 part one #QIChat", hashtags=TAG),
        x_post("listed_time", "u2", t("18:10:00", 2, 5), "good point #QIChat", hashtags=TAG),
    ]
    # Referenced, outside the chat: a reply without the hashtag, an old poll from before the window.
    outside = x_post(
        "outside", "u2", t("18:10:00"), "@user1_demo agreed", hashtags=[], replied_to="a1"
    )
    old_poll = x_post(
        "old_poll", "u9", t("10:00:00", 20), "Vote! #QIChat", hashtags=TAG, poll_ids=["p2"]
    )
    write_page(
        raw / "early.jsonl",
        host + answers,
        includes_tweets=[outside, old_poll],
        users=USERS,
        polls=[x_poll("p1", [1, 1], status="open")],
        retrieved_at="2023-04-25T18:30:00+00:00",
    )
    # Retrieved later: the poll has its final votes.
    write_page(
        raw / "late.jsonl",
        [host[4]],
        includes_tweets=[old_poll],
        users=USERS,
        polls=[x_poll("p1", [1, 2]), x_poll("p2", [5, 0, 3])],
        retrieved_at="2023-04-27T08:00:00+00:00",
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("questions"), CHATS, build_exports)


def test_questions_detected_from_host_posts_or_listed(warehouse):
    rows = query(
        warehouse,
        "select chat_id, question_id, question_position, question_source, question_text, "
        "strftime(asked_at, '%d %H:%M') from marts.question_responses order by chat_id desc, "
        "question_position",
    )
    assert rows == [
        ("qa", "1", 1, "detected", "What matters most? #QIChat", "25 18:05"),
        ("qa", "2a", 2, "detected", "Who helps? #QIChat", "25 18:20"),
        ("qa", "2b", 3, "detected", "How do you know? #QIChat", "25 18:35"),
        ("listed", "1", 1, "registry", "What went well?", "02 18:00"),
        ("listed", "2", 2, "registry", "What next?", "02 18:30"),
    ]


@pytest.mark.parametrize("post_id", sorted(EXPECTED))
def test_each_assignment_rule(warehouse, post_id):
    rows = query(
        warehouse,
        "select question_id, question_rule from marts.posts where post_id = ?",
        [post_id],
    )
    assert rows == [EXPECTED[post_id]]


def test_hosts_and_retweets_get_no_question(warehouse):
    rows = query(
        warehouse,
        "select post_id from marts.posts where (is_host or is_retweet) and question_id is not null",
    )
    assert rows == []


def test_question_responses_summarise_the_assignment(warehouse):
    expected = {}
    for question, _ in (v for k, v in EXPECTED.items() if not k.startswith("listed")):
        if question:
            expected[question] = expected.get(question, 0) + 1
    rows = query(
        warehouse,
        "select question_id, responses, responders, likes, retweets "
        "from marts.question_responses where chat_id = 'qa' order by question_position",
    )
    assert {q: n for q, n, *_ in rows} == expected
    # Q1: a1 (u1, 7 likes, 3 retweets), reply_to_question (u7), reply_to_reply (u8),
    # reply_via_outside (u9), quote_of_answer (u3).
    assert rows[0] == ("1", 5, 5, 7, 3)


def test_polls_latest_copy_and_retweeted_poll(warehouse):
    rows = query(
        warehouse,
        "select poll_id, post_id, option_position, votes, pct, total_votes, voting_status "
        "from marts.poll_results order by poll_id, option_position",
    )
    assert rows == [
        ("p1", "poll_post", 1, 1, 33.3, 3, "closed"),
        ("p1", "poll_post", 2, 2, 66.7, 3, "closed"),
        # Reached the chat through retweet_poll; belongs to the retweeted post.
        ("p2", "old_poll", 1, 5, 62.5, 8, "closed"),
        ("p2", "old_poll", 2, 0, 0.0, 8, "closed"),
        ("p2", "old_poll", 3, 3, 37.5, 8, "closed"),
    ]


def test_shared_links_normalised_without_platform_links(warehouse):
    rows = query(
        warehouse,
        "select url, domain, shares, first_shared_by, strftime(first_shared_at, '%H:%M') "
        "from marts.shared_links where chat_id = 'qa' order by url",
    )
    assert rows == [
        ("https://example.org/Guide?x=1", "example.org", 2, "user4_demo", "17:30"),
        ("https://example.org/guide", "example.org", 1, "user5_demo", "18:50"),
    ]


def test_participants_counts_and_ranking_without_hosts(warehouse):
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "select username, is_host, originals, retweets, replies, quotes, likes_received, "
            "retweets_received, mentions_received, participant_rank "
            "from marts.participants where chat_id = 'qa'",
        )
    }
    assert rows["host_demo"] == (True, 5, 0, 0, 0, 0, 0, 1, None)
    assert rows["user1_demo"] == (False, 2, 0, 0, 0, 7, 3, 1, 1)
    assert rows["user6_demo"][:4] == (False, 1, 1, 0)
    assert sorted(r[-1] for r in rows.values() if not r[0]) == list(range(1, 10))


def test_interactions_and_network_summary(warehouse):
    edges = set(
        query(
            warehouse,
            "select source_username, target_username, kind, weight from marts.interactions "
            "where chat_id = 'qa'",
        )
    )
    assert ("user7_demo", "host_demo", "reply", 1) in edges
    assert ("user7_demo", "host_demo", "mention", 1) in edges
    assert ("user3_demo", "user1_demo", "quote", 1) in edges
    assert ("user6_demo", "user1_demo", "retweet", 1) in edges
    assert ("user8_demo", "user9_demo", "retweet", 1) in edges
    # reply_via_outside replies to 'outside' by user2 (not in the chat, but exported).
    assert ("user9_demo", "user2_demo", "reply", 1) in edges
    # user2 replied to user1, user1 never to user2: not reciprocal; nobody talks to themselves.
    assert all(source != target for source, target, _, _ in edges)
    summary = query(
        warehouse,
        "select accounts, edges, reciprocal_pairs, reciprocity from marts.network_summary "
        "where chat_id = 'qa'",
    )
    reply_mention = {(s, t) for s, t, kind, _ in edges if kind in ("reply", "mention")}
    accounts = {a for pair in reply_mention for a in pair}
    assert summary == [(len(accounts), len(reply_mention), 0, 0.0)]


def test_account_degrees_count_distinct_accounts_and_their_posts(warehouse):
    degrees = {
        name: rest
        for name, *rest in query(
            warehouse,
            "select username, in_degree, out_degree, weighted_in_degree "
            "from marts.account_degrees where chat_id = 'qa'",
        )
    }
    # user7 replies to and mentions the host in one post: one account, two interactions.
    assert degrees["host_demo"] == [1, 0, 2]
    # user1 hears from user2 (reply and mention); user2 also hears from user9.
    assert degrees["user1_demo"] == [1, 0, 2]
    assert degrees["user2_demo"] == [1, 1, 2]
    assert degrees["user7_demo"] == [1, 1, 2]


def test_activity_timeline_buckets(warehouse):
    rows = query(
        warehouse,
        "select strftime(bucket_start, '%H:%M'), bucket_minutes, in_hour, originals, retweets "
        "from marts.activity_timeline where chat_id = 'qa' order by bucket_start",
    )
    assert len(rows) == 1 + 12 + 1
    assert rows[0] == ("17:00", 60, False, 1, 0)
    assert rows[-1] == ("19:00", 60, False, 1, 0)
    assert [r[0] for r in rows[1:13]] == [f"18:{m:02d}" for m in range(0, 60, 5)]
    assert rows[2] == ("18:05", 5, True, 3, 2)  # q1, a1, host_a1; retweet_a1, retweet_poll
    totals = query(
        warehouse,
        "select originals, retweets from marts.chat_activity where chat_id = 'qa' "
        "and scope = 'window'",
    )
    assert (sum(r[3] for r in rows), sum(r[4] for r in rows)) == totals[0]


def test_question_keywords_drop_stop_words_tags_and_hashtags(warehouse):
    terms = dict(
        query(
            warehouse,
            "select term, n from marts.question_keywords where chat_id = 'qa' "
            "and question_id = '1'",
        )
    )
    # a1: 'A1 trust matters, the trust of teams #QIChat'
    assert terms["trust"] == 2
    assert terms["trust matters"] == 1
    assert terms["teams"] == 1
    for dropped in ("a1", "the", "of", "qichat", "#qichat", "the trust", "trust teams"):
        assert dropped not in terms
    # hash_tag answers 2a with '#A2a teams help': the tag goes, with or without its '#'.
    assert not {"a2a", "#a2a"} & set(
        term
        for (term,) in query(
            warehouse, "select term from marts.question_keywords where question_id = '2a'"
        )
    )
    # reply_to_question: '@host_demo relationships' -> the mention is dropped.
    assert "host_demo" not in terms and "@host_demo" not in terms
    assert terms["relationships"] == 1


def test_one_not_null_test_a_model_names_the_null_column(warehouse, tmp_path):
    """The marts' not-null rules are one set-based test a model (tests/generic/not_null_columns.sql):
    on a copy with one null it fails, and its rows say which column is null."""
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(warehouse, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute(
            "update marts.participants set originals = null where account_key = "
            "(select min(account_key) from marts.participants)"
        )
    target = tmp_path / "target"
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "test",
        "--profiles-dir",
        ".",
        "--target-path",
        str(target),
        "--select",
        "not_null_participants",
    ]
    env = {**os.environ, "TWEETCHAT_BUILD_DATABASE": str(broken)}
    failed = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "Failure in test not_null_participants" in failed.stdout
    compiled = next((target / "compiled").rglob("not_null_participants.sql")).read_text()
    rows = query(broken, f"select originals_is_null, account_key_is_null from ({compiled})")
    assert rows and set(rows) == {(True, False)}  # the account is in each of its chats
    # The same test on the warehouse as built passes.
    env["TWEETCHAT_BUILD_DATABASE"] = str(warehouse)
    passed = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout[-3000:]
