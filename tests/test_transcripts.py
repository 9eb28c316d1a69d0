"""The chat transcript (marts.transcript_posts, reports/transcripts): a hand-built chat through
the real dbt build and Dagster asset, and the sample's April transcript in headless Chromium.

Chat 'talk' (UTC, 2023-04-25 18:00-19:00, window 17:00-21:00). In transcript order:

    before the hour   early (17:30)
    the hour          poll_post (18:02, host, poll 3/1), no heading yet
      Q1 (18:05)      q1, a1 (18:06, retweeted by u5, u6 twice and u4 after the hour: 3
                      accounts) with its replies reply1 (18:08) and reply2 (18:09, a reply to
                      reply1: deeper); hostile (18:10, '<script>' and '&', a link, a photo);
                      reply_outside (18:12, replies to a post outside the chat)
      Q2 (18:30)      q2, a2 (18:35), old (retweeted in at 18:40 from 20 April)
    after the hour    after1 (19:20) with after_reply2 (19:26); after_reply (19:25, replies
                      to a2 in the hour: not threaded across parts)
"""

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.resources import SettingsResource
from orchestration.defs.transcripts import transcripts
from orchestration.ingest import load_directory
from orchestration.pseudonyms import Pseudonymiser
from orchestration.registry import load_registry
from orchestration.reports.transcript import load_transcript
from orchestration.settings import ENV_PSEUDONYM_KEY as ENV_KEY
from orchestration.settings import Settings
from orchestration.warehouse import connect, write_registry
from tests.conftest import dbt_build, write_page, x_poll, x_post
from tests.test_question_marts import query
from tests.test_reports import APRIL, ARTIFACTS, browser, open_page  # noqa: F401

CHATS = """
timezone: UTC
chats:
  - id: talk
    title: Talk & <b>listen</b>
    hashtags: ["#QIChat"]
    hosts: [host_demo]
    starts: "2023-04-25T18:00"
    window_hours_before: 1
    window_hours_after: 3
"""
USERS = [(f"u{i}", f"user{i}_demo") for i in range(1, 7)] + [("h", "host_demo")]
TAG = ["QIChat"]
HOSTILE = "A1 <script>window.__owned = 1</script> Tom & Jerry https://example.org/x?a=1&b=2 #QIChat"
ORDER = [
    ("early", "before", None, 0),
    ("poll_post", "hour", None, 0),
    ("q1", "hour", "1", 0),
    ("a1", "hour", "1", 0),
    ("reply1", "hour", "1", 1),
    ("reply2", "hour", "1", 2),
    ("hostile", "hour", "1", 0),
    ("reply_outside", "hour", "1", 0),
    ("q2", "hour", "2", 0),
    ("a2", "hour", "2", 0),
    ("old", "hour", "2", 0),
    ("after1", "after", None, 0),
    ("after_reply2", "after", None, 1),
    ("after_reply", "after", None, 0),
]


def t(clock, day=25):
    return f"2023-04-{day:02d}T{clock}.000Z"


