"""Where the warehouse reads and writes: the one module that reads the environment.

`Settings.from_environment()` reads every TWEETCHAT_* variable (and DAGSTER_HOME) once;
the CLI passes its options as overrides, `dagster dev` loads the definitions with the
environment's. Everything else receives a `Settings` (the Dagster resources are built from
it in orchestration/defs/resources.py) and never looks at `os.environ`. Relative paths are
read from the current directory.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SAMPLE_DIR = PROJECT_ROOT / "sample"
# The Dagster instance configuration every run gets (run queue, pool, run monitoring).
INSTANCE_CONFIG = PROJECT_ROOT / "dagster.yaml"

ENV_RAW = "TWEETCHAT_RAW"
ENV_CHATS = "TWEETCHAT_CHATS"
ENV_WAREHOUSE = "TWEETCHAT_WAREHOUSE"
ENV_OUT = "TWEETCHAT_OUT"
ENV_PSEUDONYMISE = "TWEETCHAT_PSEUDONYMISE"
ENV_PSEUDONYM_KEY = "TWEETCHAT_PSEUDONYM_KEY"
# Set to 1 to keep handle -> pseudonym in audit.pseudonyms (off: the warehouse keeps none).
ENV_PSEUDONYM_MAP = "TWEETCHAT_PSEUDONYM_MAP"
ENV_FIRST_MONTH = "TWEETCHAT_FIRST_MONTH"
# The analyst's theme edits (default: themes.yaml beside the chat registry).
ENV_THEMES = "TWEETCHAT_THEMES"
ENV_DUCKDB_MEMORY = "TWEETCHAT_DUCKDB_MEMORY"
ENV_DAGSTER_HOME = "DAGSTER_HOME"
# profiles.yml reads it; a run's dbt steps set it to the run's working database.
ENV_BUILD_DATABASE = "TWEETCHAT_BUILD_DATABASE"
DEFAULT_DUCKDB_MEMORY = "2GB"
# The first month partition unless TWEETCHAT_FIRST_MONTH says otherwise: the month of the
# first hashtag (August 2007), so any chat's month is a partition without reading chats.yaml.
DEFAULT_FIRST_MONTH = "2007-08"

MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
TRUE_WORDS = ("1", "true", "yes")

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


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = SAMPLE_DIR / "raw"
    chats_file: Path = SAMPLE_DIR / "chats.yaml"
    # The file analysts query (--warehouse); runs write `build_database` and publish it here.
    published_database: Path = PROJECT_ROOT / "warehouse" / "tweetchat.duckdb"
    out_dir: Path = PROJECT_ROOT / "output"
    themes_file: Path | None = None
    # Reports and charts show non-host handles as stable pseudonyms (orchestration/pseudonyms.py).
    pseudonymise: bool = False
    keep_pseudonym_map: bool = False
    # Whether TWEETCHAT_PSEUDONYM_KEY holds the secret; its value is never a setting: the
    # resource resolves it with dagster.EnvVar, so it never shows in the UI.
    pseudonym_key_set: bool = False
    duckdb_memory: str = DEFAULT_DUCKDB_MEMORY
    first_month: str = DEFAULT_FIRST_MONTH
    dagster_home: Path = field(default=PROJECT_ROOT / ".dagster")

    def __post_init__(self) -> None:
        if self.published_database.stem.lower() in RESERVED_DATABASE_NAMES:
            raise SettingsError(
                f"{self.published_database}: a warehouse file may not be named "
                f"{self.published_database.stem!r} (DuckDB would confuse it with a schema); "
                "choose another name, e.g. tweetchat.duckdb."
            )
        memory_size(self.duckdb_memory)
        try:
            date.fromisoformat(f"{self.first_month}-01")
        except ValueError:
            raise SettingsError(
                f"{ENV_FIRST_MONTH}={self.first_month!r} is not a month; set it like 2019-01"
            ) from None

    @property
    def build_database(self) -> Path:
        """The working database runs write; analysts read the published copy."""
        return self.published_database.parent / ".build" / self.published_database.name

    @property
    def themes_path(self) -> Path:
        """The analyst's theme edits: TWEETCHAT_THEMES, else themes.yaml beside chats.yaml."""
        return self.themes_file or self.chats_file.parent / "themes.yaml"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from the environment (the bundled sample by default); `overrides` (the
        CLI's options) win. None in `overrides` means "not given"."""
        environ = os.environ if environ is None else environ

        values: dict = {}
        for name, variable in (
            ("raw_dir", ENV_RAW),
            ("chats_file", ENV_CHATS),
            ("published_database", ENV_WAREHOUSE),
            ("out_dir", ENV_OUT),
            ("dagster_home", ENV_DAGSTER_HOME),
            ("themes_file", ENV_THEMES),
        ):
            if environ.get(variable):
                values[name] = Path(environ[variable]).expanduser().resolve()
        for name, variable in (
            ("pseudonymise", ENV_PSEUDONYMISE),
            ("keep_pseudonym_map", ENV_PSEUDONYM_MAP),
        ):
            if variable in environ:
                values[name] = environ[variable].strip().lower() in TRUE_WORDS
        values["pseudonym_key_set"] = bool(environ.get(ENV_PSEUDONYM_KEY))
        if environ.get(ENV_DUCKDB_MEMORY, "").strip():
            values["duckdb_memory"] = environ[ENV_DUCKDB_MEMORY].strip()
        if environ.get(ENV_FIRST_MONTH, "").strip():
            values["first_month"] = environ[ENV_FIRST_MONTH].strip()[:7]
        for name, value in overrides.items():
            if value is not None:
                values[name] = Path(value).expanduser().resolve() if name in PATHS else value
        return cls(**values)

    def as_dict(self) -> dict:
        """These settings as JSON values (for a job Dagster rebuilds by name)."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: Mapping) -> Settings:
        return cls(**{k: Path(v) if k in PATHS and v is not None else v for k, v in values.items()})

    def as_environment(self) -> dict[str, str]:
        """The variables that give a child process (`dagster dev`) these settings."""
        return {
            ENV_RAW: str(self.raw_dir),
            ENV_CHATS: str(self.chats_file),
            ENV_WAREHOUSE: str(self.published_database),
            ENV_OUT: str(self.out_dir),
            ENV_PSEUDONYMISE: "1" if self.pseudonymise else "0",
            ENV_PSEUDONYM_MAP: "1" if self.keep_pseudonym_map else "0",
            ENV_DUCKDB_MEMORY: self.duckdb_memory,
            ENV_FIRST_MONTH: self.first_month,
            ENV_DAGSTER_HOME: str(self.dagster_home),
        } | ({ENV_THEMES: str(self.themes_file)} if self.themes_file else {})

    def child_environment(self) -> dict[str, str]:
        """This process's environment with these settings over it, for a child process."""
        return {**os.environ, **self.as_environment()}


PATHS = {"raw_dir", "chats_file", "published_database", "out_dir", "dagster_home", "themes_file"}


def memory_size(value: str) -> str:
    """`value` when it is a DuckDB memory size (2GB, 512MB, 4GiB), else a SettingsError."""
    if not MEMORY_SIZE.match(value):
        raise SettingsError(
            f"{ENV_DUCKDB_MEMORY}={value!r} is not a memory size; set it like 2GB, 512MB or "
            f"4GiB (or unset it for the default {DEFAULT_DUCKDB_MEMORY})"
        )
    return value


def first_month_from_environment() -> str:
    """The first month partition (YYYY-MM): TWEETCHAT_FIRST_MONTH, else DEFAULT_FIRST_MONTH.

    Read on its own because partitions are fixed when the definitions are imported, before
    (and whatever) the other settings are.
    """
    value = os.environ.get(ENV_FIRST_MONTH, "").strip()[:7] or DEFAULT_FIRST_MONTH
    return Settings(first_month=value).first_month


def environment_value(name: str) -> str | None:
    """One variable read where it is used: credentials, service endpoints, a model folder and
    Dagster's own sensor timeout (secrets stay out of `Settings`, which the UI shows), read
    here so that this module stays the one reader of the environment."""
    return os.environ.get(name) or None


ENV_THEME_MODEL = "TWEETCHAT_THEME_MODEL"
# Where `make theme-model` puts all-MiniLM-L6-v2; used when present and the variable is unset.
DEFAULT_THEME_MODEL_FOLDER = PROJECT_ROOT / "models" / "all-MiniLM-L6-v2"
# TWEETCHAT_THEME_MODEL=tfidf: TF-IDF + LSA even when the default model is on disk.
TFIDF = "tfidf"


def theme_model_folder(model_folder: str | None = None) -> str | None:
    """The sentence-model folder the themes use (an argument, TWEETCHAT_THEME_MODEL, else the
    default folder when present), or None for TF-IDF + LSA. Here, not in themes/, so that the
    rerun check can tell which model a run would use without importing scikit-learn."""
    folder = model_folder if model_folder is not None else environment_value(ENV_THEME_MODEL)
    if folder is None:
        default = DEFAULT_THEME_MODEL_FOLDER
        return str(default) if (default / "modules.json").exists() else None
    return None if folder.strip().lower() == TFIDF else folder


def graphical_session() -> bool:
    """Whether a browser window can open here (`tweetchat open`): a desktop, not a server."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def tool_path(name: str) -> str:
    """A command installed beside this Python (the project's venv), else the one on PATH."""
    for candidate in (Path(sys.executable).with_name(name), Path(sys.prefix) / "bin" / name):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name) or name
