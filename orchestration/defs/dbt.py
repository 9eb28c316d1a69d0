"""The dbt models as Dagster assets: the archive-level models once a run, the chat-month
models for the partition's months, each selection one `dbt build`."""

import json
import shutil
import time
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.defs.partitions import dbt_vars, monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource, dbt_project


class TweetchatTranslator(DagsterDbtTranslator):
    """Models and sources are keyed by schema and name (marts/posts, raw/posts,
    analysis/account_betweenness,
    analysis/themes): a source's key is the asset that writes it."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey([props["schema"], props["name"]]))
        if props["resource_type"] in ("model", "seed", "snapshot"):
            layer = props["fqn"][1] if len(props["fqn"]) > 2 else "dbt"
            return spec.replace_attributes(
                key=dg.AssetKey([props["schema"], props["name"]]), group_name=layer
            )
        return spec


translator = TweetchatTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_build_args(vars_: Mapping[str, str]) -> list[str]:
    return ["build", "--vars", json.dumps(dict(vars_), sort_keys=True)]


# Models that read what a Python asset computed (dbt sources of the `analysis` schema) build
# in a later dbt step, after that asset: docs/warehouse.md "Python measures, dbt figures".
# Separate selections rather than one subsettable multi-asset that Dagster would split around
# the Python asset (it also split the seeds off, for three dbt invocations a run).
AFTER_ANALYSIS = "source:analysis+"
# Models over the whole archive (tag `archive`: staging views, seeds, the deduplicated posts):
# Dagster records one materialisation of each a run, not one a month, so a run of many months
# spends less time writing events (docs/benchmarks.md, "Archive models unpartitioned"). They
# read no `monthly` model, so their step comes first (tests/test_dbt_selections.py). The rest
# is tagged `monthly` and selected by its tag, not by excluding `archive`: an excluded model
# takes the tests that read it along (dbt's eager indirect selection), and the relationship
# tests from the marts to `stg_registry__chats` would then run nowhere.
ARCHIVE = "tag:archive"
MONTHLY = "tag:monthly"


def dbt_profile_vars(settings: SettingsResource) -> dict[str, str]:
    """The vars profiles.yml reads: the working database and DuckDB's memory cap."""
    return {
        "build_database": str(settings.build_database),
        "duckdb_memory": settings.duckdb_memory,
    }


# How long a run's dbt target folder (manifest, compiled SQL, run results) is kept.
TARGET_KEPT_SECONDS = 24 * 3600


def run_month_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The month vars of the run's partition or range (none for a run of no partition)."""
    tags = context.run.tags
    first = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    last = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not (first and last):
        return {}
    return dbt_vars(
        monthly_partitions.time_window_for_partition_key(first).start,
        monthly_partitions.time_window_for_partition_key(last).end,
    )


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings,
    month_vars: Mapping[str, str],
    extra: tuple[str, ...] = (),
):
    # Every dbt step of a run passes the same vars and shares one target folder, so only the
    # run's first dbt invocation parses the project in full and the others reuse its
    # partial_parse.msgpack (dbt parses everything again when the vars or the profile change).
    args = [*dbt_build_args({**month_vars, **dbt_profile_vars(settings)}), *extra]
    context.log.info(f"dbt {' '.join(args)}")
    targets = dbt_project.project_dir / dbt_project.target_path
    target = targets / f"run-{context.run.run_id}"
    # Earlier runs' folders go once a day old (a later run parses afresh anyway: its vars
    # differ). Not younger ones: another instance (a second DAGSTER_HOME, a test) may be
    # running dbt in its own folder of this project right now.
    for earlier in targets.glob("run-*"):
        try:
            stale = time.time() - earlier.stat().st_mtime > TARGET_KEPT_SECONDS
        except FileNotFoundError:  # removed meanwhile by another run
            continue
        if stale and earlier != target:
            shutil.rmtree(earlier, ignore_errors=True)
    yield from dbt.cli(args, context=context, target_path=target).stream()


# What the selections share: one manifest, the one DuckDB writer.
DBT_ASSETS_OPTIONS = {
    "manifest": dbt_project.manifest_path,
    "project": dbt_project,
    "dagster_dbt_translator": translator,
    "pool": WAREHOUSE_POOL,
}
# The chat-month models: built for the run's months.
PARTITIONED = {
    **DBT_ASSETS_OPTIONS,
    "partitions_def": monthly_partitions,
    "backfill_policy": dg.BackfillPolicy.single_run(),
}


@dbt_assets(select=ARCHIVE, name="tweetchat_dbt_archive_models", **DBT_ASSETS_OPTIONS)
def tweetchat_dbt_archive_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource
):
    # Cautious: a test that also reads a chat-month model (a relationship from a mart to a
    # staging view) runs in the step that builds that model, not here before it exists.
    # The month vars are the run's, unused by these models, the same as the other steps'.
    cautious = ("--indirect-selection", "cautious")
    yield from _dbt_build(context, dbt, settings, run_month_vars(context), cautious)


@dbt_assets(select=MONTHLY, exclude=AFTER_ANALYSIS, **PARTITIONED)
def tweetchat_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource
):
    yield from _dbt_build(context, dbt, settings, run_month_vars(context))


@dbt_assets(select=AFTER_ANALYSIS, name="tweetchat_dbt_analysis_models", **PARTITIONED)
def tweetchat_dbt_analysis_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource
):
    yield from _dbt_build(context, dbt, settings, run_month_vars(context))
