"""Every real export of shared/fixtures is read by its reader and lands as canonical posts.
Without ../shared beside the clone these tests skip; tests/fixtures (test_generated_fixtures.py)
still tests every reader.

Figures (posts, originals, retweets, replies, quotes, contributors) are counted here with the
json and csv modules, independently of the readers, and compared with what the real dbt
build makes of the landed rows: per file (staging) and per chat over its hashtag (marts).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import types
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import load_directory
from orchestration.readers import READERS
from tests.conftest import FIXTURES, NO_REAL_EXPORTS, build_warehouse, query, write_page, x_post
from tests.test_x_v2_reader import X_V2_FILES, expected_posts

KPOP_CSV = "DocNow+twarc-csv/derived_twarc-csv-0.7.2/kpop.csv"
FILES = {
    **{name: "x_v2" for name in X_V2_FILES},
    "DocNow+twarc-csv/small_sample.json": "x_v2",
    "tweepy+tweepy/extracted/testsearchtweets.response1.json": "x_v1",
    "bear+python-twitter/lines.json": "x_v1",
    "bear+python-twitter/extended_tweet_in_extended_mode.json": "x_v1",
    "DocNow+twarc-csv/small_sample.csv": "twarc_csv",
    "ropensci-archive+tidytags/sample-data.csv": "tags_csv",
    "ropensci-archive+tidytags/sample-tweet.csv": "tags_csv",
    "christopherkenny+bskyr/extracted/f_search.response1.json": "bluesky",
    "christopherkenny+bskyr/extracted/f_autfeed.response1.json": "bluesky",
    "christopherkenny+bskyr/extracted/f_postthread.response1.json": "bluesky",
    "christopherkenny+bskyr/extracted/f_getquotes.response1.json": "bluesky",
    "MarshalX+atproto/thread_view_post_with_embed_media.json": "bluesky",
    "gesistsa+rtoot/extracted/get_context_default.response1.json": "mastodon",
    "gesistsa+rtoot/extracted/get_timeline_hashtag_default.response1.json": "mastodon",
    "gesistsa+rtoot/extracted/get_poll_default.response1.json": "mastodon",
    "halcy+Mastodon.py/extracted/test_entity_poll.response1.json": "mastodon",
    "halcy+Mastodon.py/extracted/test_entity_status.response1.json": "mastodon",
    "halcy+Mastodon.py/extracted/test_entity_status.response2.json": "mastodon",
    "halcy+Mastodon.py/extracted/test_entity_context.response1.json": "mastodon",
}
# A recorded HTTP cassette is not an export: it is refused with a reason.
CASSETTE = "tweepy+tweepy/testsearchtweets.json"
UTC_CHATS = """
timezone: UTC
chats:
- id: kpop-2021-09
  title: kpop
  hashtags: ['#kpop']
  starts: 2021-09-22T16:00
  window_hours_after: 24
- id: blm-2021-06
  title: Black Lives Matter
  hashtags: ['#BlackLivesMatter']
  starts: 2021-06-26T19:00
  window_hours_after: 24
- id: rstats-2025-07
  title: rstats on Mastodon
  hashtags: ['#rstats']
  starts: 2025-07-17T00:00
  window_hours_after: 24
- id: rstats-2025-04
  title: rstats on X and Bluesky at once
  hashtags: ['#RStats']
  starts: 2025-04-25T12:00
  window_hours_before: 240
  window_hours_after: 240
