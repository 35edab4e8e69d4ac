"""Request and response models: the single source of truth for every door.

The CLI, the HTTP API, the Lambda handlers, the OpenAPI documents and the agent's tools are all derived
from these classes. Extend them (new optional fields); never rename or change the meaning of a field that
SPEC.md names.
"""

from sdga.models.common import (
    ComplianceRequirement,
    DataType,
    DestinationType,
    ErrorResponse,
    GenerationStatus,
    OutputFormat,
    Severity,
    SqlDialect,
    StrictModel,
)
from sdga.models.generation import (
    MAX_VOLUME,
    SUPPORTED_LOCALES,
    Destination,
    GenerateDataRequest,
    GenerateDataResponse,
)
from sdga.models.metrics import (
    CoherenceReport,
    CoherenceRule,
    DistributionAnalysis,
    DistributionType,
    FidelityReport,
    FieldStatistics,
    QualityMetrics,
    QualityMetricsRequest,
    QualityMetricsResponse,
)
from sdga.models.schema import (
    EXTENDED_FIELD_TYPES,
    FAKER_TYPE_PREFIX,
    FIELD_TYPES,
    SPEC_FIELD_TYPES,
    Cardinality,
    Correlation,
    Distribution,
    DistributionKind,
    EdgeCase,
    FieldConstraints,
    FieldSpec,
    Schema,
    TableSpec,
)
from sdga.models.validation import (
    ComplianceIssue,
    ValidateSchemaRequest,
    ValidateSchemaResponse,
    ValidationMessage,
)

__all__ = [
    "EXTENDED_FIELD_TYPES",
    "FAKER_TYPE_PREFIX",
    "FIELD_TYPES",
    "MAX_VOLUME",
    "SPEC_FIELD_TYPES",
    "SUPPORTED_LOCALES",
    "Cardinality",
    "CoherenceReport",
    "CoherenceRule",
    "ComplianceIssue",
    "ComplianceRequirement",
    "Correlation",
    "DataType",
    "Destination",
    "DestinationType",
    "Distribution",
    "DistributionAnalysis",
    "DistributionKind",
    "DistributionType",
    "EdgeCase",
    "ErrorResponse",
    "FidelityReport",
    "FieldConstraints",
    "FieldSpec",
    "FieldStatistics",
    "GenerateDataRequest",
    "GenerateDataResponse",
    "GenerationStatus",
    "OutputFormat",
    "QualityMetrics",
    "QualityMetricsRequest",
    "QualityMetricsResponse",
    "Schema",
    "Severity",
    "SqlDialect",
    "StrictModel",
    "TableSpec",
    "ValidateSchemaRequest",
    "ValidateSchemaResponse",
    "ValidationMessage",
]
