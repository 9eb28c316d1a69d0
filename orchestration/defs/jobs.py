"""The main job: registry, ingest, dbt models and checks, publish, for a range of months."""

import dagster as dg

from orchestration.defs.checks import quality_checks
from orchestration.defs.dbt import tweetchat_dbt_analysis_models, tweetchat_dbt_models
from orchestration.defs.publish import PUBLISHED_KEY
from orchestration.defs.reports import CHARTS_KEY, REPORTS_KEY
from orchestration.defs.transcripts import TRANSCRIPTS_KEY
from orchestration.runs import tweetchat_executor

# Runs of one lane go one at a time (dagster.yaml); live collection has its own lane.
WAREHOUSE_LANE = {"tweetchat/lane": "warehouse"}

tweetchat_job = dg.define_asset_job(
    name="tweetchat_job",
    selection=dg.AssetSelection.all(),
    description="Everything for the chats of the selected months; a range runs as one run.",
    # One process (the steps share one DuckDB file), which recovers interrupted runs first.
    executor_def=tweetchat_executor,
    tags=WAREHOUSE_LANE,
)

tweetchat_warehouse_job = dg.define_asset_job(
    name="tweetchat_warehouse_job",
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(CHARTS_KEY, REPORTS_KEY, TRANSCRIPTS_KEY),
    description="The warehouse without the charts and reports (`tweetchat run --no-reports`): "
    "for a backfill of many months whose reports nobody needs redrawn.",
    executor_def=tweetchat_executor,
    tags=WAREHOUSE_LANE,
)

# The marts' own dbt data_tests (single-column rules, keys) run again with the GX suites.
MART_KEYS = [
    key
    for models in (tweetchat_dbt_models, tweetchat_dbt_analysis_models)
    for key in models.keys
    if key.path[0] == "marts"
]

tweetchat_check_job = dg.define_asset_job(
    name="tweetchat_check_job",
    selection=dg.AssetSelection.checks(*quality_checks)
    | dg.AssetSelection.checks_for_assets(*MART_KEYS)
    | dg.AssetSelection.assets(PUBLISHED_KEY, CHARTS_KEY, REPORTS_KEY, TRANSCRIPTS_KEY),
    description="Validate the working database as built (no ingest, no dbt build: the GX "
    "suites and the marts' dbt tests); when no blocking check fails, publish it and render "
    "the charts and reports.",
    executor_def=tweetchat_executor,
    tags=WAREHOUSE_LANE,
)
