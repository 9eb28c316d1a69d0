"""`tweetchat collect` against a local replay server (127.0.0.1, no network), with the real
atproto and Mastodon.py SDKs pointed at it: paging, resuming, rate limits, server errors, a
cut connection, an instance that is down; the files it writes load into the same marts as
the responses themselves; the Dagster schedule and the raw-directory sensor around it.

Responses are generated here (tests/collect_responses.py) so a bare clone tests it all; the
recorded responses of ../shared/fixtures are replayed too where that folder exists.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli import main
from orchestration.collect import collect
from orchestration.collect.polite import Politeness
from orchestration.collect.store import ChatState, state_path
from orchestration.ingest import load_directory
from orchestration.readers import detect_format
from orchestration.registry import RegistryError, load_registry
from orchestration.warehouse import connect, write_registry
from tests import collect_responses as gen
from tests.conftest import FIXTURES, dbt_build
from tests.replay_server import Answer, ReplayServer, closed_port_url

DURING = datetime(2025, 3, 4, 19, 30)
AFTER = datetime(2025, 3, 4, 22, 30)
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
TIMELINE = f"/api/v1/timelines/tag/{gen.TAG}"


def generated_routes(reposters=True) -> dict:
    posts, threads, reposted = gen.bluesky_posts()
    statuses, contexts = gen.mastodon_statuses()
    return {
        **gen.bluesky_routes(posts, threads, reposted if reposters else {}),
        **gen.mastodon_routes(statuses, contexts, gen.TAG),
    }


def fast(**options) -> Politeness:
    return Politeness(backoff_seconds=0.05, **options)


def setup(root: Path, server: ReplayServer, monkeypatch, instance: str | None = None):
    monkeypatch.setenv("TWEETCHAT_BLUESKY_SERVICE", server.url)
    chats = root / "chats.yaml"
    chats.write_text(gen.CHATS_YAML.format(instance=instance or server.url))
    return load_registry(chats)


def run(root, registry, now, **options):
    return collect(registry, root / "raw", root / "state", now=now, **options)


def files(root: Path, platform: str, endpoint: str = "") -> list[Path]:
    folder = root / "raw" / platform / gen.CHAT_ID
    return sorted(p for p in folder.glob(f"*{endpoint}.json")) if folder.exists() else []


def search_uris(root: Path) -> list[str]:
    return [
        post["uri"]
        for path in files(root, "bluesky", "searchPosts")
        for post in json.loads(path.read_text())["posts"]
    ]


def calls(server: ReplayServer, path: str) -> list[dict]:
    return [query for called, query, _ in server.calls if called == path]


def test_pages_to_the_end_and_writes_files_the_readers_detect(tmp_path, monkeypatch):
    with ReplayServer(generated_routes()) as server:
        registry = setup(tmp_path, server, monkeypatch)
        reports = run(tmp_path, registry, DURING, polite=fast())
    assert [(r.platform, r.problem) for r in reports] == [("bluesky", None), ("mastodon", None)]
    # Three pages of two; the window is read up to now.
    assert [q.get("cursor") for q in calls(server, SEARCH)] == [None, ["2"], ["4"]]
    assert {q["until"][0] for q in calls(server, SEARCH)} == {"2025-03-04T19:30:00.000Z"}
    posts, _, _ = gen.bluesky_posts()
    before = [p["uri"] for p in posts if p["record"]["createdAt"] < "2025-03-04T19:30"]
    assert sorted(search_uris(tmp_path)) == sorted(before)
    # The reply without the hashtag comes with its thread; the reposts with their accounts.
    thread = json.loads(files(tmp_path, "bluesky", "getPostThread")[0].read_text())
    assert "Agreed, and tell the story" in json.dumps(thread)
    reposts = json.loads(files(tmp_path, "bluesky", "getRepostedBy")[0].read_text())["feed"]
    assert [(item["reason"]["by"]["handle"], item["reason"]["indexedAt"]) for item in reposts] == [
        ("user7_demo.bsky.social", "2025-03-04T19:01:00.000Z"),
        ("user8_demo.bsky.social", "2025-03-04T19:01:00.000Z"),
    ]
    statuses = [
        s for path in files(tmp_path, "mastodon", "timeline") for s in json.loads(path.read_text())
    ]
    assert len(statuses) == 5 and len(files(tmp_path, "mastodon", "context")) == 1
    for path in (tmp_path / "raw").rglob("*.json"):
        platform = path.relative_to(tmp_path / "raw").parts[0]
        assert detect_format(path).format == platform, path
    # Every request named the project.
    assert {headers.get("User-Agent") for _, _, headers in server.calls} == {
        "tweetchat-warehouse/0.1.0 (tweetchat collect: public hashtag chat posts)"
    }


def test_a_second_call_resumes_the_cursor_without_duplicate_files(tmp_path, monkeypatch):
    with ReplayServer(generated_routes()) as server:
        registry = setup(tmp_path, server, monkeypatch)
        first = run(tmp_path, registry, DURING, platforms=["bluesky"], polite=fast(max_requests=2))
        assert first[0].problem.startswith("stopped: the cap of 2 requests")
        state = ChatState.load(state_path(tmp_path / "state", gen.CHAT_ID, "bluesky"))
        assert state.queries["#DemoLive"]["cursor"] == "4"
        second = run(tmp_path, registry, DURING, platforms=["bluesky"], polite=fast())
        third = run(tmp_path, registry, AFTER, platforms=["bluesky"], polite=fast())
        fourth = run(tmp_path, registry, AFTER, platforms=["bluesky"], polite=fast())
    searches = calls(server, SEARCH)
    # The second call goes on from the saved cursor with the same bounds.
    assert searches[2]["cursor"] == ["4"] and searches[2]["until"] == searches[0]["until"]
    # The third fetches only what is new since, up to the window's end; the fourth nothing.
    assert searches[3]["since"] == ["2025-03-04T19:30:00.000Z"]
    assert searches[3]["until"] == ["2025-03-04T21:00:00.000Z"]
    assert len(searches) == 4 and fourth[0].requests == 0 and fourth[0].complete
    uris = search_uris(tmp_path)
    assert len(uris) == len(set(uris)) == 7
    assert (second[0].problem, third[0].complete) == (None, True)
    bodies = [p.read_bytes() for p in files(tmp_path, "bluesky")]
    assert len(bodies) == len(set(bodies))


def flaky(route, failures: list[Answer]):
    """`route`, but the first calls answer `failures` in turn."""

    def answer(query, count):
        return failures[count - 1] if count <= len(failures) else route(query, count)

    return answer


# Pages in the window up to DURING: Bluesky's last has no cursor, Mastodon's last is empty.
PAGES = [("bluesky", SEARCH, 3), ("mastodon", TIMELINE, 4)]


@pytest.mark.parametrize("platform, path, pages", PAGES)
def test_a_429_with_retry_after_is_waited_out(tmp_path, monkeypatch, platform, path, pages):
    routes = generated_routes()
    routes[path] = flaky(
        routes[path], [Answer(429, {"error": "RateLimitExceeded"}, {"Retry-After": "1"})]
    )
    polite = fast()
    with ReplayServer(routes) as server:
        registry = setup(tmp_path, server, monkeypatch)
        started = time.monotonic()
        reports = run(tmp_path, registry, DURING, platforms=[platform], polite=polite)
    assert reports[0].problem is None and reports[0].posts > 0
    assert polite.waited_seconds == 1.0 and time.monotonic() - started >= 1.0
    assert len(calls(server, path)) == 1 + pages  # the refused one, then the pages


@pytest.mark.parametrize("platform, path, pages", PAGES)
def test_a_500_twice_then_success(tmp_path, monkeypatch, platform, path, pages):
    routes = generated_routes()
    routes[path] = flaky(routes[path], [Answer(500, {"error": "InternalServerError"})] * 2)
    polite = fast()
    with ReplayServer(routes) as server:
        registry = setup(tmp_path, server, monkeypatch)
        reports = run(tmp_path, registry, DURING, platforms=[platform], polite=polite)
    assert reports[0].problem is None
    assert polite.waited_seconds == pytest.approx(0.05 + 0.1)
    assert len(calls(server, path)) == 2 + pages


def cli(root: Path, *extra: str) -> int:
    return main([
        "collect", "--raw", str(root / "raw"), "--chats", str(root / "chats.yaml"),
        "--warehouse", str(root / "warehouse" / "tweetchat.duckdb"), *extra,
    ])  # fmt: skip


@pytest.mark.parametrize("platform, path", [("bluesky", SEARCH), ("mastodon", TIMELINE)])
def test_a_connection_cut_mid_body_leaves_nothing_partial(
    tmp_path, monkeypatch, capsys, platform, path
):
    routes = generated_routes()
    first_page = routes[path]
    routes[path] = lambda query, count: (
        first_page(query, count) if count == 1 else Answer(200, {"posts": []} if platform == "bluesky" else [], cut=True)
    )  # fmt: skip
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    with ReplayServer(routes) as server:
        setup(tmp_path, server, monkeypatch)
        code = cli(tmp_path, "--platform", platform)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "gave up after 4 tries" in err and "is kept" in err
    assert "network error" in err or "MastodonNetworkError" in err
    saved = list((tmp_path / "raw").rglob("*"))
    assert [p.name for p in saved if p.name.startswith(".")] == []
    # Every file is whole: the first page, and what its posts point at (threads, contexts).
    whole = [json.loads(p.read_text()) for p in saved if p.is_file()]
    assert len([p for p in saved if "-searchPosts" in p.name or "-timeline" in p.name]) == 1
    state = ChatState.load(state_path(tmp_path / "warehouse" / "collect", gen.CHAT_ID, platform))
    assert state.files == len(whole) and next(iter(state.queries.values())).get("cursor")


def test_an_instance_that_is_down_is_reported_and_bluesky_still_collected(
    tmp_path, monkeypatch, capsys
):
    down = closed_port_url()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    with ReplayServer(generated_routes()) as server:
        setup(tmp_path, server, monkeypatch, instance=down)
        started = time.monotonic()
        code = cli(tmp_path)
    err = capsys.readouterr().err
    assert code == 1 and time.monotonic() - started < 30
    host = down.removeprefix("http://")
    assert f"Mastodon {host} timeline #DemoLive" in err and "gave up" in err
    # The window is over: the whole of it is collected, seven posts in four pages.
    assert "demolive-2025-03 bluesky: 15 posts in 6 files, 6 requests, window complete" in err
    assert len(files(tmp_path, "bluesky", "searchPosts")) == 4 and not files(tmp_path, "mastodon")


def test_collect_refuses_to_write_into_the_bundled_sample(monkeypatch, capsys):
    monkeypatch.delenv("TWEETCHAT_RAW", raising=False)
    assert main(["collect"]) == 2
    assert "pass --raw DIR" in capsys.readouterr().err


def test_the_registry_checks_mastodon_instances(tmp_path):
    path = tmp_path / "chats.yaml"
    path.write_text(gen.CHATS_YAML.format(instance="https://fosstodon.org/"))
    assert load_registry(path).chats[0].mastodon_instances == ("https://fosstodon.org",)
    path.write_text(gen.CHATS_YAML.format(instance="fosstodon.org"))
    with pytest.raises(RegistryError, match="field 'mastodon_instances': 'fosstodon.org' is not"):
        load_registry(path)


# --- The files collected give the same marts as the responses themselves ------------------

MART_COLUMNS = {
    "chat_activity": "chat_id, scope, posts, originals, retweets, replies, quotes, contributors",
    "posts": "chat_id, post_id, platform, author_username, created_at, is_retweet, is_reply, "
    "is_quote, in_hour, question_id, text, like_count",
    "participants": "chat_id, username, originals, retweets, replies, quotes, likes_received",
    "interactions": "chat_id, source_username, target_username, kind, weight",
    "activity_timeline": "chat_id, bucket_start, bucket_minutes, originals, retweets",
    "poll_results": "chat_id, poll_id, post_id, option_position, option_label, votes, pct, "
    "total_votes",
}


def build(root: Path, raw: Path, chats: Path) -> Path:
    # Named after the folder, but never "raw" (DuckDB would take it for the schema).
    database = root / f"from_{raw.name}.duckdb"
    with connect(database) as con:
        write_registry(con, load_registry(chats))
        load_directory(con, raw)
    dbt_build(database)
    return database


def marts(database: Path) -> dict[str, list]:
    with duckdb.connect(str(database), read_only=True) as con:
        found = {
            table: con.execute(f"select {columns} from marts.{table} order by all").fetchall()
            for table, columns in MART_COLUMNS.items()
        }
        found["raw posts"] = con.execute(
            "select distinct platform, post_id, created_at, author_username, text "
            "from raw.posts order by all"
        ).fetchall()
    return found


def assert_same_marts(root: Path, direct: dict[str, object]) -> dict[str, list]:
    """The collected raw folder and `direct` (name: document), built alike, give equal marts."""
    recorded = root / "recorded"
    recorded.mkdir()
    for name, document in direct.items():
        (recorded / name).write_text(json.dumps(document))
    collected = marts(build(root, root / "raw", root / "chats.yaml"))
    expected = marts(build(root, recorded, root / "chats.yaml"))
    assert collected == expected
    assert collected["chat_activity"] and collected["posts"]
    return collected


def test_collected_generated_responses_give_the_same_marts(tmp_path, monkeypatch):
    with ReplayServer(generated_routes(reposters=False)) as server:
        registry = setup(tmp_path, server, monkeypatch)
        during = run(tmp_path, registry, DURING, polite=fast())
        after = run(tmp_path, registry, AFTER, polite=fast())
    # The poll closes at 20:00: waited for during the chat, fetched once after.
    assert [r.complete for r in during] == [False, False]
    assert all(r.complete and not r.problem for r in after)
    assert len(calls(server, "/api/v1/polls/77")) == 1
    posts, threads, _ = gen.bluesky_posts()
    statuses, contexts = gen.mastodon_statuses()
    # Named in the order they were retrieved: the poll's final copy is the last.
    found = assert_same_marts(tmp_path, {
        "1-search.json": {"posts": posts},
        "2-thread.json": next(iter(threads.values())),
        "3-timeline.json": statuses,
        "4-context.json": next(iter(contexts.values())),
        "5-poll.json": gen.poll(7, 3, expired=True),
    })  # fmt: skip
    assert [row[4:7] for row in found["poll_results"]] == [("yes", 7, 70.0), ("no", 3, 30.0)]


RECORDED_CHATS = """
timezone: UTC
chats:
  - id: txlege-2025-05
    hashtags: ["#txlege"]
    starts: "2025-05-19T00:00"
    window_hours_after: 24
    mastodon_instances: [{instance}]
  - id: rstats-2025-07
    hashtags: ["#rstats"]
    starts: "2025-07-17T00:00"
    window_hours_after: 24
    mastodon_instances: [{instance}]
