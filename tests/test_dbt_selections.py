"""The dbt selections: archive-level models once a run, chat-month models per month, and
each selection one dbt step of the job (orchestration/defs/dbt.py)."""

import json
from collections import Counter

from orchestration.defs.dbt import (
    tweetchat_dbt_analysis_models,
    tweetchat_dbt_archive_models,
    tweetchat_dbt_models,
)
from orchestration.defs.resources import dbt_project

SELECTIONS = (tweetchat_dbt_archive_models, tweetchat_dbt_models, tweetchat_dbt_analysis_models)


def manifest_nodes() -> dict:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return manifest["nodes"]


def test_every_model_is_archive_or_monthly_and_archive_reads_only_archive():
    nodes = manifest_nodes()
    built = {uid: node for uid, node in nodes.items() if node["resource_type"] in ("model", "seed")}
    for uid, node in built.items():
        assert sorted(node["tags"]) in (["archive"], ["monthly"]), (uid, node["tags"])
    archive = {uid for uid, node in built.items() if "archive" in node["tags"]}
    assert archive, "no model is tagged archive"
    for uid in archive:
        node = built[uid]
        # A chat-month model (incremental on the month) is never archive-level.
        assert node["config"]["materialized"] != "incremental", uid
        parents = node["depends_on"].get("nodes", [])
        read = [parent for parent in parents if parent in built]
        assert all(parent in archive for parent in read), (uid, read)
        assert not any(parent.startswith("source.tweetchat.analysis") for parent in parents), uid


def test_archive_assets_are_unpartitioned_and_the_rest_partitioned():
    assert tweetchat_dbt_archive_models.partitions_def is None
    assert tweetchat_dbt_models.partitions_def is not None
    assert tweetchat_dbt_analysis_models.partitions_def is not None
    keys = [key for selection in SELECTIONS for key in selection.keys]
    assert len(keys) == len(set(keys)), "a model is in two selections"
    archive = {key.to_user_string() for key in tweetchat_dbt_archive_models.keys}
    assert {"staging/stg_exports__posts", "intermediate/int_posts__deduplicated"} <= archive
    assert not any(key.startswith("marts/") for key in archive)


def test_each_dbt_selection_is_one_step_of_the_job(sample_run):
    """Dagster splits a multi-asset into more steps (more dbt starts) when the graph needs it."""
    defs = sample_run["defs"]
    for name in ("tweetchat_job", "tweetchat_warehouse_job"):
        nodes = [n for n in defs.resolve_job_def(name).graph.node_names() if "dbt" in n]
        assert sorted(nodes) == sorted(s.node_def.name for s in SELECTIONS), (name, nodes)


def test_a_range_run_materialises_archive_models_once_and_marts_per_month(sample_run):
    result = sample_run["result"]
    assert result.success
    events = Counter(
        (event.asset_key.to_user_string(), event.partition)
        for event in result.get_asset_materialization_events()
    )
    assert events[("staging/stg_exports__posts", None)] == 1
    assert events[("intermediate/int_posts__known", None)] == 1
    posts_months = sorted(p for (key, p) in events if key == "marts/posts")
    assert posts_months == ["2023-01-01", "2023-02-01", "2023-03-01", "2023-04-01"]
    # Every dbt test ran, once: none is lost between the steps (a test reading an archive
    # model and a monthly one runs in the monthly step).
    checks = Counter(e.asset_check_key for e in result.get_asset_check_evaluations())
    dbt_checks = {key for selection in SELECTIONS for key in selection.check_keys}
    assert {key: checks[key] for key in dbt_checks if checks[key] != 1} == {}
    assert any(key.name.startswith("relationships_posts_chat_id") for key in dbt_checks)
