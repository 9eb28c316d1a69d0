"""Great Expectations checks: a clean sample run passes; each tampering is caught by its check.

The sample's April is built once by the real job; each test then tampers with a fresh copy
of the working database and runs `tweetchat_check_job` (the checks and what is downstream
of them, without rebuilding), as `tweetchat check` does.
"""

import shutil

import dagster as dg
import duckdb
import pytest

from orchestration import cli, markdown
from tests.conftest import query, sample_environment, sample_variables

APRIL = "2023-04-01"
CHAT = "leadingqi-2023-04"


@pytest.fixture(scope="module")
def april(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality")
    defs, instance = sample_environment(root)
    result = defs.resolve_job_def("tweetchat_job").execute_in_process(
        instance=instance, partition_key=APRIL
    )
    build = root / "warehouse" / ".build" / "tweetchat.duckdb"
    pristine = root / "pristine.duckdb"
    shutil.copy(build, pristine)
    yield {
        "root": root,
        "defs": defs,
        "instance": instance,
        "result": result,
        "build": build,
        "pristine": pristine,
        "published": root / "warehouse" / "tweetchat.duckdb",
    }


def tamper_and_check(april, *statements):
    """Restore the clean build, apply `statements`, run the check job; failed checks by name."""
    shutil.copy(april["pristine"], april["build"])
    with duckdb.connect(str(april["build"])) as con:
        for statement in statements:
            con.execute(statement)
    published_before = april["published"].stat().st_mtime_ns
    result = (
        april["defs"]
        .resolve_job_def("tweetchat_check_job")
        .execute_in_process(instance=april["instance"], partition_key=APRIL, raise_on_error=False)
    )
    failed = {
        e.check_name: e.severity for e in result.get_asset_check_evaluations() if not e.passed
    }
    republished = april["published"].stat().st_mtime_ns != published_before
    return result, failed, republished


def test_clean_run_passes_every_expectation(april):
    assert april["result"].success
    rows = query(
        april["published"],
        "select suite, expectation, success, severity, observed from audit.validation_results",
    )
    assert len(rows) >= 12
    assert [r for r in rows if not r[2]] == []
    assert {r[0] for r in rows} >= {
        "chat_activity",
        "monthly_activity",
        "posts",
        "poll_results",
        "question_responses",
        "published_figures",
        "series_volume",
        "rejected_input",
    }
    evaluations = april["result"].get_asset_check_evaluations()
    gx = [e for e in evaluations if e.check_name == "poll_results"]
    table = gx[0].metadata["results"].value
    assert gx[0].passed and markdown.escape("expect_column_pair_values_to_be_equal") in table
    quality = april["root"] / "output" / "quality"
    assert (quality / f"run-{april['result'].run_id}.html").exists()
    assert not (quality / "gx").exists()


def test_changed_retweet_count_fails_the_activity_checks_and_publishes_nothing(april):
    result, failed, republished = tamper_and_check(
        april,
        f"update marts.chat_activity set retweets = retweets + 1 "
        f"where chat_id = '{CHAT}' and scope = 'window'",
    )
    assert failed["chat_activity"] == dg.AssetCheckSeverity.ERROR
    assert failed["monthly_activity"] == dg.AssetCheckSeverity.ERROR
    assert failed["published_figures"] == dg.AssetCheckSeverity.WARN
    assert "poll_results" not in failed and "posts" not in failed
    assert not result.success and not republished
    assert not [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]


def test_changed_poll_votes_fail_the_poll_check(april):
    result, failed, republished = tamper_and_check(
        april,
        f"update marts.poll_results set votes = votes + 5 "
        f"where chat_id = '{CHAT}' and total_votes = 177 and option_position = 2",
    )
    assert set(failed) == {"poll_results"}
    assert not result.success and not republished


def test_duplicated_post_fails_the_posts_key_test_and_publishes_nothing(april):
    # The key is the mart's own rule (a dbt data_test in posts.yml), which the check job runs
    # again beside the GX suites.
    result, failed, republished = tamper_and_check(
        april,
        f"insert into marts.posts select * from marts.posts where chat_id = '{CHAT}' "
        "and not is_retweet order by post_id limit 1",
    )
    assert failed.get("unique_combination_posts_chat_id__post_id") == dg.AssetCheckSeverity.ERROR
    assert not result.success and not republished


def test_post_outside_its_window_fails_the_posts_suite(april):
    result, failed, republished = tamper_and_check(
        april,
        f"update marts.posts set created_at = created_at + interval 30 day "
        f"where chat_id = '{CHAT}' and post_id = (select min(post_id) from marts.posts "
        f"where chat_id = '{CHAT}')",
    )
    assert failed.get("posts") == dg.AssetCheckSeverity.ERROR
    assert not result.success and not republished
    observed = query(
        april["build"],
        "select batch, expectation, observed from audit.validation_results "
        "where suite = 'posts' and not success",
    )
    assert {batch for batch, *_ in observed} == {"posts_in_chat"}
    assert any("inside_window" in expectation for _, expectation, _ in observed)


def test_published_figure_mismatch_warns_and_still_publishes(april):
    result, failed, republished = tamper_and_check(
        april,
        f"update raw.chat_published set published_value = 999 "
        f"where chat_id = '{CHAT}' and measure = 'originals'",
    )
    assert failed == {"published_figures": dg.AssetCheckSeverity.WARN}
    assert result.success and republished
    observed = query(
        april["published"],
        "select observed from audit.validation_results where suite = 'published_figures' "
        "and not success",
    )
    assert "published_value=999" in observed[-1][0] and "computed_value=356" in observed[-1][0]
    # The report is finished, and its data-quality note shows both numbers.
    report = (april["root"] / "output" / CHAT / "report.html").read_text()
    section = report[report.index('id="data-quality"') :]
    assert "published_figures" in section and "published_value=999" in section


def test_cli_exits_non_zero_on_a_failed_count_and_zero_on_a_warning(april, capsys, monkeypatch):
    # The command's environment: its process would be started with these variables.
    for name, value in sample_variables(april["root"]).items():
        monkeypatch.setenv(name, value)
    shutil.copy(april["pristine"], april["build"])
    with duckdb.connect(str(april["build"])) as con:
        con.execute(f"update marts.chat_activity set posts = posts + 2 where chat_id = '{CHAT}'")
    assert cli.main(["check", "--month", "2023-04"]) == 1
    err = capsys.readouterr().err
    assert "check failed: marts/chat_activity chat_activity" in err
    assert "originals_plus_retweets" in err and "nothing downstream" in err

    shutil.copy(april["pristine"], april["build"])
    with duckdb.connect(str(april["build"])) as con:
        con.execute(f"update raw.chat_published set published_value = 1 where chat_id = '{CHAT}'")
    assert cli.main(["check", "--month", "2023-04"]) == 0
    err = capsys.readouterr().err
    assert "warning: marts/chat_activity published_figures" in err
