"""The one Dagster entry point: `dagster dev -w workspace.yaml` and the CLI load these."""

import dagster as dg

from orchestration.defs.checks import quality_checks
from orchestration.defs.collect import collect_job, live_collection_schedule
from orchestration.defs.dbt import (
    tweetchat_dbt_analysis_models,
    tweetchat_dbt_archive_models,
    tweetchat_dbt_models,
)
from orchestration.defs.ingest import chat_registry, raw_exports
from orchestration.defs.jobs import tweetchat_check_job, tweetchat_job, tweetchat_warehouse_job
from orchestration.defs.network import account_betweenness
from orchestration.defs.publish import published_warehouse
from orchestration.defs.reports import charts, chat_reports
from orchestration.defs.resources import build_resources
from orchestration.defs.schedules import monthly_schedule
from orchestration.defs.sensors import raw_directory_sensor
from orchestration.defs.themes import question_theme_drafts
from orchestration.defs.transcripts import transcripts
from orchestration.runs import tweetchat_executor
from orchestration.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """The definitions with resources from `settings` (default: the environment's)."""
    return dg.Definitions(
        assets=[
            chat_registry,
            raw_exports,
            tweetchat_dbt_archive_models,
            tweetchat_dbt_models,
            tweetchat_dbt_analysis_models,
            account_betweenness,
            question_theme_drafts,
            published_warehouse,
            charts,
            chat_reports,
            transcripts,
        ],
        asset_checks=quality_checks,
        jobs=[tweetchat_job, tweetchat_warehouse_job, tweetchat_check_job, collect_job],
        schedules=[monthly_schedule, live_collection_schedule],
        sensors=[raw_directory_sensor],
        resources=build_resources(settings or Settings.from_environment()),
        # Assets materialised from the UI's graph run like the jobs, recovery included.
        executor=tweetchat_executor,
    )


def settings_job(settings: dict, job_name: str) -> dg.JobDefinition:
    """A job of the definitions built from `settings` (Settings.as_dict()): what the CLI
    launches with `dagster.execute_job`, which runs it with the job's own executor."""
    return build_definitions(Settings.from_dict(settings)).resolve_job_def(job_name)


defs = build_definitions()
