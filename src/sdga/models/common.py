"""Enumerations and small shapes shared by every action.

These are plain ``StrEnum`` values so that they serialise as strings everywhere: JSON, YAML, the OpenAPI
documents Bedrock reads (which must not carry ``enum``: the generator there rewrites them into descriptions)
and the SQLite / DynamoDB history.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class StrictModel(BaseModel):
    """Base for every request/response model: unknown keys are an error, names are stable."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=False)


UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
#: A generation id: a UUID in its canonical 8-4-4-4-12 form (any case), as the document says.
GenerationId = Annotated[
    str,
    Field(
        pattern=UUID_PATTERN,
        min_length=36,
        max_length=36,
        json_schema_extra={"format": "uuid"},
        description="The generation's id (a UUID).",
    ),
]

_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_only(value: Any) -> Any:
    # pydantic would read a number as seconds since the epoch; the document says date-time (ISO 8601).
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z")
    return value


#: A date-time given as ISO 8601 text only (a time without an offset is read as UTC by the routes).
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


def _key(value: object) -> str:
    """Letters and digits, lower case: how spellings of one value are told to be the same."""
    return "".join(ch for ch in str(value).lower() if ch.isalnum())


class _ForgivingEnum(StrEnum):
    """Accepts any spelling that differs only in case, spaces or punctuation ("gdpr", "PCI DSS", "CSV",
    "User Profile"), so every door (HTTP, CLI, Lambda) reads values the same way."""

    @classmethod
    def _missing_(cls, value: object) -> _ForgivingEnum | None:
        key = _key(value)
        for member in cls:
            if _key(member.value) == key or _key(member.name) == key:
                return member
        return None


class DataType(_ForgivingEnum):
    USER_PROFILE = "user_profile"
    TRANSACTION = "transaction"
    LOG_EVENT = "log_event"
    CUSTOM = "custom"


class ComplianceRequirement(_ForgivingEnum):
    GDPR = "GDPR"
    HIPAA = "HIPAA"
    PCI_DSS = "PCI-DSS"
    SOC2 = "SOC2"
    CCPA = "CCPA"


class OutputFormat(_ForgivingEnum):
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    SQL = "sql"
    PARQUET = "parquet"
    XML = "xml"


class SqlDialect(_ForgivingEnum):
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"
    SQLITE = "sqlite"


class DestinationType(_ForgivingEnum):
    S3 = "s3"
    RDS = "rds"
    LOCAL = "local"
    INLINE = "inline"


class GenerationStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class ErrorResponse(StrictModel):
    """The one error shape every door returns (HTTP 4xx/5xx bodies, Lambda error bodies, CLI --json)."""

    error: str = Field(description="Stable machine-readable error code, e.g. 'schema_invalid'.")
    message: str = Field(description="One readable sentence saying what went wrong and how to fix it.")
    details: dict[str, Any] | list[Any] | None = Field(
        default=None, description="Structured detail: offending fields, limits, validation messages."
    )
    timestamp: datetime = Field(
        default_factory=lambda: datetime.now(UTC), description="When the error happened (UTC, ISO 8601)."
    )
