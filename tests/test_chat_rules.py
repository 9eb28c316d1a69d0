"""metrics.md section 3 and 4, rule by rule, on a hand-checkable export through real dbt.

Two chats: 'rules' (UTC, 2023-04-25 18:00, window 17:00 to the next day 18:00) and 'later'
in May. Every post below says whether it counts and why.
"""

import pytest

from tests.conftest import build_warehouse, dbt_build, query, write_page, x_post

CHATS = """
timezone: UTC
chats:
  - id: rules
    hashtags: ["#LeadingQI"]
    hosts: [host_demo]
    starts: "2023-04-25T18:00"
    window_hours_before: 1
    window_hours_after: 24
  - id: later
    hashtags: ["#QIHour"]
    starts: "2023-05-10T18:00"
"""
USERS = [(f"u{i}", f"user{i}_demo") for i in range(1, 8)] + [("h", "Host_Demo")]
TAG = ["LeadingQI"]


def t(clock, day=25):
    return f"2023-04-{day}T{clock}.000Z"


def build_exports(raw):
    p1 = x_post("1", "u1", t("18:05:00"), "A1 great #LeadingQI", hashtags=TAG)  # counts, hour
    counted_once = x_post(
        "13",
        "u6",
        t("18:50:00"),
        "Late answer #LeadingQI",
        hashtags=TAG,
        metrics={"retweet_count": 1, "reply_count": 0, "like_count": 2, "quote_count": 0},
    )
    first_file = [
        p1,
        x_post("2", "u2", t("18:10:00"), "lower case #leadingqi", hashtags=["leadingqi"]),  # case
        x_post("3", "u3", t("18:20:00"), "no entities #LEADINGQI"),  # hashtag from text
        x_post(
            "4", "u4", t("18:25:00"), "@user1_demo agree", hashtags=[], replied_to="1"
        ),  # no hashtag: out
        x_post(
            "5", "u5", t("18:30:00"), "RT @user1_demo: A1 great\u2026", hashtags=[], retweeted="1"
        ),  # via retweeted
        x_post(
            "6", "u6", t("18:31:00"), "RT @someone: hello", hashtags=[], retweeted="99"
        ),  # no hashtag anywhere: out
        x_post(
            "7", "u1", t("16:59:59"), "early #LeadingQI", hashtags=TAG
        ),  # before the window: out
        x_post(
            "8", "u2", t("17:00:00"), "window opens #LeadingQI", hashtags=TAG
        ),  # window start: counts
        x_post(
            "9", "u3", t("19:00:00"), "hour over #LeadingQI", hashtags=TAG
        ),  # counts, not in hour
        x_post(
            "10", "u4", t("18:00:00", 26), "window closed #LeadingQI", hashtags=TAG
        ),  # window end: out
        x_post(
            "11",
            "u4",
            t("17:59:59", 26),
            "@user1_demo last word #LeadingQI",
            hashtags=TAG,
            replied_to="1",
        ),
        x_post(
            "120", "u5", t("18:40:00"), "typo #LeadingQI", hashtags=TAG, edit_history=["120", "121"]
        ),  # superseded
        x_post(
            "121",
            "u5",
            t("18:42:00"),
            "fixed #LeadingQI",
            hashtags=TAG,
            edit_history=["120", "121"],
        ),
        counted_once,
        counted_once,  # twice in one file is still one post
        x_post("14", "h", t("18:01:00"), "Welcome! #LeadingQI", hashtags=TAG),  # host counts
        x_post("15", "u6", t("18:55:00"), "Quoting this #LeadingQI", hashtags=TAG, quoted="1"),
    ]
    includes = [x_post("99", "u7", t("10:00:00"), "hello"), p1]
    write_page(
        raw / "evening.jsonl",
        first_file,
        includes_tweets=includes,
        users=USERS,
        retrieved_at="2023-04-26T08:00:00+00:00",
    )
    newer = dict(
        counted_once,
        public_metrics={"retweet_count": 5, "reply_count": 1, "like_count": 9, "quote_count": 0},
    )
    may = [
        x_post("20", "u1", "2023-05-10T18:10:00.000Z", "back again #QIHour", hashtags=["QIHour"]),
        x_post("21", "u7", "2023-05-10T18:11:00.000Z", "first time #QIHour", hashtags=["QIHour"]),
    ]
    write_page(
        raw / "week.jsonl", [newer, *may], users=USERS, retrieved_at="2023-05-12T08:00:00+00:00"
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("rules"), CHATS, build_exports)


def test_membership_follows_hashtag_window_edit_and_dedupe_rules(warehouse):
    ids = {
        row[0]
        for row in query(warehouse, "select post_id from marts.posts where chat_id = 'rules'")
    }
    assert ids == {"1", "2", "3", "5", "8", "9", "11", "121", "13", "14", "15"}


def test_hour_flags_and_kinds(warehouse):
    rows = dict(
        (r[0], r[1:])
        for r in query(
            warehouse,
            "select post_id, in_hour, is_retweet, is_reply, is_quote, is_host from marts.posts where chat_id = 'rules'",
        )
    )
    assert rows["8"][0] is False and rows["9"][0] is False and rows["14"][0] is True
    assert rows["5"][1] is True and rows["11"][2] is True and rows["15"][3] is True
    assert rows["14"][4] is True and not any(v[4] for k, v in rows.items() if k != "14")


def test_latest_retrieved_copy_gives_the_metrics(warehouse):
    assert query(
        warehouse, "select retweet_count, like_count from marts.posts where post_id = '13'"
    ) == [(5, 9)]


def test_chat_activity_figures(warehouse):
    figures = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "select scope, posts, originals, retweets, replies, quotes, contributors from marts.chat_activity where chat_id = 'rules'",
        )
    }
    assert figures["window"] == (11, 10, 1, 1, 1, 7)
    assert figures["hour"] == (8, 7, 1, 0, 1, 6)


def test_monthly_activity_and_new_contributors(warehouse):
    rows = query(
        warehouse,
        "select month, chats, contributors, new_contributors, originals, retweets, posts from marts.monthly_activity order by month",
    )
    assert [(str(r[0]), *r[1:]) for r in rows] == [
        ("2023-04-01", 1, 7, 7, 10, 1, 11),
        ("2023-05-01", 1, 2, 1, 2, 0, 2),
    ]


def test_rebuilding_one_month_equals_building_it_once(warehouse):
    tables = ("marts.posts", "marts.chat_activity", "marts.monthly_activity")
    before = {t: sorted(map(repr, query(warehouse, f"select * from {t}"))) for t in tables}
    dbt_build(warehouse, {"month_start": "2023-04-01", "month_end": "2023-05-01"})
    dbt_build(warehouse, {"month_start": "2023-04-01", "month_end": "2023-05-01"})
    assert {t: sorted(map(repr, query(warehouse, f"select * from {t}"))) for t in tables} == before
