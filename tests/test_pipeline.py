"""The whole Dagster job on the bundled sample: the published figures, idempotent months,
raw files untouched, the definitions, schedule and sensor."""

import csv
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.settings import SAMPLE_DIR
from tests.conftest import (
    DBT_PROJECT_DIR,
    MONTHS,
    PROJECT_ROOT,
    SHARED,
    dbt_log_codes,
    published,
    sample_hashes,
)


def expected_monthly():
    """The published figures: from shared/reference when present, else the sample registry."""
    figures = {}
    reference = SHARED / "reference" / "published_figures.csv"
    if reference.exists():
        for row in csv.DictReader(reference.open()):
            if re.fullmatch(r"leadingqi-2023-0\d", row["chat"]) and row["measure"] in (
                "contributors",
                "originals",
                "retweets",
            ):
                figures.setdefault(row["chat"], {})[row["measure"]] = int(row["value"])
    registry = yaml.safe_load((SAMPLE_DIR / "chats.yaml").read_text())
    for chat in registry["chats"]:
        assert figures.get(chat["id"], chat["published"]) == chat["published"]
        figures[chat["id"]] = chat["published"]
    return figures


def test_run_succeeds_and_publishes(sample_run):
    assert sample_run["result"].success
    assert (sample_run["root"] / "warehouse" / "tweetchat.duckdb").exists()
    published_file = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    build_file = sample_run["root"] / "warehouse" / ".build" / "tweetchat.duckdb"
    assert published_file.stat().st_mode == build_file.stat().st_mode


def test_monthly_activity_reproduces_the_published_series(sample_run):
    rows = published(
        "select month, contributors, originals, retweets from marts.monthly_activity order by month",
        sample_run["root"],
    )
    expected = expected_monthly()
    assert [(str(m)[:7], c, o, r) for m, c, o, r in rows] == [
        (chat_id[-7:], f["contributors"], f["originals"], f["retweets"])
        for chat_id, f in sorted(expected.items())
    ]


def test_most_popular_april_post(sample_run):
    (row,) = published(
        """select retweet_count, like_count, impression_count from marts.posts
           where chat_id = 'leadingqi-2023-04' and not is_retweet
           order by retweet_count desc, like_count desc, created_at limit 1""",
        sample_run["root"],
    )
    assert row[0] == 151 and row[1] == 452 and row[2] > 71000


def reference_figures(subject_prefix):
    """Rows of shared/reference/published_figures.csv whose chat column starts with it."""
    reference = SHARED / "reference" / "published_figures.csv"
    if not reference.exists():
        pytest.skip("shared/reference/published_figures.csv is not beside the project")
    return [
        row for row in csv.DictReader(reference.open()) if row["chat"].startswith(subject_prefix)
    ]


def test_april_polls_as_published(sample_run):
    rows = published(
        """select option_label, votes, pct, total_votes from marts.poll_results
           where chat_id = 'leadingqi-2023-04' order by total_votes, option_position""",
        sample_run["root"],
    )
    expected = []
    for poll in ("poll 1", "poll 2"):
        figures = reference_figures(f"leadingqi-2023-04 {poll}")
        total = next(int(r["value"]) for r in figures if r["measure"] == "total votes")
        for row in figures:
            if row["measure"].startswith("votes: "):
                pct = row["note"].rstrip("%")
                expected.append((int(row["value"]), float(pct) if pct else None, total))
    assert len(rows) == len(expected) == 7
    for (label, votes, pct, total), (want_votes, want_pct, want_total) in zip(
        rows, expected, strict=True
    ):
        assert (votes, total) == (want_votes, want_total), label
        if want_pct is not None:
            assert pct == want_pct, label
    assert [total for *_, total in rows] == [40] * 3 + [177] * 4


def sample_april_intents():
    """The question the sample generator meant each April answer for (rebuilt, deterministic)."""
    from orchestration.sample.generator import SampleWriter, series_plans

    writer = SampleWriter(2023)
    for plan in series_plans():
        chat = writer.build_chat(plan)
        if plan.chat_id == "leadingqi-2023-04":
            return {
                post.post_id: post.intended_question
                for post in chat["counted"]
                if post.intended_question is not None
            }
    raise AssertionError("no April chat in the sample plans")


