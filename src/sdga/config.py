"""Runtime configuration: environment variables, optionally a YAML file, with safe local defaults.

Every door (CLI, HTTP API, Lambda handlers, agent) builds its adapters from one :class:`Settings`, so the
laptop and the cloud run the same code and differ only in configuration. Environment variables win over
the YAML file named by ``SDGA_CONFIG``; both win over the defaults. See ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from sdga.errors import ConfigurationError

DEFAULT_HISTORY_TABLE = "synthetic-data-generations"
# A current Claude model through its US cross-region inference profile (recent Claude models are only
# offered on demand that way). The seed's anthropic.claude-3-sonnet-20240229-v1:0 is end-of-life on Bedrock.
DEFAULT_MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


class _YamlFileSource(PydanticBaseSettingsSource):
    """Values from the YAML file named by ``SDGA_CONFIG`` (keys are the field names, e.g. ``s3_bucket``)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._data = self._load()

    @staticmethod
    def _load() -> dict[str, Any]:
        path = os.environ.get("SDGA_CONFIG")
        if not path:
            return {}
        p = Path(path).expanduser()
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigurationError(f"cannot read SDGA_CONFIG file {p}: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigurationError(f"SDGA_CONFIG file {p} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigurationError(f"SDGA_CONFIG file {p} must be a mapping of setting names to values")
        # Accept both ``s3_bucket`` and ``SDGA_S3_BUCKET`` spellings.
        return {str(k).lower().removeprefix("sdga_"): v for k, v in data.items()}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """All runtime settings. Field ``x`` is read from ``SDGA_X`` unless an alias says otherwise."""

    model_config = SettingsConfigDict(env_prefix="SDGA_", extra="ignore", populate_by_name=True)

    home: Path = Field(
        default=Path("~/.sdga"), description="Local root: history database, stored results, staging area."
    )
    # --- object store -------------------------------------------------------------------------------
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_prefix: str = Field(default="generations/", description="Key prefix for stored results in the bucket.")
    kms_key_id: str | None = Field(default=None, description="KMS key for SSE-KMS on every object written.")
    # --- generation history -------------------------------------------------------------------------
    history_backend: Literal["sqlite", "dynamodb"] = "sqlite"
    history_table: str = DEFAULT_HISTORY_TABLE
    history_ttl_days: int = Field(default=90, ge=0, description="Records expire after this many days (0 = never).")
    # --- knowledge base / language model (used by the agent) -------------------------------------------
    kb_backend: Literal["local", "bedrock"] = "local"
    knowledge_base_id: str | None = None
    llm_backend: Literal["offline", "bedrock", "bedrock-agent", "agentcore", "openai"] = "offline"
    model_id: str = Field(
        default=DEFAULT_MODEL_ID,
        description="Bedrock model for the Converse agent (SPEC's Claude 3 Sonnet is retired; see DEFAULT_MODEL_ID).",
    )
    agent_id: str | None = None
    agent_alias_id: str | None = None
    # --- EMR Serverless hand-off of large generations (set by Terraform on the generate Lambda) -------------
    emr_application_id: str | None = Field(default=None, description="EMR Serverless application for big requests.")
    emr_job_role_arn: str | None = Field(default=None, description="Execution role passed to the EMR job runs.")
    emr_row_threshold: int | None = Field(
        default=None, ge=1, description="Requests with more rows than this run as an EMR Serverless job."
    )
    emr_entrypoint: str | None = Field(default=None, description="s3:// URI of the job's entry-point script.")
    emr_python_archive: str | None = Field(
        default=None, description="s3:// URI of the job's Python environment archive (build-emr-env.sh)."
    )
    # --- HTTP API -----------------------------------------------------------------------------------
    api_key: str | None = Field(default=None, description="When set, /api/* requires the X-API-Key header.")
    api_key_parameter: str | None = Field(
        default=None,
        description="SSM SecureString parameter holding the API key; the Lambda handlers read it at cold start.",
    )
    # --- service behaviour --------------------------------------------------------------------------
    allowed_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra directories that local destinations and data_location may use (besides home).",
    )
    allowed_destinations: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["local", "s3", "inline", "rds"],
        description="Destination types this deployment accepts (turn off rds/s3 on shared servers).",
    )
    background_threshold: int = Field(
        default=250_000, ge=0, description="Requests above this many records run in the background (0 = never)."
    )
    background_mode: Literal["thread", "lambda", "off"] = Field(
        default="thread", description="How background jobs run: a worker thread, or an async self-invocation."
    )
    # --- limits (sdga.limits: every door refuses the same requests, each error naming its limit) --------
    max_volume: int = Field(
        default=1_000_000_000, ge=1, description="Most rows one request may produce, all tables together."
    )
    max_active_records: int = Field(
        default=2_000_000_000,
        ge=1,
        description="Most rows of all pending and running generations of the deployment together (else 429).",
    )
    max_fields: int = Field(
        default=1_000, ge=1, description="Most fields in one schema (every table and nested field counted)."
    )
    max_nesting_depth: int = Field(default=10, ge=1, le=100, description="Most levels of object/array nesting.")
    max_children_per_parent: int = Field(
        default=1_000_000,
        ge=1,
        le=2_000_000,
        description="Most rows one parent row may get through a reference's cardinality.",
    )
    max_prompt_chars: int = Field(default=4_000, ge=1, description="Longest plain-English request to the agent.")
    max_body_bytes: int = Field(
        default=10_000_000, ge=1024, description="Largest HTTP request body (bigger: 413 before it is read)."
    )
    max_run_seconds: int = Field(
        default=21_600, ge=1, description="A generation running longer than this is stopped (failed)."
    )
    shutdown_grace_s: float = Field(
        default=5.0, ge=0, le=600, description="sdga serve: seconds a SIGTERM waits for requests before stopping them."
    )
    inline_max_rows: int = Field(default=1000, ge=1, description="Rows per table returned by 'inline'.")
    inline_max_bytes: int = Field(default=1_000_000, ge=1024, description="Size cap of inline rows (JSON bytes).")
    workers: int = Field(default=1, ge=1, le=64, description="Generation worker processes.")
    engine: str = Field(
        default="local",
        min_length=1,
        description="Engine of requests that name none ('local'; see sdga.execution for the others).",
    )
    job_timeout_s: int = Field(
        default=3600, ge=60, description="A running job not updated for this long is reported as failed."
    )
    # --- AWS (standard variable names, no prefix) ---------------------------------------------------
    aws_region: str | None = Field(default=None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    aws_endpoint_url: str | None = Field(default=None, validation_alias=AliasChoices("AWS_ENDPOINT_URL"))

    @field_validator("allowed_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p for p in value.split(os.pathsep) if p.strip()]
        return value

    @field_validator("allowed_destinations", mode="before")
    @classmethod
    def _split_destinations(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p.strip().lower() for p in value.split(",") if p.strip()]
        return value

    @field_validator("s3_prefix")
    @classmethod
    def _normalise_prefix(cls, value: str) -> str:
        value = value.strip("/")
        return f"{value}/" if value else ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlFileSource(settings_cls))

    # --- derived paths ------------------------------------------------------------------------------
    @cached_property
    def home_dir(self) -> Path:
        """The expanded, absolute local root (created on first use)."""
        path = self.home.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def data_dir(self) -> Path:
        return self.home_dir / "data"

    @property
    def staging_dir(self) -> Path:
        return self.home_dir / "staging"

    @property
    def history_db(self) -> Path:
        return self.home_dir / "history.sqlite3"

    def path_roots(self) -> list[Path]:
        """Directories local paths from requests must stay inside."""
        return [self.home_dir, *(p.expanduser().resolve() for p in self.allowed_roots)]


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and ``SDGA_CONFIG``); keyword overrides win. Errors are readable."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ConfigurationError(f"invalid setting {where.upper() or ''}: {first.get('msg')}") from exc
