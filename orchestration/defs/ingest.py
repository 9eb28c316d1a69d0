"""Ingest assets: the chat registry and the raw export files, into the working database."""

from __future__ import annotations

import dagster as dg

from orchestration.ingest import load_directory
from orchestration.registry import RegistryError
from orchestration.warehouse import connect, write_registry
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, WarehouseResource

CHAT_REGISTRY_KEY = dg.AssetKey(["raw", "chat_registry"])
RAW_EXPORTS_KEY = dg.AssetKey(["raw", "exports"])


@dg.asset(
    key=CHAT_REGISTRY_KEY,
    group_name="ingest",
    kinds={"duckdb", "yaml"},
    pool=WAREHOUSE_POOL,
    description="chats.yaml, checked and loaded into raw.chats, raw.chat_hashtags, "
    "raw.chat_hosts, raw.chat_questions and raw.chat_published.",
)
def chat_registry(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    try:
        registry = warehouse.registry()
    except RegistryError as error:
        raise dg.Failure(description=str(error)) from error
    with connect(warehouse.build_database) as con:
        chats = write_registry(con, registry)
    context.log.info(f"registry {registry.path}: {chats} chats")
    return dg.MaterializeResult(
        metadata={
            "registry_file": dg.MetadataValue.path(str(registry.path)),
            "chats": chats,
            "months": ", ".join(m.isoformat()[:7] for m in registry.months()),
        }
    )


@dg.asset(
    key=RAW_EXPORTS_KEY,
    group_name="ingest",
    kinds={"duckdb", "json"},
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="Export files of the raw directory, landed in raw.posts, raw.users, raw.polls, "
    "raw.poll_options and raw.rejected_records; raw.loaded_files keeps each file's sha256 so "
    "an unchanged file is not read again. Files hold any months, so every new file is loaded.",
)
def raw_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings
    with connect(warehouse.build_database) as con:
        summary = load_directory(con, settings.raw_dir, log=context.log.info)
        totals = con.execute(
            "select (select count(*) from raw.posts where section = 'data'), "
            "(select count(*) from raw.rejected_records), (select count(*) from raw.loaded_files)"
        ).fetchone()
    if summary.unreadable:
        context.log.warning(f"files of no known format (see raw.rejected_records): {summary.unreadable}")
    context.log.info(
        f"{len(summary.loaded)} files loaded, {len(summary.skipped)} unchanged, "
        f"{summary.posts} posts landed, {summary.rejected} records rejected"
    )
    return dg.MaterializeResult(
        metadata={
            **summary.as_metadata(),
            "raw_dir": dg.MetadataValue.path(str(settings.raw_dir)),
            "posts_in_warehouse": totals[0],
            "rejected_in_warehouse": totals[1],
            "files_in_warehouse": totals[2],
        }
    )
