"""Resources: the warehouse paths and the dbt CLI, configured from the environment."""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from orchestration import settings as settings_module
from orchestration.registry import Registry, load_registry
from orchestration.settings import DBT_PROJECT_DIR, Settings, tool_path

# One pool for every asset that writes the working database: DuckDB allows one writer.
WAREHOUSE_POOL = "duckdb_warehouse"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is parsed on load; elsewhere `make` or the CLI prepares it.
dbt_project.prepare_if_dev()


class WarehouseResource(dg.ConfigurableResource):
    """Paths of the raw exports, the registry, the warehouse files and the outputs."""

    raw_dir: str
    chats_file: str
    warehouse: str
    out_dir: str
    pseudonymise: bool = False

    @property
    def settings(self) -> Settings:
        return Settings(
            raw_dir=Path(self.raw_dir),
            chats_file=Path(self.chats_file),
            warehouse=Path(self.warehouse),
            out_dir=Path(self.out_dir),
            pseudonymise=self.pseudonymise,
        )

    @property
    def build_database(self) -> Path:
        return self.settings.build_database

    def registry(self) -> Registry:
        return load_registry(self.chats_file)


def build_resources() -> dict:
    current = settings_module.current_settings()
    return {
        "warehouse": WarehouseResource(
            raw_dir=str(current.raw_dir),
            chats_file=str(current.chats_file),
            warehouse=str(current.warehouse),
            out_dir=str(current.out_dir),
            pseudonymise=current.pseudonymise,
        ),
        "dbt": DbtCliResource(
            project_dir=dbt_project, profiles_dir=DBT_PROJECT_DIR, dbt_executable=tool_path("dbt")
        ),
    }
