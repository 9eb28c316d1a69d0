"""Publishing: the checked working database replaces the analysts' copy in one step."""

import dagster as dg

from orchestration.defs.dbt import (
    tweetchat_dbt_analysis_models,
    tweetchat_dbt_archive_models,
    tweetchat_dbt_models,
)
from orchestration.defs.network import account_betweenness
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.warehouse import publish

PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="publish",
    kinds={"duckdb"},
    deps=[
        tweetchat_dbt_archive_models,
        tweetchat_dbt_models,
        account_betweenness,
        tweetchat_dbt_analysis_models,
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="The warehouse analysts query (--warehouse): an atomic copy of the working "
    "database, made only after every model and blocking check passed.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    current = settings.resolve()
    copied = publish(current.build_database, current.published_database)
    size = current.published_database.stat().st_size
    context.log.info(
        f"published {current.published_database} ({size / 1e6:.1f} MB)"
        if copied
        else f"{current.published_database} is already the working database: not copied"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(current.published_database)),
            "bytes": size,
            "copied": copied,
        }
    )