"""
BSKY_SEARCH = "christopherkenny+bskyr/extracted/f_search.response1.json"
RTOOT_TIMELINE = "gesistsa+rtoot/extracted/get_timeline_hashtag_default.response1.json"


@pytest.mark.skipif(not FIXTURES.exists(), reason="../shared/fixtures not present")
def test_collected_recorded_responses_give_the_same_marts(tmp_path, monkeypatch):
    search = json.loads((FIXTURES / BSKY_SEARCH).read_text())
    timeline = json.loads((FIXTURES / RTOOT_TIMELINE).read_text())
    routes = {
        **gen.bluesky_routes(search["posts"], {}, {}, page_size=10),
        # #txlege has no statuses on the instance: an empty timeline, as Mastodon answers.
        **gen.mastodon_routes([], {}, "txlege"),
        **gen.mastodon_routes(timeline, {}, "rstats", page_size=2),
    }
    with ReplayServer(routes) as server:
        monkeypatch.setenv("TWEETCHAT_BLUESKY_SERVICE", server.url)
        (tmp_path / "chats.yaml").write_text(RECORDED_CHATS.format(instance=server.url))
        registry = load_registry(tmp_path / "chats.yaml")
        reports = collect(registry, tmp_path / "raw", tmp_path / "state", polite=fast(),
                          now=datetime(2025, 8, 1))  # fmt: skip
    assert [r.problem for r in reports] == [None] * 4
    assert (
        len(list((tmp_path / "raw" / "bluesky" / "txlege-2025-05").glob("*-searchPosts.json"))) == 3
    )
    assert (
        len(list((tmp_path / "raw" / "mastodon" / "rstats-2025-07").glob("*-timeline.json"))) == 3
    )
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    for name in (BSKY_SEARCH, RTOOT_TIMELINE):
        shutil.copyfile(FIXTURES / name, recorded / Path(name).name)
    collected = marts(build(tmp_path, tmp_path / "raw", tmp_path / "chats.yaml"))
    expected = marts(build(tmp_path, recorded, tmp_path / "chats.yaml"))
    assert collected == expected
    assert len(collected["raw posts"]) == 25 + 5


# --- Dagster: the schedule and the sensor --------------------------------------------------


def warehouse_resource(root: Path):
    from orchestration.defs.resources import SettingsResource
    from orchestration.settings import Settings

    return SettingsResource.from_settings(Settings(
        raw_dir=root / "raw", chats_file=root / "chats.yaml",
        published_database=root / "warehouse" / "tweetchat.duckdb", out_dir=root / "out",
    ))  # fmt: skip


def test_the_schedule_is_a_no_op_outside_every_window(tmp_path):
    from orchestration.defs.collect import live_collection_schedule

    (tmp_path / "chats.yaml").write_text(gen.CHATS_YAML.format(instance="https://demo.example"))
    resources = {"settings": warehouse_resource(tmp_path)}
    for moment, runs in [
        (datetime(2025, 3, 4, 18, 55, tzinfo=UTC), False),  # before the window
        (datetime(2025, 3, 4, 19, 5, tzinfo=UTC), True),
        (datetime(2025, 3, 4, 20, 55, tzinfo=UTC), True),
        (datetime(2025, 3, 4, 21, 0, tzinfo=UTC), False),  # the window's end is outside it
        (datetime(2026, 1, 1, tzinfo=UTC), False),
    ]:
        context = dg.build_schedule_context(scheduled_execution_time=moment, resources=resources)
        result = live_collection_schedule(context)
        assert isinstance(result, dg.RunRequest) == runs, moment
        if not runs:
            assert (
                isinstance(result, dg.SkipReason)
                and "no chat's window is open" in result.skip_message
            )


def test_the_sensor_requests_the_month_of_a_collected_file(tmp_path, monkeypatch):
    from orchestration.defs.sensors import raw_directory_sensor

    with ReplayServer(generated_routes()) as server:
        registry = setup(tmp_path, server, monkeypatch)
        run(tmp_path, registry, DURING, platforms=["bluesky"], polite=fast(max_requests=1))
    assert len(files(tmp_path, "bluesky")) == 1
    context = dg.build_sensor_context(resources={"settings": warehouse_resource(tmp_path)})
    requests = list(raw_directory_sensor(context))
    assert [request.partition_key for request in requests] == ["2025-03-01"]
    assert "bluesky/demolive-2025-03/" in requests[0].run_key


def test_the_collect_job_runs_in_its_own_pool_and_shows_what_it_collected(tmp_path, monkeypatch):
    """A chat open now: the job's step collects it and records posts, requests and cursor."""
    from orchestration.defs.collect import COLLECT_POOL, collect_job, collect_live_chats
    from orchestration.defs.resources import WAREHOUSE_POOL

    now = datetime.now(UTC)
    chats = gen.CHATS_YAML.replace('"2025-03-04T19:00"', f'"{now:%Y-%m-%dT%H:%M}"')
    with ReplayServer(generated_routes()) as server:
        setup(tmp_path, server, monkeypatch)
        (tmp_path / "chats.yaml").write_text(chats.format(instance=server.url))
        result = collect_job.execute_in_process(
            resources={"settings": warehouse_resource(tmp_path)}
        )
    assert result.success
    assert collect_live_chats.pool == COLLECT_POOL != WAREHOUSE_POOL
    assert collect_job.tags == {"tweetchat/lane": "collect"}
    metadata = next(
        e.event_specific_data.metadata
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT"
    )
    table = metadata["collected"].value
    assert "demolive-2025-03 | bluesky" in table and "mastodon" in table
    assert metadata["requests"].value >= 2