def test_april_answers_get_the_question_the_generator_meant(sample_run):
    assigned = dict(
        published(
            """select post_id, question_id from marts.posts
               where chat_id = 'leadingqi-2023-04' and not is_host and not is_retweet""",
            sample_run["root"],
        )
    )
    intents = sample_april_intents()
    assert len(intents) > 250
    wrong = {
        post_id: (question, assigned.get(post_id))
        for post_id, question in intents.items()
        if assigned.get(post_id) != question
    }
    assert wrong == {}
    responses = dict(
        published(
            """select question_id, responses from marts.question_responses
               where chat_id = 'leadingqi-2023-04'""",
            sample_run["root"],
        )
    )
    assert set(responses) == {"1", "2", "3", "4", "5"}
    # Rules 1-3 place the generator's answers; the time rule adds the untagged rest.
    for question in responses:
        meant = sum(1 for q in intents.values() if q == question)
        assert meant <= responses[question] <= meant + 40, question


def test_most_popular_post_answers_q4(sample_run):
    (row,) = published(
        """select p.author_username, p.question_id, p.question_rule, q.question_text
           from marts.posts p join marts.question_responses q using (chat_id, question_id)
           where p.chat_id = 'leadingqi-2023-04' and not p.is_retweet
           order by p.retweet_count desc limit 1""",
        sample_run["root"],
    )
    assert row[:3] == ("PanelLead_demo", "4", "tag")
    assert row[3].startswith("What advice would you give to senior leaders")


def test_account_centrality_built_by_dbt_from_the_python_betweenness(sample_run):
    rows = published(
        """select c.chat_id, count(*), min(centrality_rank), max(centrality_rank), n.accounts
           from marts.account_centrality c join marts.network_summary n using (chat_id)
           group by c.chat_id, n.accounts order by c.chat_id""",
        sample_run["root"],
    )
    assert len(rows) == 4
    for _, accounts, first, last, network_accounts in rows:
        assert accounts == network_accounts == last and first == 1
    # Python wrote betweenness only; the mart (a dbt model) joined the degrees and ranked.
    ((betweenness_rows,),) = published(
        "select count(*) from analysis.account_betweenness", sample_run["root"]
    )
    assert betweenness_rows == sum(row[1] for row in rows)
    columns = published(
        "select column_name from information_schema.columns "
        "where table_schema = 'analysis' and table_name = 'account_betweenness'",
        sample_run["root"],
    )
    assert {c for (c,) in columns} == {"chat_id", "chat_month", "username", "betweenness"}
    for key in (["analysis", "account_betweenness"], ["marts", "account_centrality"]):
        assert sample_run["instance"].get_latest_materialization_event(dg.AssetKey(key)), key
    python_step = sample_run["instance"].get_latest_materialization_event(
        dg.AssetKey(["analysis", "account_betweenness"])
    )
    assert "most_central" in python_step.asset_materialization.metadata


def test_betweenness_of_the_sample_chats_equals_networkx(sample_run):
    # igraph computes it; networkx's normalised directed betweenness is the definition.
    from orchestration.defs.network import read_networks
    from tests.test_network import networkx_betweenness

    database = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        networks = read_networks(con, [MONTHS[0], "2023-05-01"])  # the months, end excluded
        written = {
            (chat_id, username): value
            for chat_id, username, value in con.execute(
                "select chat_id, username, betweenness from analysis.account_betweenness"
            ).fetchall()
        }
    assert len(networks) == 4
    expected = {
        (chat_id, account): value
        for (chat_id, _), (accounts, edges) in networks.items()
        for account, value in networkx_betweenness(accounts, edges).items()
    }
    assert written.keys() == expected.keys()
    assert any(value > 0 for value in expected.values())
    for key, value in expected.items():
        assert written[key] == pytest.approx(value, abs=1e-12), key


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is missing (the shared contract)")
def test_repository_contract_equals_the_shared_one():
    assert (PROJECT_ROOT / "docs" / "metrics.md").read_text() == (
        SHARED / "docs" / "metrics.md"
    ).read_text()


def test_every_contract_table_has_its_columns(sample_run):
    contract = (PROJECT_ROOT / "docs" / "metrics.md").read_text()
    section = contract[contract.index("## 7.") : contract.index("## 8.")]
    tables = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", section, flags=re.MULTILINE)
    assert len(tables) >= 10
    columns = published(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts'",
        sample_run["root"],
    )
    present = {(table, column) for table, column in columns}
    missing = [
        (table, column.strip())
        for table, listed in tables
        # 'month (first day, date)': the name before any parenthesis.
        for column in re.sub(r"\([^)]*\)", "", listed).split(",")
        if (table, column.strip()) not in present
    ]
    assert missing == []


