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
    """Models and sources are keyed by schema and name (marts/posts, raw/posts)."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", props["name"]]))
        if props["resource_type"] in ("model", "seed", "snapshot"):
            layer = props["fqn"][1] if len(props["fqn"]) > 2 else "dbt"
            return spec.replace_attributes(
                key=dg.AssetKey([props["schema"], props["name"]]), group_name=layer
            )
        return spec


translator = TweetchatTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_build_args(vars_: Mapping[str, str]) -> list[str]:
    return ["build", "--vars", json.dumps(dict(vars_), sort_keys=True)]


def dbt_profile_vars(settings: SettingsResource) -> dict[str, str]:
    """The vars profiles.yml reads: the working database and DuckDB's memory cap."""
    return {
        "build_database": str(settings.build_database),
        "duckdb_memory": settings.duckdb_memory,
    }


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def tweetchat_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource
):
    window = context.partition_time_window
    args = dbt_build_args({**dbt_vars(window.start, window.end), **dbt_profile_vars(settings)})
    context.log.info(f"dbt {' '.join(args)}")
    yield from dbt.cli(args, context=context).stream()
