"""The dbt models as Dagster assets: the archive-level models once a run, the chat-month
models for the partition's months, each selection one `dbt build`."""

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
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
from orchestration.quality import preload_great_expectations
from orchestration.settings import ENV_BUILD_DATABASE, ENV_DUCKDB_MEMORY
from orchestration.stamps import write_atomically


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


# What a dbt step tells dbt, through dbt's environment rather than --vars: dbt parses the whole
# project again whenever --vars change, while it re-reads these without parsing anything
# (profiles.yml renders the working database and memory cap, the settings' own variables
# ENV_BUILD_DATABASE and ENV_DUCKDB_MEMORY set to the run's values; macros/partitions.sql reads
# the months only when executing). So every step of every run of one warehouse reuses the
# parsed project.
ENV_MONTH_START = "TWEETCHAT_MONTH_START"
ENV_MONTH_END = "TWEETCHAT_MONTH_END"


def dbt_environment(settings, month_vars: Mapping[str, str]) -> dict[str, str | None]:
    """The variables a dbt step sets: the working database, DuckDB's memory cap and the months
    [month_start, month_end) of the run (None: unset, every month)."""
    return {
        ENV_BUILD_DATABASE: str(settings.build_database),
        ENV_DUCKDB_MEMORY: settings.duckdb_memory,
        ENV_MONTH_START: month_vars.get("month_start"),
        ENV_MONTH_END: month_vars.get("month_end"),
    }


@contextmanager
def environment(variables: Mapping[str, str | None]) -> Iterator[None]:
    """os.environ with `variables` set (None: removed) while dbt's process is started:
    DbtCliResource.cli gives dbt a copy of os.environ and takes no environment of its own."""
    before = {name: os.environ.get(name) for name in variables}
    try:
        for name, value in variables.items():
            _set_variable(name, value)
        yield
    finally:
        for name, value in before.items():
            _set_variable(name, value)


def _set_variable(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


# How long a run's dbt target folder (manifest, compiled SQL, run results) is kept.
TARGET_KEPT_SECONDS = 24 * 3600
# The parsed project (dbt's partial_parse.msgpack) is kept between runs, one a rendered
# profile (working database and memory cap: dbt parses in full when they change), for the
# warehouses last built.
PARSED_KEPT = 8


def parsed_project(targets: Path, variables: Mapping[str, str | None]) -> Path:
    """Where the parsed project of this profile is kept between runs."""
    profile = json.dumps([variables[ENV_BUILD_DATABASE], variables[ENV_DUCKDB_MEMORY]])
    return targets / "parsed" / f"{hashlib.sha256(profile.encode()).hexdigest()[:16]}.msgpack"


def reuse_parsed_project(kept: Path, target: Path) -> None:
    """Start the run's target folder from the kept parsed project (the run's own, once one of
    its steps has parsed, is newer): dbt then parses only the files that changed since."""
    own = target / "partial_parse.msgpack"
    if own.exists() or not kept.exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(kept, own)
        os.utime(kept)  # recently used: kept longer (PARSED_KEPT)
    except FileNotFoundError:  # replaced or removed meanwhile by another run: parse in full
        own.unlink(missing_ok=True)


def keep_parsed_project(target: Path, kept: Path) -> None:
    """Keep the run's parsed project for the next run: written aside then renamed, so a run
    starting meanwhile copies the old file or the new one, never half of one."""
    own = target / "partial_parse.msgpack"
    if not own.exists():
        return
    write_atomically(kept, own.read_bytes())
    others = sorted(kept.parent.glob("*.msgpack"), key=_modified, reverse=True)
    for older in others[PARSED_KEPT:]:
        older.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


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
    # The months and the profile go through the environment, not --vars, and the run starts
    # from the parsed project an earlier run of this warehouse kept: no step parses the project
    # in full unless a file of it changed (then dbt reparses that file) or dbt itself did.
    # The checks after the dbt steps need GX: imported meanwhile, while this step waits on dbt.
    preload_great_expectations()
    args = ["build", *extra]
    variables = dbt_environment(settings, month_vars)
    months = f"{month_vars['month_start']} to {month_vars['month_end']}" if month_vars else "all"
    context.log.info(f"dbt {' '.join(args)} (months {months})")
    targets = dbt_project.project_dir / dbt_project.target_path
    # Each run has its own target folder: dbt writes its manifest, run results and parsed
    # project there, and another instance (a second DAGSTER_HOME, a test) may be running dbt
    # in this project at the same time.
    target = targets / f"run-{context.run.run_id}"
    kept = parsed_project(targets, variables)
    reuse_parsed_project(kept, target)
    # Earlier runs' folders go once a day old. Not younger ones: that other instance may be
    # using its folder right now.
    for earlier in targets.glob("run-*"):
        try:
            stale = time.time() - earlier.stat().st_mtime > TARGET_KEPT_SECONDS
        except FileNotFoundError:  # removed meanwhile by another run
            continue
        if stale and earlier != target:
            shutil.rmtree(earlier, ignore_errors=True)
    with environment(variables):
        invocation = dbt.cli(args, context=context, target_path=target)
    yield from invocation.stream()
    keep_parsed_project(target, kept)


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
    # The months are the run's, unused by these models.
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
