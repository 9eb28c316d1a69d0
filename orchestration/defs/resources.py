"""Resources: the settings every asset reads, and the dbt CLI; both built from a `Settings`."""

from functools import cached_property
from importlib.metadata import version as package_version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from packaging.version import Version

from orchestration.registry import Registry, load_registry
from orchestration.settings import DBT_PROJECT_DIR, ENV_PSEUDONYM_KEY, Settings, tool_path

# One pool for every asset that writes the working database: DuckDB allows one writer.
WAREHOUSE_POOL = "duckdb_warehouse"


class TweetchatDbtResource(DbtCliResource):
    """The dbt CLI beside this Python, started without two costs of DbtCliResource that these
    steps do not use (about 3 s a dbt step each on the sample, docs/benchmarks.md "Fixed costs
    of a dbt step"): a `dbt --version` process to learn the version (dbt-core's installed
    package says it: the executable is this environment's), and a dbt adapter built in
    Dagster's own process, which dagster-dbt needs only to fetch row counts or column metadata
    after each model (no step asks for them)."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(package_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


class DbtBesideThisPython(DagsterDbtProjectPreparer):
    """Parses the project with the dbt installed beside this Python, so `dagster dev` started
    as `.venv/bin/dagster dev` works without the venv on PATH."""

    def prepare(self, project: DbtProject) -> None:
        dbt = TweetchatDbtResource(project_dir=project, dbt_executable=tool_path("dbt"))
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
    themes_file: str | None = None
    pseudonymise: bool = False
    keep_pseudonym_map: bool = False
    # A dagster.EnvVar when set, so the secret never shows in the UI.
    pseudonym_key: str | None = None
    duckdb_memory: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "SettingsResource":
        values = settings.as_dict()
        return cls(
            **{name: values[name] for name in SETTINGS_FIELDS},
            pseudonym_key=dg.EnvVar(ENV_PSEUDONYM_KEY) if settings.pseudonym_key_set else None,
        )

    def resolve(self) -> Settings:
        """These settings with paths as paths."""
        return Settings.from_dict({name: getattr(self, name) for name in SETTINGS_FIELDS})

    @property
    def build_database(self) -> Path:
        return self.resolve().build_database

    @property
    def out_dir_path(self) -> Path:
        return Path(self.out_dir)

    def registry(self) -> Registry:
        return load_registry(self.chats_file)


# The settings a run needs (not where Dagster keeps its runs, nor the first partition).
SETTINGS_FIELDS = (
    "raw_dir",
    "chats_file",
    "published_database",
    "out_dir",
    "themes_file",
    "pseudonymise",
    "keep_pseudonym_map",
    "duckdb_memory",
)


def build_resources(settings: Settings) -> dict:
    return {
        "settings": SettingsResource.from_settings(settings),
        "dbt": TweetchatDbtResource(
            project_dir=dbt_project, profiles_dir=DBT_PROJECT_DIR, dbt_executable=tool_path("dbt")
        ),
    }