def test_collection_runs_beside_a_warehouse_run_but_never_two_of_a_lane(tmp_path):
    """The project's dagster.yaml: one run per lane, so collecting never waits
    for a build; the definitions load with the collect job and its schedule."""
    from orchestration.definitions import build_definitions
    from orchestration.settings import INSTANCE_CONFIG

    (tmp_path / "dagster.yaml").write_text(INSTANCE_CONFIG.read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 2
        (limit,) = queue.tag_concurrency_limits
        assert limit["key"] == "tweetchat/lane" and limit["limit"] == 1
    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("tweetchat_job").tags["tweetchat/lane"] == "warehouse"
    assert defs.resolve_job_def("collect_job").tags["tweetchat/lane"] == "collect"
    assert defs.resolve_schedule_def("live_collection_schedule").cron_schedule == "*/5 * * * *"


def test_an_app_password_from_the_environment_logs_in(tmp_path, monkeypatch):
    def token(exp: int) -> str:
        part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
        return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part({'exp': exp, 'sub': 'did:plc:me_demo', 'scope': 'com.atproto.appPass'})}.c2ln"

    access = token(int(time.time()) + 7200)
    routes = generated_routes()
    routes["/xrpc/com.atproto.server.createSession"] = lambda query, count: Answer(200, {
        "did": "did:plc:me_demo", "handle": "me_demo.bsky.social",
        "accessJwt": access, "refreshJwt": token(int(time.time()) + 86400),
    })  # fmt: skip
    monkeypatch.setenv("BLUESKY_HANDLE", "me_demo.bsky.social")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")
    with ReplayServer(routes) as server:
        registry = setup(tmp_path, server, monkeypatch)
        reports = run(tmp_path, registry, DURING, platforms=["bluesky"], polite=fast())
    assert reports[0].problem is None
    (login,) = calls(server, "/xrpc/com.atproto.server.createSession")
    assert json.loads(login["body"][0]) == {
        "identifier": "me_demo.bsky.social",
        "password": "abcd-efgh-ijkl-mnop",
    }
    searches = [h for path, _, h in server.calls if path == SEARCH]
    assert searches and {h.get("Authorization") for h in searches} == {f"Bearer {access}"}