def test_sample_is_messy_the_way_real_exports_are(sample_run):
    root = sample_run["root"]
    (lost,) = published(
        "select count(*) from marts.posts where is_retweet and not regexp_matches(lower(text), '#(leadingqi|qihour)')",
        root,
    )[0]
    assert lost > 0, "some counted retweets must have lost the hashtag from their cut text"
    with duckdb.connect(str(root / "warehouse" / "tweetchat.duckdb"), read_only=True) as con:
        duplicates = con.execute(
            "select count(*) from (select post_id from raw.posts where section = 'data' group by 1 having count(distinct source_file) > 1)"
        ).fetchone()[0]
        superseded = con.execute(
            "select count(*) from intermediate.int_posts__superseded_edits"
        ).fetchone()[0]
        hosts = con.execute("select count(*) from marts.posts where is_host").fetchone()[0]
    assert duplicates > 0 and superseded > 0 and hosts > 0


def test_raw_exports_are_never_modified(sample_run):
    assert sample_hashes() == sample_run["hashes"]


def test_a_month_materialised_twice_equals_once(sample_run):
    root, defs, instance = sample_run["root"], sample_run["defs"], sample_run["instance"]
    tables = [
        f"{schema}.{name}"
        for schema, name in published(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'marts') and table_name <> 'loaded_files'",
            root,
        )
    ]
    assert len(tables) > 20
    before = {t: sorted(map(repr, published(f"select * from {t}", root))) for t in tables}
    job = defs.resolve_job_def("tweetchat_job")
    for _ in range(2):
        result = job.execute_in_process(instance=instance, partition_key="2023-04-01")
        assert result.success
        # Its dbt steps start from the parsed project the sample's run kept: none parses the
        # project in full ("Unable to do partial parsing because ...", dbt's event I024).
        codes = dbt_log_codes(DBT_PROJECT_DIR / "target" / f"run-{result.run_id}")
        assert "I024" not in codes and "I040" in codes
    after = {t: sorted(map(repr, published(f"select * from {t}", root))) for t in tables}
    assert after == before


def test_dbt_tests_are_asset_checks_and_definitions_load(sample_run):
    defs = sample_run["defs"]
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "raw/posts",
        "raw/chats",
        "marts/posts",
        "marts/chat_activity",
        "marts/monthly_activity",
        "warehouse/published",
    } <= keys
    checks = {key.name for key in graph.asset_check_keys}
    assert any(name.startswith("unique") for name in checks)
    assert defs.resolve_schedule_def("monthly_schedule") and defs.resolve_sensor_def(
        "raw_directory_sensor"
    )


def test_schedule_builds_the_previous_month(sample_run):
    schedule = sample_run["defs"].resolve_schedule_def("monthly_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2023, 5, 2, 6, 0, tzinfo=ZoneInfo("Europe/London")),
        repository_def=sample_run["defs"].get_repository_def(),
    )
    (request,) = list(schedule.evaluate_tick(context).run_requests)
    assert request.partition_key == "2023-04-01"
    assert schedule.execution_timezone == "Europe/London" and schedule.cron_schedule == "0 6 2 * *"


def test_sensor_requests_the_month_of_each_new_file(sample_run):
    defs = sample_run["defs"]
    sensor = defs.resolve_sensor_def("raw_directory_sensor")
    resources = {"settings": defs.resources["settings"]}
    with dg.build_sensor_context(
        instance=sample_run["instance"],
        resources=resources,
        repository_def=defs.get_repository_def(),
    ) as context:
        result = sensor.evaluate_tick(context)
    assert sorted(r.partition_key for r in result.run_requests) == [
        "2023-01-01",
        "2023-02-01",
        "2023-03-01",
        "2023-04-01",
    ]
    with dg.build_sensor_context(
        instance=sample_run["instance"],
        resources=resources,
        cursor=result.cursor,
        repository_def=defs.get_repository_def(),
    ) as context:
        again = sensor.evaluate_tick(context)
    assert not again.run_requests
