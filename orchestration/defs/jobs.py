"""The main job: registry, ingest, dbt models and checks, publish, for a range of months."""

import dagster as dg

from orchestration.defs.checks import quality_checks
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.publish import PUBLISHED_KEY
from orchestration.defs.reports import CHARTS_KEY, REPORTS_KEY
from orchestration.runs import tweetchat_executor

tweetchat_job = dg.define_asset_job(
    name="tweetchat_job",
    selection=dg.AssetSelection.all(),
    partitions_def=monthly_partitions,
    description="Everything for the chats of the selected months; a range runs as one run.",
    # One process (the steps share one DuckDB file), which recovers interrupted runs first.
    executor_def=tweetchat_executor,
)

tweetchat_warehouse_job = dg.define_asset_job(
    name="tweetchat_warehouse_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(CHARTS_KEY, REPORTS_KEY),
    partitions_def=monthly_partitions,
    description="The warehouse without the charts and reports (`tweetchat run --no-reports`): "
    "for a backfill of many months whose reports nobody needs redrawn.",
    executor_def=tweetchat_executor,
)

tweetchat_check_job = dg.define_asset_job(
    name="tweetchat_check_job",
    selection=dg.AssetSelection.checks(*quality_checks)
    | dg.AssetSelection.assets(PUBLISHED_KEY, CHARTS_KEY, REPORTS_KEY),
    partitions_def=monthly_partitions,
    description="Validate the working database as built (no ingest, no dbt); when no "
    "blocking check fails, publish it and render the charts and reports.",
    executor_def=tweetchat_executor,
)