def test_a_used_up_rate_limit_is_waited_out_before_the_next_request(tmp_path, monkeypatch):
    routes = generated_routes()
    search = routes[SEARCH]

    def spent(query, count):
        answer = search(query, count)
        if count == 1:  # the limit is used up until a second from now
            answer.headers.update(
                {"ratelimit-remaining": "0", "ratelimit-reset": str(int(time.time()) + 2)}
            )
        return answer

    routes[SEARCH] = spent
    polite = fast()
    with ReplayServer(routes) as server:
        registry = setup(tmp_path, server, monkeypatch)
        reports = run(tmp_path, registry, DURING, platforms=["bluesky"], polite=polite)
    assert reports[0].problem is None and len(calls(server, SEARCH)) == 3
    assert 0.5 < polite.waited_seconds <= 2.0


def test_a_wait_longer_than_allowed_stops_the_platform_with_the_reason(tmp_path, monkeypatch):
    routes = generated_routes()
    routes[SEARCH] = lambda query, count: Answer(
        429, {"error": "RateLimitExceeded"}, {"Retry-After": "3600"}
    )
    polite = fast(max_wait_seconds=60)
    with ReplayServer(routes) as server:
        registry = setup(tmp_path, server, monkeypatch)
        reports = run(tmp_path, registry, DURING, polite=polite)
    bluesky, mastodon = reports
    assert "the server asks to wait 3600s, more than 60s (--max-wait)" in bluesky.problem
    assert polite.waited_seconds == 0 and mastodon.problem is None and mastodon.posts == 10


def test_a_pagination_cut_short_ends_at_its_ceiling_then_reads_the_time_since(
    tmp_path, monkeypatch
):
    with ReplayServer(generated_routes()) as server:
        registry = setup(tmp_path, server, monkeypatch)
        run(tmp_path, registry, DURING, platforms=["bluesky"], polite=fast(max_requests=2))
        later = run(tmp_path, registry, AFTER, platforms=["bluesky"], polite=fast())
    bounds = [
        (q.get("cursor"), q["since"][0][11:16], q["until"][0][11:16]) for q in calls(server, SEARCH)
    ]
    assert bounds == [
        (None, "19:00", "19:30"), (["2"], "19:00", "19:30"),  # the first call, cut by the cap
        (["4"], "19:00", "19:30"),  # the second goes on up to the ceiling it had
        (None, "19:30", "21:00"),  # then reads the rest of the window
    ]  # fmt: skip
    uris = search_uris(tmp_path)
    assert len(uris) == len(set(uris)) == 7 and later[0].complete
