"""Scaling out, first step: the dbt project builds on Spark (dbt-spark, a local session) from the
sample warehouse's raw tables, runs every data test there, and gives the same marts."""

import shutil

import duckdb
import pytest

from benchmarks import spark_marts


@pytest.fixture(scope="module")
def on_spark(sample_run, tmp_path_factory):
    warehouse = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    work = tmp_path_factory.mktemp("spark")
    return {"warehouse": warehouse, "work": work, "result": spark_marts.run(warehouse, work, [])}


def test_every_mart_builds_on_spark_with_the_same_rows(on_spark):
    result = on_spark["result"]
    (build,) = result["spark"]["builds"]
    assert build["ok"] and build["failed"] == [] and build["skipped"] == 0
    assert result["spark"]["spark"].startswith("4.")
    marts = result["marts"]
    assert sorted(marts) == spark_marts.dbt_marts()
    assert {"chat_activity", "posts", "question_keywords", "shared_links"} <= set(marts)
    for table, figures in marts.items():
        assert figures["duckdb_rows"] == figures["spark_rows"], table
        assert figures["only_in_duckdb"] == 0 and figures["only_in_spark"] == 0, table
    assert marts["posts"]["duckdb_rows"] > 3000 and marts["question_keywords"]["duckdb_rows"] > 0
    assert result["identical"]


def test_the_comparison_sees_a_changed_row(on_spark, tmp_path):
    changed = tmp_path / "changed.duckdb"
    shutil.copy(on_spark["warehouse"], changed)
    with duckdb.connect(str(changed)) as con:
        con.execute(
            "update marts.chat_activity set contributors = contributors + 1"
            " where chat_id = (select min(chat_id) from marts.chat_activity)"
            " and scope = 'hour'"
        )
    comparison = spark_marts.compare_marts(changed, on_spark["work"] / "marts")
    assert comparison["chat_activity"]["only_in_duckdb"] == 1
    assert comparison["chat_activity"]["only_in_spark"] == 1
    assert comparison["posts"]["only_in_duckdb"] == 0
