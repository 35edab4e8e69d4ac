"""The schema language: fields, constraints, tables and relationships.

SPEC.md fixes the core (``fields[]`` with ``name``, ``type`` and ``constraints{min,max,format,nullable,
unique,enum}``); everything else here is an extension that keeps those names and meanings unchanged.
A schema is either single-table (``fields``) or multi-table (``tables``); :meth:`Schema.table_list`
gives one view over both so that consumers never branch on the shape.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, StrictBool, field_validator, model_validator
from pydantic import Field as PydField

from sdga.models.common import StrictModel

# The spec's ten types, then the extended catalogue. ``faker:<method>`` is accepted in addition
# (see :data:`FAKER_TYPE_PREFIX`), which is why ``FieldSpec.type`` is a ``str`` validated against this set.
SPEC_FIELD_TYPES: tuple[str, ...] = (
    "string",
    "integer",
    "float",
    "date",
    "datetime",
    "email",
    "phone",
    "address",
    "uuid",
    "boolean",
)

EXTENDED_FIELD_TYPES: tuple[str, ...] = (
    "first_name",
    "last_name",
    "full_name",
    "username",
    "company",
    "job_title",
    "url",
    "domain",
    "ipv4",
    "ipv6",
    "mac_address",
    "credit_card",
    "iban",
    "ssn",
    "country",
    "country_code",
    "city",
    "state",
    "postal_code",
    "street_address",
    "timezone",
    "latitude",
    "longitude",
    "currency_code",
    "decimal",
    "amount",
    "category",
    "pattern",
    "text",
    "sentence",
    "word",
    "timestamp",
    "time",
    "object",
    "array",
    "json",
    "reference",
    "sequence",
    "user_agent",
    "http_method",
    "http_status",
    "log_level",
    "color",
    "password_hash",
    "isin",
    "hostname",
    "product_name",
    "product_category",
    "review",
    "log_message",
    "phrase",
    "sex",
)

FIELD_TYPES: frozenset[str] = frozenset(SPEC_FIELD_TYPES + EXTENDED_FIELD_TYPES)
FAKER_TYPE_PREFIX = "faker:"


class EdgeCase(StrEnum):
    """Boundary values the engine may inject into a column (a small share of rows, deterministic)."""

    MIN = "min"
    MAX = "max"
    EMPTY = "empty"
    VERY_LONG = "very_long"
    UNICODE = "unicode"
    NULL = "null"
    WHITESPACE = "whitespace"
    SPECIAL_CHARS = "special_chars"


class DistributionKind(StrEnum):
    UNIFORM = "uniform"
    NORMAL = "normal"
    LOGNORMAL = "lognormal"
    EXPONENTIAL = "exponential"
    ZIPF = "zipf"
    POISSON = "poisson"
    EMPIRICAL = "empirical"


class TimeProfile(StrEnum):
    """Named shapes of when things happen (see docs/engine.md, "Time profiles")."""

    BUSINESS_HOURS = "business_hours"
    OFFICE_DAYS = "office_days"
    RETAIL = "retail"
    CONSUMER_EVENINGS = "consumer_evenings"
    NIGHTLY_BATCH = "nightly_batch"
    ALWAYS_ON = "always_on"


class Distribution(StrictModel):
    """How a numeric (or date) column is spread between ``min`` and ``max``.

    ``empirical`` carries ``quantiles``: values at equally spaced probabilities 0..1 (inclusive), which
    schema inference writes so that generated data follows a sample's shape without copying it.
    """

    kind: DistributionKind = DistributionKind.UNIFORM
    mean: float | None = None
    std: float | None = PydField(default=None, ge=0)
    exponent: float | None = PydField(default=None, gt=1, description="Zipf exponent (s > 1).")
    quantiles: list[float] | None = PydField(default=None, min_length=2)


class Cardinality(StrictModel):
    """Children per parent for a ``reference`` field (e.g. orders per user)."""

    distribution: DistributionKind = DistributionKind.UNIFORM
    min: int = PydField(default=0, ge=0)
    max: int | None = PydField(default=None, ge=0)
    mean: float | None = PydField(default=None, ge=0)


MAX_EXPRESSION_LENGTH = 2000


class Lag(StrictModel):
    """Time between a value and the one it comes after, as durations: '90s', '15min', '2h', '3d', '6mo', '1.5y'.

    The lag follows ``distribution`` (uniform, normal, lognormal or exponential; ``mean``/``std`` are
    durations too) truncated to ``[min, max]``. ``gap_rate`` adds, to that share of lags, an extra pause of
    up to ``gap`` (missed sensor readings, a session's idle time).
    """

    min: str = PydField(default="0s", description="Shortest lag (a duration).")
    max: str | None = PydField(default=None, description="Longest lag; default: up to the field's max.")
    distribution: DistributionKind = DistributionKind.UNIFORM
    mean: str | None = None
    std: str | None = None
    gap_rate: float = PydField(default=0.0, ge=0, le=1, description="Share of lags (ordered rows) with a pause.")
    gap: str | None = PydField(default=None, description="Longest extra pause added at gap_rate.")


class Series(StrictModel):
    """A numeric field that evolves over each parent's ordered rows instead of being drawn afresh per row."""

    autocorrelation: float = PydField(
        default=0.0, ge=0, lt=1, description="Lag-1 autocorrelation (AR(1)); the field's distribution is kept."
    )
    drift: float = PydField(default=0.0, description="Change of the value per row of the same parent (a trend).")
    anomaly: str | None = PydField(
        default=None,
        max_length=MAX_EXPRESSION_LENGTH,
        description="Condition (e.g. 'is_anomaly'): rows where it holds get an outlier in the far tails.",
    )


class StateMachine(StrictModel):
    """Status transitions over each parent's rows: ``initial`` weights, then per state the next state's weights.

    A state with no transitions ends the sequence (the parent gets no more rows); ``$end`` among a state's
    next states is the weight of ending there.
    """

    initial: dict[str, float] = PydField(min_length=1)
    transitions: dict[str, dict[str, float]] = PydField(default_factory=dict)


END_STATE = "$end"


class FieldConstraints(StrictModel):
    """SPEC.md's constraints (min, max, format, nullable, unique, enum) plus extensions."""

    min: float | int | str | None = PydField(
        default=None, description="Lower bound: a number, or an ISO date/datetime for date-like types."
    )
    max: float | int | str | None = PydField(
        default=None, description="Upper bound: a number, or an ISO date/datetime for date-like types."
    )
    format: str | None = PydField(
        default=None,
        description="Output format: strftime for dates/times, 'e164'/'national' for phones, 'hex' etc.",
    )
    nullable: StrictBool = False
    unique: StrictBool = False
    enum: list[Any] | None = PydField(default=None, description="Allowed values (category / enum).")
    # --- extensions -------------------------------------------------------------------------------
    null_rate: float | None = PydField(
        default=None, ge=0, le=1, description="Share of nulls when nullable (default 0.1 when nullable)."
    )
    weights: list[float] | None = PydField(default=None, description="Relative weights for `enum` values.")
    pattern: str | None = PydField(default=None, description="Regular expression the value must match.")
    edge_cases: list[EdgeCase] = PydField(default_factory=list, description="Boundary values to inject.")
    edge_case_rate: float = PydField(default=0.01, ge=0, le=1, description="Share of rows given edge cases.")
    min_length: int | None = PydField(default=None, ge=0)
    max_length: int | None = PydField(default=None, ge=0)
    precision: int | None = PydField(default=None, ge=0, le=18, description="Decimal places (float/amount).")
    distribution: Distribution | None = None
    relative_to_now: StrictBool = PydField(
        default=False,
        description="Interpret date bounds relative to the current date instead of the fixed anchor.",
    )
    min_expr: str | None = PydField(
        default=None,
        max_length=MAX_EXPRESSION_LENGTH,
        description="Per-row lower bound: an expression over the row (e.g. 'admission_date'); null means no bound.",
    )
    max_expr: str | None = PydField(
        default=None,
        max_length=MAX_EXPRESSION_LENGTH,
        description="Per-row upper bound: an expression over the row (e.g. 'amount'); null means no bound.",
    )
    distinct_items: StrictBool = PydField(
        default=False, description="Arrays: no value appears twice in one array (like JSON Schema's uniqueItems)."
    )
    # --- time profiles (date, datetime, timestamp) ---------------------------------------------------------
    profile: TimeProfile | None = PydField(
        default=None,
        description="A named weekday/hour/month/holiday profile for timestamps (business_hours, office_days, "
        "retail, consumer_evenings, nightly_batch, always_on); explicit weights below override its parts.",
    )
    weekday_weights: list[float] | None = PydField(
        default=None, min_length=7, max_length=7, description="Relative weight of Monday .. Sunday."
    )
    hour_weights: list[float] | None = PydField(
        default=None,
        min_length=24,
        max_length=24,
        description="Relative weight of each hour 0 .. 23 of the row's local time (its city's time zone).",
    )
    month_weights: list[float] | None = PydField(
        default=None, min_length=12, max_length=12, description="Relative weight of January .. December."
    )
    holiday_weight: float | None = PydField(
        default=None,
        ge=0,
        description="Weight of the public holidays of the row's country relative to other days (0: never on one).",
    )


class FieldSpec(StrictModel):
    """One column. ``type`` is one of :data:`FIELD_TYPES` or ``faker:<provider_method>``."""

    name: str = PydField(min_length=1, max_length=128)
    type: str
    constraints: FieldConstraints = PydField(default_factory=FieldConstraints)
    description: str | None = None
    # reference (foreign key) fields
    references: str | None = PydField(
        default=None, description="'table.field' this column points at (type 'reference')."
    )
    cardinality: Cardinality | None = None
    # nested data: object has ``fields``; array has ``items`` (length from constraints min_length/max_length)
    fields: list[FieldSpec] | None = None
    items: FieldSpec | None = None
    primary_key: StrictBool = False
    # --- relations between fields, rows and tables (see docs/engine.md, "Coherent data") -------------
    expression: str | None = PydField(
        default=None,
        max_length=MAX_EXPRESSION_LENGTH,
        description="Derived value: an expression over the row, its referenced rows and its children.",
    )
    when: str | None = PydField(
        default=None, max_length=MAX_EXPRESSION_LENGTH, description="Condition; where it does not hold, `otherwise`."
    )
    otherwise: str | None = PydField(
        default=None, max_length=MAX_EXPRESSION_LENGTH, description="Value where `when` does not hold (default null)."
    )
    after: str | None = PydField(
        default=None,
        max_length=MAX_EXPRESSION_LENGTH,
        description="Date/time fields: the value comes `lag` after this expression (a field, 'customer_id.signup_date').",
    )
    lag: Lag | None = None
    ordered: StrictBool = PydField(
        default=False,
        description="Rows of one parent (or of the whole table) are in time order: each `lag` after the previous.",
    )
    series: Series | None = None
    state_machine: StateMachine | None = None
    tree: StrictBool = PydField(
        default=False,
        description="Self reference: each row points at an earlier row of the same parent (the first is the root).",
    )

    @field_validator("type")
    @classmethod
    def _normalise_type(cls, value: str) -> str:
        # Types are matched case-insensitively; unknown names are left for validate_schema to report
        # with a suggestion instead of failing here with a bare pydantic error.
        value = value.strip()
        if value.lower().startswith(FAKER_TYPE_PREFIX):
            return FAKER_TYPE_PREFIX + value[len(FAKER_TYPE_PREFIX) :]
        return value.lower()


class Correlation(StrictModel):
    """A correlation matrix over numeric fields of one table, applied with a Gaussian copula."""

    fields: list[str] = PydField(min_length=2)
    matrix: list[list[float]] = PydField(
        description="Square: one row and one column per field, in the order of `fields` (checked by validation)."
    )


class TableSpec(StrictModel):
    name: str = PydField(min_length=1, max_length=128)
    volume: int | None = PydField(
        default=None, ge=0, description="Rows; defaults to the request's volume (or follows cardinality)."
    )
    fields: list[FieldSpec] = PydField(min_length=1)
    correlations: list[Correlation] = PydField(default_factory=list)
    description: str | None = None


class Schema(StrictModel):
    """Either ``fields`` (one table named after the data type) or ``tables`` (several, related)."""

    model_config = ConfigDict(
        **StrictModel.model_config,
        json_schema_extra={
            "oneOf": [
                {"required": ["fields"], "properties": {"fields": {"type": "array", "minItems": 1}}},
                {"required": ["tables"], "properties": {"tables": {"type": "array", "minItems": 1}}},
            ]
        },
    )

    name: str | None = PydField(default=None, description="Table name for a single-table schema.")
    fields: list[FieldSpec] | None = None
    tables: list[TableSpec] | None = None
    correlations: list[Correlation] = PydField(default_factory=list)
    description: str | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Schema:
        if bool(self.fields) == bool(self.tables):
            raise ValueError("a schema has either 'fields' (one table) or 'tables' (several), not both/neither")
        return self

    def table_list(self, default_name: str = "data", default_volume: int | None = None) -> list[TableSpec]:
        """Every table of the schema, single-table schemas included, in declaration order."""
        if self.tables:
            return list(self.tables)
        assert self.fields is not None
        return [
            TableSpec(
                name=self.name or default_name,
                volume=default_volume,
                fields=self.fields,
                correlations=self.correlations,
                description=self.description,
            )
        ]


FieldSpec.model_rebuild()
