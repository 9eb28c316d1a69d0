"""Where the warehouse reads and writes: one set of paths for the CLI, `dagster dev` and dbt.

Every setting is an environment variable (the CLI's options set them), so the UI and the
command line see the same files. Relative paths are read from the current directory.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SAMPLE_DIR = PROJECT_ROOT / "sample"

ENV_RAW = "TWEETCHAT_RAW"
ENV_CHATS = "TWEETCHAT_CHATS"
ENV_WAREHOUSE = "TWEETCHAT_WAREHOUSE"
ENV_OUT = "TWEETCHAT_OUT"
ENV_PSEUDONYMISE = "TWEETCHAT_PSEUDONYMISE"
ENV_BUILD_DATABASE = "TWEETCHAT_BUILD_DATABASE"
ENV_FIRST_MONTH = "TWEETCHAT_FIRST_MONTH"
ENV_DUCKDB_MEMORY = "TWEETCHAT_DUCKDB_MEMORY"
DEFAULT_DUCKDB_MEMORY = "2GB"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    chats_file: Path
    warehouse: Path
    out_dir: Path
    # Reports and charts show non-host handles as stable pseudonyms (orchestration/pseudonyms.py).
    pseudonymise: bool = False

    @property
    def build_database(self) -> Path:
        """The working database runs write; analysts read the published `warehouse` file."""
        return self.warehouse.parent / ".build" / self.warehouse.name

    def export_to_environment(self) -> None:
        """Make these settings the process's, so dbt and Dagster code read the same files."""
        os.environ[ENV_RAW] = str(self.raw_dir)
        os.environ[ENV_CHATS] = str(self.chats_file)
        os.environ[ENV_WAREHOUSE] = str(self.warehouse)
        os.environ[ENV_OUT] = str(self.out_dir)
        os.environ[ENV_PSEUDONYMISE] = "1" if self.pseudonymise else "0"


# DuckDB names a database after its file; these would clash with the warehouse's schemas.
RESERVED_DATABASE_NAMES = {
    "raw",
    "staging",
    "intermediate",
    "marts",
    "audit",
    "main",
    "temp",
    "system",
}


class SettingsError(ValueError):
    """A setting that cannot work; the message says which and what to do."""


def current_settings() -> Settings:
    """Settings from the environment, with the bundled sample as default."""
    settings = Settings(
        raw_dir=_path(ENV_RAW, SAMPLE_DIR / "raw"),
        chats_file=_path(ENV_CHATS, SAMPLE_DIR / "chats.yaml"),
        warehouse=_path(ENV_WAREHOUSE, PROJECT_ROOT / "warehouse" / "tweetchat.duckdb"),
        out_dir=_path(ENV_OUT, PROJECT_ROOT / "output"),
        pseudonymise=os.environ.get(ENV_PSEUDONYMISE, "0").lower() in ("1", "true", "yes"),
    )
    if settings.warehouse.stem.lower() in RESERVED_DATABASE_NAMES:
        raise SettingsError(
            f"{settings.warehouse}: a warehouse file may not be named {settings.warehouse.stem!r} "
            f"(DuckDB would confuse it with a schema); choose another name, e.g. tweetchat.duckdb."
        )
    return settings


def tool_path(name: str) -> str:
    """A command installed beside this Python (the project's venv), else the one on PATH."""
    for candidate in (Path(sys.executable).with_name(name), Path(sys.prefix) / "bin" / name):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name) or name


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser().resolve() if value else default