def build_exports(raw: Path) -> None:
    def post(post_id, author, clock, text, **kwargs):
        return x_post(post_id, author, t(clock), text, hashtags=TAG, **kwargs)

    def retweet(post_id, author, clock, original, day=25):
        return x_post(post_id, author, t(clock, day), "RT @someone: cut", retweeted=original)

    posts = [
        post("early", "u1", "17:30:00", "Looking forward #QIChat"),
        post("poll_post", "h", "18:02:00", "Quick poll #QIChat", poll_ids=["p1"]),
        post("q1", "h", "18:05:00", "Q1. What matters most? #QIChat"),
        post("a1", "u1", "18:06:00", "A1 trust @user3_demo #QIChat", mentions=["user3_demo"]),
        post("reply1", "u3", "18:08:00", "@user1_demo yes #QIChat", replied_to="a1"),
        post("reply2", "u1", "18:09:00", "@user3_demo indeed #QIChat", replied_to="reply1"),
        post(
            "hostile",
            "u2",
            "18:10:00",
            HOSTILE,
            urls=[
                "https://example.org/x?a=1&b=2",
                "https://twitter.com/user2_demo/status/9/photo/1",
            ],
        ),
        post("reply_outside", "u4", "18:12:00", "@user5_demo agreed #QIChat", replied_to="outside"),
        post("q2", "h", "18:30:00", "Q2. What next? #QIChat"),
        post("a2", "u5", "18:35:00", "A2 more data #QIChat"),
        post("after1", "u6", "19:20:00", "Great chat #QIChat"),
        post("after_reply", "u2", "19:25:00", "@user5_demo late reply #QIChat", replied_to="a2"),
        post("after_reply2", "u3", "19:26:00", "@user6_demo thanks #QIChat", replied_to="after1"),
        retweet("rt1", "u5", "18:07:00", "a1"),
        retweet("rt2", "u6", "18:20:00", "a1"),
        retweet("rt3", "u6", "18:21:00", "a1"),
        retweet("rt4", "u4", "19:30:00", "a1"),
        retweet("rt_old", "u2", "18:40:00", "old"),
        # After the window: not in the chat, not counted.
        retweet("rt_late", "u3", "21:30:00", "a1"),
    ]
    outside = x_post("outside", "u5", t("18:11:00"), "no hashtag here", hashtags=[])
    old = x_post("old", "u6", t("10:00:00", 20), "An old thought #QIChat", hashtags=TAG)
    write_page(
        raw / "talk.jsonl",
        posts,
        includes_tweets=[outside, old],
        users=USERS,
        polls=[x_poll("p1", [3, 1], labels=["Yes & more", "<No>"])],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("transcripts")
    build_exports(root / "raw")
    (root / "chats.yaml").write_text(CHATS)
    resource = SettingsResource.from_settings(
        Settings(
            raw_dir=root / "raw",
            chats_file=root / "chats.yaml",
            published_database=root / "warehouse" / "tweetchat.duckdb",
            out_dir=root / "output",
        )
    )
    database = resource.build_database
    database.parent.mkdir(parents=True)
    with connect(database) as con:
        write_registry(con, load_registry(root / "chats.yaml"))
        load_directory(con, root / "raw")
    dbt_build(database)
    return resource


def materialize(resource: SettingsResource) -> dict:
    result = dg.materialize(
        [transcripts], resources={"settings": resource}, partition_key="2023-04-01"
    )
    assert result.success
    return result.asset_materializations_for_node("reports__transcripts")[0].metadata


def test_mart_order_parts_headings_and_threads(warehouse):
    rows = query(
        warehouse.build_database,
        "select post_id, part, heading_question_id, reply_depth from marts.transcript_posts "
        "where chat_id = 'talk' order by transcript_position",
    )
    assert rows == ORDER
    roots = dict(
        query(
            warehouse.build_database,
            "select post_id, thread_root_post_id from marts.transcript_posts where reply_depth > 0",
        )
    )
    assert roots == {"reply1": "a1", "reply2": "a1", "after_reply2": "after1"}


def test_mart_counts_retweets_on_their_original(warehouse):
    rows = dict(
        query(
            warehouse.build_database,
            "select post_id, retweeted_by from marts.transcript_posts where retweeted_by > 0",
        )
    )
    # a1: u5, u6 (twice), u4 after the hour; u3's retweet after the window does not count.
    assert rows == {"a1": 3, "old": 1}
    assert not query(
        warehouse.build_database,
        "select 1 from marts.transcript_posts where post_id like 'rt%'",
    )
    old = query(
        warehouse.build_database,
        "select entry, author_username, text, strftime(created_at, '%d %H:%M'), "
        "strftime(placed_local, '%H:%M') from marts.transcript_posts where post_id = 'old'",
    )
    assert old == [("retweeted_in", "user6_demo", "An old thought #QIChat", "20 10:00", "18:40")]


def test_mart_reply_context_and_media(warehouse):
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse.build_database,
            "select post_id, reply_to_username, parent_in_transcript, parent_part, media_count "
            "from marts.transcript_posts",
        )
    }
    assert rows["reply_outside"] == ("user5_demo", False, None, 0)
    assert rows["after_reply"] == ("user5_demo", True, "hour", 0)
    assert rows["reply2"] == ("user3_demo", True, "hour", 0)
    assert rows["hostile"][-1] == 1


