"""The dbt models as Dagster assets; each run builds the partition's months with `dbt build`."""

import json
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
# in a second dbt step, after that asset: docs/warehouse.md "Python measures, dbt figures". Two
# selections rather than one subsettable multi-asset that Dagster would split around the
# Python asset (it also split the seeds off, for three dbt invocations a run).
AFTER_ANALYSIS = "source:analysis+"


def dbt_profile_vars(settings: SettingsResource) -> dict[str, str]:
    """The vars profiles.yml reads: the working database and DuckDB's memory cap."""
    return {
        "build_database": str(settings.build_database),
        "duckdb_memory": settings.duckdb_memory,
    }


def _dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings):
    window = context.partition_time_window
    args = dbt_build_args({**dbt_vars(window.start, window.end), **dbt_profile_vars(settings)})
    context.log.info(f"dbt {' '.join(args)}")
    yield from dbt.cli(args, context=context).stream()


# What both selections share: one manifest, the month partitions, the one DuckDB writer.
DBT_ASSETS_OPTIONS = {
    "manifest": dbt_project.manifest_path,
    "project": dbt_project,
    "dagster_dbt_translator": translator,
    "partitions_def": monthly_partitions,
    "backfill_policy": dg.BackfillPolicy.single_run(),
    "pool": WAREHOUSE_POOL,
}


@dbt_assets(exclude=AFTER_ANALYSIS, **DBT_ASSETS_OPTIONS)
def tweetchat_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource
):
    yield from _dbt_build(context, dbt, settings)


@dbt_assets(select=AFTER_ANALYSIS, name="tweetchat_dbt_analysis_models", **DBT_ASSETS_OPTIONS)
def tweetchat_dbt_analysis_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource
):
    yield from _dbt_build(context, dbt, settings)
