"""The main job: registry, ingest, dbt models and checks, publish, for a range of months."""

import dagster as dg

from orchestration.defs.partitions import monthly_partitions

tweetchat_job = dg.define_asset_job(
    name="tweetchat_job",
    selection=dg.AssetSelection.all(),
    partitions_def=monthly_partitions,
    description="Everything for the chats of the selected months; a range runs as one run.",
    # One process: the steps share one DuckDB file, so parallel processes would only wait.
    executor_def=dg.in_process_executor,
)