def test_every_original_of_the_chat_present_exactly_once(warehouse):
    missing_or_repeated = query(
        warehouse.build_database,
        """
        select posts.post_id, count(transcript.post_id)
        from marts.posts as posts
        left join marts.transcript_posts as transcript
            on posts.chat_id = transcript.chat_id and posts.post_id = transcript.post_id
        where not posts.is_retweet
        group by posts.post_id
        having count(transcript.post_id) <> 1
        """,
    )
    assert missing_or_repeated == []


@pytest.fixture(scope="module")
def written(warehouse):
    first = materialize(warehouse)
    chat_dir = Path(warehouse.out_dir) / "talk"
    return {
        "first": first,
        "html": chat_dir / "transcript.html",
        "md": (chat_dir / "transcript.md").read_text(),
    }


def test_html_in_chromium_order_headings_threads_polls(written, browser):  # noqa: F811
    page, problems = open_page(browser, written["html"], width=390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ids = page.eval_on_selector_all("article", "nodes => nodes.map(n => n.id)")
    assert ids == [f"post-{post_id}" for post_id, *_ in ORDER]
    assert page.eval_on_selector_all("section h2", "n => n.map(x => x.textContent)") == [
        "Before the hour",
        "The hour",
        "After the hour",
    ]
    assert page.eval_on_selector_all("h3", "n => n.map(x => x.textContent)") == [
        "Q1. What matters most? #QIChat",
        "Q2. What next? #QIChat",
    ]
    # Replies sit inside the post they answer; the deeper one is marked.
    assert page.locator("#post-a1 .replies article").count() == 2
    assert "deeper in the thread" in page.inner_text("#post-reply2 .notes")
    assert "retweeted by 3 accounts" in page.inner_text("#post-a1 > .notes")
    assert "a post not in this transcript" in page.inner_text("#post-reply_outside .notes")
    late = page.locator("#post-after_reply .notes a")
    assert late.get_attribute("href") == "#post-a2" and "(the hour)" in late.inner_text()
    assert "from outside the chat (posted 20 Apr 2023 10:00)" in page.inner_text("#post-old")
    poll = page.inner_text("#post-poll_post table")
    assert "Yes & more\t3\t75.0%" in poll and "<No>\t1\t25.0%" in poll and "total\t4" in poll
    # Hostile text is text: shown as written, no script ran, no element made of it.
    hostile = page.inner_text("#post-hostile .text")
    assert "<script>window.__owned = 1</script> Tom & Jerry" in hostile and "[media]" in hostile
    assert page.evaluate("window.__owned") is None
    assert page.locator("article script, article b").count() == 0
    assert page.locator("#post-hostile a").get_attribute("href") == "https://example.org/x?a=1&b=2"
    assert page.title() == "Talk & <b>listen</b>: transcript"
    assert problems == []
    raw = written["html"].read_text()
    assert "&lt;script&gt;" in raw and "Tom &amp; Jerry" in raw and "<script" not in raw


def test_markdown_order_threads_and_escaping(written):
    md = written["md"]
    assert md.index("## Before the hour") < md.index("## The hour") < md.index("## After the hour")
    assert md.index("### Q1. What matters most") < md.index("### Q2. What next")
    assert "\\<script>" in md and "Tom & Jerry" in md
    assert re.search(r"(?<!\\)<script", md) is None
    assert "<https://example.org/x?a=1&b=2>" in md
    assert "  - **18:09** @user1_demo: @user3_demo indeed" in md
    assert "_retweeted by 3 accounts_" in md
    assert "  - Yes & more: 3 votes (75.0%)" in md


def test_unchanged_chat_is_not_written_again(warehouse, written):
    html = written["html"]
    assert written["first"]["written"].value == 1
    before = html.stat().st_mtime_ns
    again = materialize(warehouse)
    assert again["written"].value == 0 and again["unchanged"].value == 1
    assert html.stat().st_mtime_ns == before
    assert "transcript.html" in again["transcripts"].value.replace("\\", "")


def test_pseudonyms_in_names_mentions_and_replies(warehouse, written, monkeypatch):
    monkeypatch.setenv(ENV_KEY, "test-secret")
    pseudonymised = SettingsResource.from_settings(
        Settings(
            raw_dir=Path(warehouse.raw_dir),
            chats_file=Path(warehouse.chats_file),
            published_database=Path(warehouse.published_database),
            out_dir=Path(warehouse.out_dir),
            pseudonymise=True,
            pseudonym_key_set=True,
        )
    )
    metadata = materialize(pseudonymised)
    assert metadata["written"].value == 1  # the content changed: written again
    pseudonymiser = Pseudonymiser(b"test-secret", ["host_demo"])
    md = Path(warehouse.out_dir, "talk", "transcript.md").read_text()
    assert "user1_demo" not in md and "user3_demo" not in md
    first = pseudonymiser.handle("user1_demo")
    third = pseudonymiser.handle("user3_demo")
    assert f"  - **18:09** @{first}: @{third} indeed" in md
    assert "@host_demo (host)" in md
    with duckdb.connect(str(warehouse.build_database), read_only=True) as con:
        assert load_transcript(con, "talk").entries[0].author_username == "user1_demo"


def test_sample_april_transcript_in_chromium(sample_run, browser):  # noqa: F811
    root = sample_run["root"]
    html = root / "output" / APRIL / "transcript.html"
    page, problems = open_page(browser, html)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "april_transcript.png"))
    articles = page.eval_on_selector_all("article", "nodes => nodes.map(n => n.id)")
    with duckdb.connect(str(root / "warehouse" / "tweetchat.duckdb"), read_only=True) as con:
        originals = [
            f"post-{post_id}"
            for (post_id,) in con.execute(
                "select post_id from marts.posts where chat_id = ? and in_hour and not is_retweet",
                [APRIL],
            ).fetchall()
        ]
        questions = con.execute(
            "select count(*) from marts.question_responses where chat_id = ?", [APRIL]
        ).fetchone()[0]
    assert len(originals) > 100
    assert all(articles.count(anchor) == 1 for anchor in originals)
    assert page.locator("#part-hour h3").count() == questions
    assert problems == []
    report, report_problems = open_page(browser, root / "output" / APRIL / "report.html")
    assert report.locator("#summary a[href='transcript.html']").count() == 1
    assert report_problems == []


