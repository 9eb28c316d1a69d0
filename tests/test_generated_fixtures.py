"""Every reader on the small exports of tests/fixtures, through the real ingest and dbt.

These run on a bare clone (the real exports of ../shared/fixtures are tested in
test_readers.py where they exist). Every figure below was counted by hand from the files;
tests/fixtures/README.md says what each file holds.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from orchestration.ingest import load_directory
from tests.conftest import GENERATED_FIXTURES, build_warehouse, query

FORMATS = {
    "x_v2/pages.jsonl": "x_v2",
    "x_v2/flat.jsonl": "x_v2",
    "x_v1/search.json": "x_v1",
    "twarc_csv/chat.csv": "twarc_csv",
    "tags_csv/chat.csv": "tags_csv",
    "spreadsheet/binder.csv": "spreadsheet",
    "bluesky/responses.jsonl": "bluesky",
    "mastodon/statuses.jsonl": "mastodon",
}
# Per file: posts landed (data, referenced) and records rejected.
LANDED = {
    "x_v2/pages.jsonl": (4, 2, 2),
    "x_v2/flat.jsonl": (2, 1, 0),
    "x_v1/search.json": (3, 1, 0),
    "twarc_csv/chat.csv": (3, 1, 1),
    "tags_csv/chat.csv": (3, 0, 1),
    "spreadsheet/binder.csv": (3, 0, 1),
    "bluesky/responses.jsonl": (6, 3, 0),
    "mastodon/statuses.jsonl": (5, 1, 1),
}
# Per file, of its data posts: retweets, replies (a replied-to id), quotes.
KINDS = {
    "x_v2/pages.jsonl": (1, 1, 1),
    "x_v2/flat.jsonl": (1, 0, 0),
    "x_v1/search.json": (1, 1, 0),
    "twarc_csv/chat.csv": (1, 1, 0),
    "tags_csv/chat.csv": (0, 1, 0),  # its retweet has kind 'retweet' and no retweeted id
    "spreadsheet/binder.csv": (0, 0, 0),  # kinds come from the Type column
    "bluesky/responses.jsonl": (1, 2, 1),
    "mastodon/statuses.jsonl": (1, 2, 0),
}
BLUESKY_Q6 = "at://did:plc:qihost/app.bsky.feed.post/q6"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    raw = tmp_path_factory.mktemp("generated") / "raw"
    shutil.copytree(GENERATED_FIXTURES, raw, ignore=shutil.ignore_patterns("*.md"))
    before = {path: path.read_bytes() for path in raw.rglob("*") if path.is_file()}
    con = duckdb.connect()
    summary = load_directory(con, raw)
    assert {path: path.read_bytes() for path in raw.rglob("*") if path.is_file()} == before
    yield con, summary
    con.close()


def rows(con, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def test_every_format_is_detected_and_every_file_loads(loaded):
    con, summary = loaded
    assert summary.unreadable == []
    assert dict(rows(con, "select path, format from raw.loaded_files")) == FORMATS


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_file_lands_its_posts_and_rejects_its_bad_records(loaded, name):
    con, _ = loaded
    data, referenced, rejected = LANDED[name]
    assert rows(
        con,
        "select count(*) filter (where section = 'data'), "
        "count(*) filter (where section = 'includes') from raw.posts where source_file = ?",
        [name],
    ) == [(data, referenced)]
    assert rows(con, "select count(*) from raw.rejected_records where source_file = ?", [name]) == [
        (rejected,)
    ]
    assert rows(con, "select rows, rejected from raw.loaded_files where path = ?", [name]) == [
        (data + referenced, rejected)
    ]
    assert rows(
        con,
        """
        select count(*) filter (where retweeted_post_id is not null),
               count(*) filter (where reply_to_post_id is not null),
               count(*) filter (where quoted_post_id is not null)
        from raw.posts where source_file = ? and section = 'data'
        """,
        [name],
    ) == [KINDS[name]]


def test_x_v2_truncated_retweet_api_errors_and_a_cut_line(loaded):
    con, _ = loaded
    assert rows(
        con,
        "select line, field, reason from raw.rejected_records "
        "where source_file = 'x_v2/pages.jsonl' order by line",
    ) == [
        (2, "errors", "X API error in the export: Not Found Error: Could not find tweet with "
         "ids: [1790000000000000009]."),
        (3, None, "not valid JSON (a truncated or corrupt line): fix or remove the line, the "
         "rest of the file is loaded"),
    ]  # fmt: skip
    # The retweet's own text was cut before its hashtag; the retweeted post has it whole.
    (retweet,) = rows(
        con, "select text, hashtags, retweeted_post_id from raw.posts where post_id = ?",
        ["1790000000000000002"],
    )  # fmt: skip
    assert retweet == ("RT @qihost: Q1 What does quality mean to you? #QICh…", None,
                       "1790000000000000001")  # fmt: skip
    assert rows(
        con,
        "select distinct hashtags from raw.posts where post_id = '1790000000000000001'",
    ) == [(["QIChat"],)]


def test_x_v2_flattened_lines_land_their_author_and_the_embedded_post(loaded):
    con, _ = loaded
    assert rows(
        con,
        "select post_id, section, author_username, retweeted_post_id from raw.posts "
        "where source_file = 'x_v2/flat.jsonl' order by post_id, section",
    ) == [
        ("1790000000000000006", "data", "bob", "1790000000000000007"),
        ("1790000000000000007", "data", "amy", None),
        ("1790000000000000007", "includes", "amy", None),
    ]


def test_x_v1_ids_come_from_id_str_and_the_extended_text_is_kept(loaded):
    con, _ = loaded
    statuses = json.loads((GENERATED_FIXTURES / "x_v1/search.json").read_text())["statuses"]
    # The numeric id read as a float is not the id.
    assert int(float(statuses[0]["id"])) != int(statuses[0]["id_str"])
    full = statuses[0]["extended_tweet"]["full_text"]
    assert rows(
        con,
        "select post_id, section, text, hashtags from raw.posts "
        "where source_file = 'x_v1/search.json' and post_id = '1790000000000000011' "
        "order by section",
    ) == [
        ("1790000000000000011", "data", full, ["QIChat"]),
        ("1790000000000000011", "includes", full, ["QIChat"]),
    ]


def test_twarc_csv_retweet_row_and_literal_line_breaks(loaded):
    con, _ = loaded
    question = "Q3 What gets in the way?\nWhat helps? #QIChat"
    assert rows(
        con,
        "select post_id, section, text, retweeted_post_id, retweet_count, like_count "
        "from raw.posts where source_file = 'twarc_csv/chat.csv' order by post_id, section",
    ) == [
        ("1790000000000000021", "data", question, None, 1, 5),
        # The retweet row carries the original's text and figures: they land on the original.
        ("1790000000000000021", "includes", question, None, 1, 5),
        ("1790000000000000022", "data", "RT @qihost: " + question, "1790000000000000021",
         None, None),
        ("1790000000000000023", "data", "@qihost A3 Time #QIChat", None, 0, 1),
    ]  # fmt: skip
    assert rows(
        con,
        "select line, field, reason from raw.rejected_records "
        "where source_file = 'twarc_csv/chat.csv'",
    ) == [
        (5, "created_at", "post 1790000000000000024 has created_at yesterday which is not an "
         "ISO 8601 time: fix the row; the rest of the file is loaded"),
    ]  # fmt: skip


def test_tags_na_is_missing_and_its_retweets_have_a_kind(loaded):
    con, _ = loaded
    assert rows(
        con,
        "select post_id, author_id, reply_to_post_id, kind, created_at::varchar "
        "from raw.posts where source_file = 'tags_csv/chat.csv' order by post_id",
    ) == [
        ("1790000000000000031", "10", None, None, "2024-05-14 19:40:00"),
        ("1790000000000000032", "11", None, "retweet", "2024-05-14 19:41:00"),
        ("1790000000000000033", "12", "1790000000000000031", None, "2024-05-14 19:42:00"),
    ]
    assert rows(
        con,
        "select line, field, reason from raw.rejected_records where source_file = ?",
        ["tags_csv/chat.csv"],
    ) == [
        (5, "created_at", "post 1790000000000000034 has no created_at: fix the row; the rest "
         "of the sheet is loaded"),
    ]  # fmt: skip


def test_spreadsheet_through_the_tweet_binder_mapping(loaded):
    con, _ = loaded
    assert rows(
        con,
        "select post_id, author_username, kind, retweet_count, impression_count "
        "from raw.posts where source_file = 'spreadsheet/binder.csv' order by post_id",
    ) == [
        ("1790000000000000041", "qihost", None, 1204, 3400),
        ("1790000000000000042", "amy", "retweet", None, None),
        ("1790000000000000043", "bob", "reply", 0, 90),
    ]
    assert rows(
        con,
        "select line, field from raw.rejected_records where source_file = ?",
        ["spreadsheet/binder.csv"],
    ) == [(5, "Tweet ID")]


def test_bluesky_facets_are_byte_offsets_and_a_repost_is_a_retweet(loaded):
    con, _ = loaded
    # "Café ☕ " is 7 characters but 10 bytes: the mention facet starts at byte 10.
    assert rows(
        con, "select distinct mentions, hashtags from raw.posts where post_id = ?", [BLUESKY_Q6]
    ) == [(["amy.bsky.social"], ["QIChat"])]
    assert rows(
        con,
        "select post_id, author_username, created_at::varchar, retweeted_post_id, hashtags "
        "from raw.posts where source_file = 'bluesky/responses.jsonl' "
        "and retweeted_post_id is not null",
    ) == [
        (
            "at://did:plc:amy/app.bsky.feed.post/a6#repost-by-did:plc:qihost",
            "qihost.bsky.social",
            "2024-05-14 20:04:00",
            "at://did:plc:amy/app.bsky.feed.post/a6",
            ["QIChat"],
        )
    ]
    assert rows(
        con,
        "select distinct reply_to_post_id, reply_to_user_id, conversation_id, urls "
        "from raw.posts where post_id = 'at://did:plc:bob/app.bsky.feed.post/b6'",
    ) == [(BLUESKY_Q6, "did:plc:qihost", BLUESKY_Q6, ["https://example.org/measure"])]
    # The quote has no tag facet; its record's `tags` give the hashtag.
    assert rows(
        con,
        "select quoted_post_id, hashtags from raw.posts "
        "where post_id = 'at://did:plc:amy/app.bsky.feed.post/quote'",
    ) == [(BLUESKY_Q6, ["QIChat"])]
    # One author row a landed post (the reposter too); the thread's missing reply is no post.
    assert rows(
        con,
        "select count(*) from raw.users where source_file = 'bluesky/responses.jsonl'",
    ) == [(9,)]


def test_mastodon_html_becomes_text_and_reblogs_and_polls_land(loaded):
    con, _ = loaded
    question = (
        "Q7 What's one thing you'll change? #QIChat\n\nReply with A7 & a link\nlike example.org/qi"
    )
    assert rows(
        con,
        "select post_id, section, author_username, text, urls, mentions, retweeted_post_id "
        "from raw.posts where source_file = 'mastodon/statuses.jsonl' and source_line = 1 "
        "order by post_id, section",
    ) == [
        ("112000000000000001", "data", "qihost", question, ["https://example.org/qi?a=1&b=2"],
         [], None),
        ("112000000000000001", "includes", "qihost", question,
         ["https://example.org/qi?a=1&b=2"], [], None),
        ("112000000000000002", "data", "amy@other.example", "", [], [], "112000000000000001"),
        ("112000000000000003", "data", "bob", "CW: meetings\n\n@qihost A7 Fewer meetings #QIChat",
         [], ["qihost"], None),
    ]  # fmt: skip
    assert rows(
        con,
        "select line, field, reason from raw.rejected_records where source_file = ?",
        ["mastodon/statuses.jsonl"],
    ) == [
        (1, "created_at", "status 112000000000000004 has no created_at: it cannot be placed in "
         "a chat window; re-export the status"),
    ]  # fmt: skip
    # The poll of each landed copy of Q7: line 1's status and its reblog, line 2's context.
    assert rows(
        con,
        "select poll_id, voting_status, multiple_choice, voters, count(*) from raw.polls "
        "where platform = 'mastodon' group by all",
    ) == [("34", "closed", False, 5, 3)]
    assert rows(
        con,
        "select option_position, option_label, votes from raw.poll_options "
        "where platform = 'mastodon' and source_line = 2",
    ) == [(1, "Huddles", 3), (2, "Run charts", 2)]


CHATS = """
timezone: UTC
chats:
- id: qichat-2024-05
  title: QIChat across platforms
  hashtags: ['#QIChat']
  starts: 2024-05-14T19:00
  window_hours_after: 2
"""


def test_one_chat_across_every_format_counts_each_platform(tmp_path):
    """The chat hour's posts of every file, deduplicated and counted by dbt, as counted by
    hand: X 17 (the quote without the hashtag is out), Bluesky 4, Mastodon 3."""
    database = build_warehouse(
        tmp_path,
        CHATS,
        lambda raw: shutil.copytree(
            GENERATED_FIXTURES, raw, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md")
        ),
    )
    assert query(
        database,
        "select platform, posts, originals, retweets, replies, quotes, contributors "
        "from marts.chat_activity_by_platform where chat_id = 'qichat-2024-05' "
        "and scope = 'window' order by platform",
    ) == [
        ("bluesky", 4, 3, 1, 1, 1, 3),
        ("mastodon", 3, 2, 1, 1, 0, 3),
        ("x", 17, 11, 6, 5, 0, 3),
    ]


def test_the_fixtures_are_small_enough_to_check_by_hand():
    files = [path for path in GENERATED_FIXTURES.rglob("*") if path.is_file()]
    assert {path.relative_to(GENERATED_FIXTURES).as_posix() for path in files} == {
        *FORMATS,
        "README.md",
    }
    assert all(path.stat().st_size < 16_000 for path in files)
