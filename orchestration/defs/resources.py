"""Resources: the settings every asset reads, and the dbt CLI; both built from a `Settings`."""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

from orchestration.registry import Registry, load_registry
from orchestration.settings import DBT_PROJECT_DIR, ENV_PSEUDONYM_KEY, Settings, tool_path

# One pool for every asset that writes the working database: DuckDB allows one writer.
WAREHOUSE_POOL = "duckdb_warehouse"


class DbtBesideThisPython(DagsterDbtProjectPreparer):
    """Parses the project with the dbt installed beside this Python, so `dagster dev` started
    as `.venv/bin/dagster dev` works without the venv on PATH."""

    def prepare(self, project: DbtProject) -> None:
        dbt = DbtCliResource(project_dir=project, dbt_executable=tool_path("dbt"))
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is parsed on load; elsewhere `make dbt-parse` prepares it.
DbtBesideThisPython().prepare_if_dev(dbt_project)
if not dbt_project.manifest_path.exists():
    raise FileNotFoundError(
        f"{dbt_project.manifest_path}: the dbt manifest is missing; run `make dbt-parse` "
        "(or `cd dbt_project && ../.venv/bin/dbt parse --profiles-dir .`)."
    )


class SettingsResource(dg.ConfigurableResource):
    """The run's settings (orchestration/settings.py) as the assets see them."""

    raw_dir: str
    chats_file: str
    published_database: str
    out_dir: str
    pseudonymise: bool = False
    keep_pseudonym_map: bool = False
    # A dagster.EnvVar when set, so the secret never shows in the UI.
    pseudonym_key: str | None = None
    duckdb_memory: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "SettingsResource":
        return cls(
            raw_dir=str(settings.raw_dir),
            chats_file=str(settings.chats_file),
            published_database=str(settings.published_database),
            out_dir=str(settings.out_dir),
            pseudonymise=settings.pseudonymise,
            keep_pseudonym_map=settings.keep_pseudonym_map,
            pseudonym_key=dg.EnvVar(ENV_PSEUDONYM_KEY) if settings.pseudonym_key_set else None,
            duckdb_memory=settings.duckdb_memory,
        )

    def resolve(self) -> Settings:
        """These settings with paths as paths."""
        return Settings(
            raw_dir=Path(self.raw_dir),
            chats_file=Path(self.chats_file),
            published_database=Path(self.published_database),
            out_dir=Path(self.out_dir),
            pseudonymise=self.pseudonymise,
            keep_pseudonym_map=self.keep_pseudonym_map,
            duckdb_memory=self.duckdb_memory,
        )

    @property
    def build_database(self) -> Path:
        return self.resolve().build_database

    @property
    def out_dir_path(self) -> Path:
        return Path(self.out_dir)

    def registry(self) -> Registry:
        return load_registry(self.chats_file)


def build_resources(settings: Settings) -> dict:
    return {
        "settings": SettingsResource.from_settings(settings),
        "dbt": DbtCliResource(
            project_dir=dbt_project, profiles_dir=DBT_PROJECT_DIR, dbt_executable=tool_path("dbt")
        ),
    }
