"""Publishing: the checked working database replaces the analysts' copy in one step."""

import dagster as dg

from orchestration.defs.dbt import tweetchat_dbt_analysis_models, tweetchat_dbt_models
from orchestration.defs.network import account_betweenness
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.warehouse import publish

PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="publish",
    kinds={"duckdb"},
    deps=[tweetchat_dbt_models, account_betweenness, tweetchat_dbt_analysis_models],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="The warehouse analysts query (--warehouse): an atomic copy of the working "
    "database, made only after every model and blocking check passed.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    settings = warehouse.settings
    size = publish(settings.build_database, settings.warehouse)
    context.log.info(f"published {settings.warehouse} ({size / 1e6:.1f} MB)")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(settings.warehouse)), "bytes": size}
    )