"""
# The chats above, as (hashtag, window start, window end) for the independent count.
WINDOWS = {
    "kpop-2021-09": ("kpop", datetime(2021, 9, 22, 16), datetime(2021, 9, 23, 16)),
    "blm-2021-06": ("blacklivesmatter", datetime(2021, 6, 26, 19), datetime(2021, 6, 27, 19)),
    "rstats-2025-07": ("rstats", datetime(2025, 7, 17), datetime(2025, 7, 18)),
    "rstats-2025-04": ("rstats", datetime(2025, 4, 15, 12), datetime(2025, 5, 5, 12)),
}


def flat_name(name: str) -> str:
    return name.replace("/", "__")


# --- Independent counts: one small function a format, json and csv modules only -------------


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    for form in ("%a %b %d %H:%M:%S %z %Y",):
        try:
            return datetime.strptime(text, form).astimezone(UTC).replace(tzinfo=None)
        except ValueError:
            pass
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _post(post_id, author, created, tags, retweet=False, reply=False, quote=False, of=None):
    return {
        "id": post_id,
        "author": author,
        "created": created,
        "tags": {tag.lower().lstrip("#") for tag in tags},
        "retweet": retweet,
        "reply": reply and not retweet,
        "quote": quote and not retweet,
        "of": of,  # the retweeted post's tags
    }


def _x_v2(path: Path) -> list[dict]:
    referenced = {}  # id -> hashtags of the posts a page includes (a retweet's original)
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            page = json.loads(line)
        except ValueError:
            continue
        if not isinstance(page, dict):
            continue  # a line of a pretty-printed response
        for post in (page.get("includes") or {}).get("tweets") or []:
            entities = post.get("entities") or {}
            referenced[post["id"]] = {h["tag"].lower() for h in entities.get("hashtags") or []}
    found = []
    for post in expected_posts(path):
        refs = {ref["type"]: ref["id"] for ref in post.get("referenced_tweets") or []}
        tags = [h["tag"] for h in (post.get("entities") or {}).get("hashtags") or []]
        found.append(
            _post(
                post["id"], post.get("author_id"), _time(post.get("created_at")), tags,
                "retweeted" in refs, "replied_to" in refs, "quoted" in refs,
                of=referenced.get(refs.get("retweeted")),
            )
        )  # fmt: skip
    return [post for post in found if post["created"]]


def _x_v1(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    try:
        documents = [json.loads(text)]
    except ValueError:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    statuses = []
    for document in documents:
        statuses.extend(document.get("statuses", [document]))
    found = []
    for status in statuses:
        entities = (status.get("extended_tweet") or {}).get("entities") or status["entities"]
        found.append(
            _post(
                status["id_str"], status["user"]["id_str"], _time(status["created_at"]),
                [h["text"] for h in entities["hashtags"]], "retweeted_status" in status,
                bool(status.get("in_reply_to_status_id_str")),
                bool(status.get("quoted_status_id_str")),
            )
        )  # fmt: skip
    return found


def _twarc_csv(path: Path) -> list[dict]:
    found = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if "referenced_tweets" in row:  # the older layout: typed rows are referenced posts
                if row.get("type"):
                    continue
                kinds = {ref["type"] for ref in json.loads(row["referenced_tweets"] or "[]")}
                tags = [h["tag"] for h in json.loads(row["entities.hashtags"] or "[]")]
            else:
                kinds = {
                    kind
                    for kind in ("retweeted", "replied_to", "quoted")
                    if row[f"referenced_tweets.{kind}.id"]
                }
                tags = json.loads(row["entities.hashtags"] or "[]")
            found.append(
                _post(
                    row["id"], row["author_id"], _time(row["created_at"]), tags,
                    "retweeted" in kinds, "replied_to" in kinds, "quoted" in kinds,
                    of=set() if "retweeted" in kinds else None,
                )
            )  # fmt: skip
    return found


def _tags_csv(path: Path) -> list[dict]:
    found = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            entities = json.loads(row["entities_str"])
            found.append(
                _post(
                    row["id_str"], row["from_user_id_str"], _time(row["created_at"]),
                    [h["text"] for h in entities["hashtags"]], row["text"].startswith("RT @"),
                    row["in_reply_to_status_id_str"] not in ("", "NA"),
                )
            )  # fmt: skip
    return found


def _bluesky_tags(record: dict) -> list[str]:
    tags = [
        feature["tag"]
        for facet in record.get("facets") or []
        for feature in facet["features"]
        if feature["$type"] == "app.bsky.richtext.facet#tag"
    ] + list(record.get("tags") or [])
    return tags or re.findall(r"#(\w+)", record.get("text") or "")


def _bluesky(path: Path) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    items = [{"post": post} for post in document.get("posts", [])] + document.get("feed", [])
    if "thread" in document:
        items.append({"post": document["thread"]["post"]})
    found = []
    for item in items:
        post, record = item["post"], item["post"]["record"]
        embed = (record.get("embed") or {}).get("$type", "")
        own = _post(
            post["uri"], post["author"]["did"], _time(record["createdAt"]), _bluesky_tags(record),
            False, "reply" in record, embed.endswith(("embed.record", "embed.recordWithMedia")),
        )  # fmt: skip
        if (item.get("reason") or {}).get("$type", "").endswith("reasonRepost"):
            found.append(
                _post(
                    post["uri"] + "/repost", item["reason"]["by"]["did"],
                    _time(item["reason"]["indexedAt"]), [], True, of=own["tags"],
                )
            )  # fmt: skip
        else:
            found.append(own)
    return found


def _mastodon(path: Path) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(document, dict) and "ancestors" in document:
        statuses = document["ancestors"] + document["descendants"]
    elif isinstance(document, list):
        statuses = document
    elif "content" in document:
        statuses = [document]
    else:
        statuses = []  # a poll on its own
    return [
        _post(
            status["id"], status["account"]["id"], _time(status["created_at"]),
            [tag["name"] for tag in status["tags"]], status.get("reblog") is not None,
            status.get("in_reply_to_id") is not None,
        )
        for status in statuses
    ]  # fmt: skip


COUNTERS = {
    "x_v2": _x_v2,
    "x_v1": _x_v1,
    "twarc_csv": _twarc_csv,
    "tags_csv": _tags_csv,
    "bluesky": _bluesky,
    "mastodon": _mastodon,
}


def figures(posts: list[dict]) -> dict:
    return {
        "posts": len(posts),
        "originals": sum(not p["retweet"] for p in posts),
        "retweets": sum(p["retweet"] for p in posts),
        "replies": sum(p["reply"] for p in posts),
        "quotes": sum(p["quote"] for p in posts),
        "contributors": len({p["author"] for p in posts}),
    }


# --- The warehouse: every fixture plus a hand-made X page for the mixed-platform chat --------

X_RSTATS = [
    x_post("9001", "u1", "2025-04-24T19:00:00.000Z", "Q1 what is your #RStats tip?",
           hashtags=["RStats"]),
    x_post("9002", "u2", "2025-04-24T19:05:00.000Z", "A1 use the pipe #rstats",
           hashtags=["rstats"], replied_to="9001"),
    x_post("9003", "u3", "2025-04-24T19:06:00.000Z", "RT @u1: Q1 what is your #RStats tip?",
           retweeted="9001", hashtags=["RStats"]),
    x_post("9004", "u2", "2025-05-20T19:00:00.000Z", "after the window #rstats",
           hashtags=["rstats"]),
]  # fmt: skip
X_USERS = [(f"u{n}", f"xuser{n}") for n in (1, 2, 3)]


def _mixed_x_posts() -> list[dict]:
    return [
        _post(p["id"], p["author_id"], _time(p["created_at"]),
              [h["tag"] for h in p["entities"]["hashtags"]],
              any(r["type"] == "retweeted" for r in p.get("referenced_tweets", [])),
              any(r["type"] == "replied_to" for r in p.get("referenced_tweets", [])))
        for p in X_RSTATS
    ]  # fmt: skip


def build_real(root: Path, names: list[str], extra=None) -> Path:
    """The real exports `names`, copied under flat names (and what `extra` adds), built."""

    def write_exports(raw: Path) -> None:
        for name in names:
            shutil.copyfile(FIXTURES / name, raw / flat_name(name))
        if extra:
            extra(raw)

    return build_warehouse(root, UTC_CHATS, write_exports)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    if not FIXTURES.exists():
        pytest.skip(NO_REAL_EXPORTS)

    def add_x_page(raw: Path) -> None:
        write_page(raw / "x_rstats.jsonl", X_RSTATS, users=X_USERS)

    names = [*FILES, CASSETTE]
    return build_real(tmp_path_factory.mktemp("readers"), names, add_x_page)


def test_every_fixture_is_read_by_its_reader(warehouse):
    formats = dict(query(warehouse, "select path, format from raw.loaded_files"))
    assert {name: formats.get(flat_name(name)) for name in FILES} == FILES


@pytest.mark.parametrize("name", sorted(FILES))
def test_file_figures_match_an_independent_count(warehouse, name):
    expected = figures(COUNTERS[FILES[name]](FIXTURES / name))
    row = query(
        warehouse,
        """
        select count(*), count(*) filter (where not is_retweet),
               count(*) filter (where is_retweet), count(*) filter (where is_reply),
               count(*) filter (where is_quote),
               count(distinct coalesce(author_id, lower(author_username)))
        from staging.stg_exports__posts where source_file = ?
        """,
        [flat_name(name)],
    )[0]
    assert dict(zip(expected, row, strict=True)) == expected


def _chat_posts(chat_id: str, posts: list[dict]) -> list[dict]:
    tag, start, end = WINDOWS[chat_id]
    return [
        p
        for p in posts
        if start <= p["created"] < end and (tag in p["tags"] or tag in (p["of"] or set()))
    ]


def test_chat_figures_match_an_independent_count(warehouse):
    everything = []
    for name, fmt in FILES.items():
        everything += COUNTERS[fmt](FIXTURES / name)
    everything += _mixed_x_posts()
    # A post seen in several files (flat and paged forms of one export) is one post.
    unique = {(p["id"], p["author"]): p for p in everything}.values()
    for chat_id in WINDOWS:
        expected = figures(_chat_posts(chat_id, list(unique)))
        row = query(
            warehouse,
            "select posts, originals, retweets, replies, quotes, contributors "
            "from marts.chat_activity where chat_id = ? and scope = 'window'",
            [chat_id],
        )[0]
        assert dict(zip(expected, row, strict=True)) == expected, chat_id
        assert expected["posts"] > 0, chat_id


def test_a_chat_on_x_and_bluesky_reports_per_platform_and_in_total(warehouse):
    rows = query(
        warehouse,
        "select platform, posts, originals, retweets, replies, contributors "
        "from marts.chat_activity_by_platform "
        "where chat_id = 'rstats-2025-04' and scope = 'window' order by platform",
    )
    bluesky = figures(
        _chat_posts(
            "rstats-2025-04",
            _bluesky(FIXTURES / "christopherkenny+bskyr/extracted/f_autfeed.response1.json")
            + _bluesky(FIXTURES / "christopherkenny+bskyr/extracted/f_search.response1.json"),
        )
    )
    x = figures(_chat_posts("rstats-2025-04", _mixed_x_posts()))
    keys = ("posts", "originals", "retweets", "replies", "contributors")
    assert rows == [
        ("bluesky", *(bluesky[k] for k in keys)),
        ("x", *(x[k] for k in keys)),
    ]
    assert x == {"posts": 3, "originals": 2, "retweets": 1, "replies": 1, "quotes": 0,
                 "contributors": 3}  # fmt: skip
    total = query(
        warehouse,
        "select posts, contributors from marts.chat_activity "
        "where chat_id = 'rstats-2025-04' and scope = 'window'",
    )[0]
    assert total == (bluesky["posts"] + 3, bluesky["contributors"] + 3)
    # Neither Bluesky nor these X posts carry view counts: impressions stay unknown.
    assert query(
        warehouse,
        "select count(*) from marts.chat_activity_by_platform "
        "where chat_id = 'rstats-2025-04' and impressions is not null",
    ) == [(0,)]


def test_missing_fields_stay_null_and_platform_is_recorded(warehouse):
    # TAGS and Bluesky carry no impression counts; TAGS no like counts either.
    rows = query(
        warehouse,
        """
        select platform, count(*), count(impression_count), count(like_count)
        from raw.posts where source_file in (?, ?) and section = 'data' group by platform
        order by platform
        """,
        [
            flat_name("ropensci-archive+tidytags/sample-data.csv"),
            flat_name("christopherkenny+bskyr/extracted/f_search.response1.json"),
        ],
    )
    assert rows == [("bluesky", 25, 0, 25), ("x", 10, 0, 0)]
    assert query(warehouse, "select count(*) from raw.posts where platform is null") == [(0,)]


def test_v1_ids_come_from_id_str_and_full_text_is_kept(warehouse):
    statuses = [
        json.loads(line)
        for line in (FIXTURES / "bear+python-twitter/lines.json").read_text().splitlines()
        if line.strip()
    ]
    expected = {s["id_str"]: s["extended_tweet"]["full_text"] for s in statuses}
    landed = dict(
        query(
            warehouse,
            "select post_id, text from raw.posts where source_file = ? and section = 'data'",
            [flat_name("bear+python-twitter/lines.json")],
        )
    )
    assert landed == expected
    # A numeric id above 2^53 read as a float would differ from id_str.
    assert any(int(s["id_str"]) != int(float(s["id"])) for s in statuses)


def test_bluesky_facets_are_byte_offsets_and_reposts_are_retweets(warehouse):
    feed = json.loads(
        (FIXTURES / "christopherkenny+bskyr/extracted/f_autfeed.response1.json").read_text()
    )
    mentions = {}
    for item in feed["feed"]:
        record = item["post"]["record"]
        data = record["text"].encode("utf-8")
        for facet in record.get("facets") or []:
            if any(f["$type"].endswith("#mention") for f in facet["features"]):
                start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
                mentions.setdefault(item["post"]["uri"], []).append(
                    data[start:end].decode().lstrip("@")
                )
    assert mentions, "the fixture has mention facets"
    landed = dict(
        query(
            warehouse,
            "select post_id, mentions from raw.posts where platform = 'bluesky' "
            "and len(mentions) > 0 and source_file = ?",
            [flat_name("christopherkenny+bskyr/extracted/f_autfeed.response1.json")],
        )
    )
    assert {uri: landed.get(uri) for uri in mentions} == mentions
    reposts = query(
        warehouse,
        "select count(*), count(distinct retweeted_post_id) from raw.posts "
        "where platform = 'bluesky' and section = 'data' and retweeted_post_id is not null",
    )[0]
    assert reposts[0] == sum(1 for item in feed["feed"] if "reason" in item) == 7


def test_mastodon_html_becomes_text_and_polls_keep_multiple_choice(warehouse):
    status = json.loads(
        (FIXTURES / "halcy+Mastodon.py/extracted/test_entity_poll.response1.json").read_text()
    )
    poll = status["poll"]
    rows = query(
        warehouse,
        """
        select polls.multiple_choice, polls.voters, options.option_label, options.votes
        from raw.polls as polls
        join raw.poll_options as options using (platform, poll_id, source_file, source_line)
        where polls.poll_id = ? order by options.option_position
        """,
        [str(poll["id"])],
    )
    assert rows == [
        (poll["multiple"], poll["voters_count"], option["title"], option["votes_count"])
        for option in poll["options"]
    ]
    texts = query(
        warehouse,
        "select text from raw.posts where platform = 'mastodon' and section = 'data'",
    )
    assert texts and not any("<p>" in text or "&amp;" in text for (text,) in texts)


def test_the_cassette_is_refused_with_a_reason_and_nothing_else_is(warehouse):
    rows = query(
        warehouse,
        "select source_file, reason from raw.rejected_records where line is null",
    )
    assert [source for source, _ in rows] == [flat_name(CASSETTE)]
    assert "not a known export format" in rows[0][1] and "formats.yaml" in rows[0][1]


def test_twarc2_jsonl_and_twarc_csv_give_the_same_marts(warehouse, tmp_path):
    from_csv = build_real(tmp_path, [KPOP_CSV])
    tables = {
        "chat_activity": "chat_id, scope, posts, originals, retweets, replies, quotes, "
        "contributors",
        "participants": "chat_id, username, originals, retweets, replies, quotes, "
        "likes_received, retweets_received",
        "posts": "chat_id, post_id, author_username, created_at, is_retweet, is_reply, "
        "is_quote, in_hour, case when not is_retweet then like_count end",
        "interactions": "chat_id, source_username, target_username, kind, weight",
        "shared_links": "chat_id, url, shares",
        "activity_timeline": "chat_id, bucket_start, bucket_minutes, originals, retweets",
    }
    for table, columns in tables.items():
        sql = f"select {columns} from marts.{table} where chat_id = 'kpop-2021-09' order by all"
        assert query(from_csv, sql) == query(warehouse, sql), table
    assert query(from_csv, "select count(*) from marts.posts") == [(100,)]


def test_a_new_format_is_one_module_and_one_registration_line(tmp_path, monkeypatch):
    """A reader written outside the package, registered with one line, loads its files."""
    reader = types.ModuleType("pipe_separated")
    reader.FORMAT, reader.PLATFORM = "pipe_separated", "x"
    reader.sniff = lambda head: bool(head.columns) and head.columns[0].startswith("id|")

    def load(con, path, source_file):
        con.execute(
            """
            insert into raw.posts by name
            select 'x' as platform, id as post_id, 'data' as section, author as author_id,
                   created::timestamp as created_at, text, ? as source_file,
                   row_number() over () + 1 as source_line
            from read_csv(?, delim = '|', header = true, all_varchar = true)
            """,
            [source_file, str(path)],
        )
        return con.execute("select count(*) from raw.posts").fetchone()[0], 0

    reader.load = load
    monkeypatch.setitem(READERS, reader.FORMAT, reader)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "posts.csv").write_text("id|author|created|text\n1|a|2024-01-01 10:00|hello #x\n")
    con = duckdb.connect()
    summary = load_directory(con, raw)
    assert summary.loaded == ["posts.csv"] and summary.posts == 1
    assert con.execute("select format from raw.loaded_files").fetchall() == [("pipe_separated",)]


def test_the_report_of_a_mixed_chat_shows_each_platform(warehouse, tmp_path):
    from orchestration.reports.content import load_chat_report
    from orchestration.reports.render import ChartFiles, write_markdown

    with duckdb.connect(str(warehouse), read_only=True) as con:
        mixed = load_chat_report(con, "rstats-2025-04")
        single = load_chat_report(con, "kpop-2021-09")
    text = write_markdown(mixed, ChartFiles(), tmp_path / "mixed.md").read_text()
    section = text[text.index("## By platform") :].split("\n## ")[0]
    totals = dict(
        query(
            warehouse,
            "select platform, posts from marts.chat_activity_by_platform "
            "where chat_id = 'rstats-2025-04' and scope = 'window'",
        )
    )
    for platform, posts in totals.items():
        assert f"| {platform} | {posts} |" in section
    assert "By platform" not in write_markdown(single, ChartFiles(), tmp_path / "k.md").read_text()
