"""Ingest assets: the chat registry and the raw export files, into the working database."""

import dagster as dg

from orchestration import markdown
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource
from orchestration.ingest import load_directory
from orchestration.registry import RegistryError
from orchestration.warehouse import connect, write_registry

REGISTRY_TABLES = {
    "chats": "The registry's chats: start (local and UTC), hour and window lengths.",
    "chat_hashtags": "Each chat's hashtags as written in chats.yaml.",
    "chat_hosts": "Each chat's host accounts.",
    "chat_questions": "Questions listed in chats.yaml, in order.",
    "chat_published": "Figures a published report gave, for reconciliation.",
}
EXPORT_TABLES = {
    "posts": "Every copy of a post in every loaded file (the canonical raw post).",
    "users": "Accounts as the exports describe them.",
    "polls": "Polls attached to posts.",
    "poll_options": "Poll options with their votes.",
    "loaded_files": "Each loaded file with its sha256, rows and rejects.",
    "rejected_records": "Input that could not be loaded, with file, line, field and reason.",
}


def raw_table_specs(tables: dict[str, str], **kwargs) -> list[dg.AssetSpec]:
    """One asset per raw table, keyed raw/<table> as the dbt sources expect."""
    return [
        dg.AssetSpec(key=["raw", name], description=text, group_name="ingest", **kwargs)
        for name, text in tables.items()
    ]


@dg.multi_asset(
    name="chat_registry",
    specs=raw_table_specs(REGISTRY_TABLES, kinds={"duckdb", "yaml"}),
    pool=WAREHOUSE_POOL,
    description="chats.yaml, checked and loaded into the raw registry tables.",
)
def chat_registry(context: dg.AssetExecutionContext, settings: SettingsResource):
    try:
        registry = settings.registry()
    except RegistryError as error:
        raise dg.Failure(description=str(error)) from error
    with connect(settings.build_database) as con:
        chats = write_registry(con, registry)
    context.log.info(f"registry {registry.path}: {chats} chats")
    for notice in registry.notices:
        context.log.warning(notice)
    metadata = {
        "registry_file": dg.MetadataValue.path(str(registry.path)),
        "chats": chats,
        "notices": dg.MetadataValue.md(
            "\n".join(f"- {markdown.escape(n)}" for n in registry.notices) or "none"
        ),
        "months": ", ".join(m.isoformat()[:7] for m in registry.months()),
    }
    for name in REGISTRY_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", name], metadata=metadata if name == "chats" else None
        )


# Not partitioned by month, like the registry: a file may hold any months, so every new file
# is loaded whichever months a run builds. (Partitioned, Dagster recorded the six tables
# once for every month of a run: about a thousand events, 8 s, in an 84-month build.)
@dg.multi_asset(
    name="raw_exports",
    specs=raw_table_specs(EXPORT_TABLES, kinds={"duckdb", "json"}),
    pool=WAREHOUSE_POOL,
    description="Export files of the raw directory, landed in the raw tables; raw.loaded_files "
    "keeps each file's sha256 so an unchanged file is not read again. A file may hold any "
    "months, so every new file is loaded whichever months a run builds.",
)
def raw_exports(context: dg.AssetExecutionContext, settings: SettingsResource):
    current = settings.resolve()
    with connect(current.build_database) as con:
        summary = load_directory(
            con, current.raw_dir, log=context.log.info, memory_limit=current.duckdb_memory
        )
        totals = con.execute(
            "select (select count(*) from raw.posts where section = 'data'), "
            "(select count(*) from raw.rejected_records), (select count(*) from raw.loaded_files)"
        ).fetchone()
    if summary.unreadable:
        context.log.warning(
            f"files of no known format (see raw.rejected_records): {summary.unreadable}"
        )
    context.log.info(
        f"{len(summary.loaded)} files loaded, {len(summary.skipped)} unchanged, "
        f"{summary.posts} posts landed, {summary.rejected} records rejected"
    )
    metadata = {
        **summary.as_metadata(),
        "raw_dir": dg.MetadataValue.path(str(current.raw_dir)),
        "posts_in_warehouse": totals[0],
        "rejected_in_warehouse": totals[1],
        "files_in_warehouse": totals[2],
    }
    for name in EXPORT_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", name], metadata=metadata if name == "posts" else None
        )