def test_report_summary_links_the_transcript_in_markdown_and_docx(sample_run):
    from docx import Document

    folder = sample_run["root"] / "output" / APRIL
    assert "[the transcript](transcript.html)" in (folder / "report.md").read_text()
    document = Document(str(folder / "report.docx"))
    targets = [
        rel.target_ref for rel in document.part.rels.values() if rel.reltype.endswith("/hyperlink")
    ]
    # Beside the data-quality page's link (issue 21).
    assert "transcript.html" in targets
    assert any("the transcript (transcript.html)" in p.text for p in document.paragraphs)
    # The UI: the asset's metadata names every chat's transcript. Other tests
    # materialise one month again on this instance, so read every materialisation.
    records = (
        sample_run["instance"]
        .fetch_materializations(dg.AssetKey(["reports", "transcripts"]), limit=100)
        .records
    )
    listed = " ".join(
        record.asset_materialization.metadata["transcripts"].value.replace("\\", "")
        for record in records
    )
    assert all(f"leadingqi-2023-0{m}/transcript.html" in listed for m in (1, 2, 3, 4))


def test_a_chat_without_posts_gets_a_transcript_saying_so(tmp_path):
    from datetime import datetime

    from orchestration.reports.transcript import Transcript, write_transcript

    start = datetime(2023, 4, 25, 19)
    empty = Transcript("quiet", "Quiet", "UTC", start, start, start, start, [], [], {})
    assert write_transcript(empty, tmp_path)
    assert "No posts of this chat" in (tmp_path / "transcript.html").read_text()
    assert "No posts of this chat" in (tmp_path / "transcript.md").read_text()
    assert not write_transcript(empty, tmp_path)  # unchanged: kept
