"""Learn a schema from a sample so that QA teams can start from the data they already have.

The schema keeps the sample's *shape* and never its personal values: semantic columns (e-mails, phones,
names, ids, addresses, card numbers, ...) map to the engine's safe generators, numeric columns keep
empirical quantiles (integers jittered so that no quantile is a raw value), categories keep their value
frequencies, numeric columns keep their rank correlations (Gaussian-copula normal scores), and foreign keys
between tables are detected from value containment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import yaml

from sdga.errors import InvalidInputError
from sdga.models import (
    Cardinality,
    Correlation,
    Distribution,
    DistributionKind,
    FieldConstraints,
    FieldSpec,
    Schema,
    TableSpec,
)
from sdga.quality.fidelity import canonical_name
from sdga.quality.io import analysis_errors, flatten_nested, read_data

SAMPLE_FOR_DETECTION = 20_000
VALUE_SHARE = 0.9
MAX_CATEGORIES = 50
MAX_INT_ENUM = 20
QUANTILES = 201
CORRELATION_MIN = 0.05
CORRELATION_SHRINK = 0.995

VALUE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("uuid", r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ("email", r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    ("ipv4", r"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$"),
    ("ipv6", r"^[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}$"),
    ("mac_address", r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$"),
    ("url", r"^https?://[^\s]+$"),
    ("ssn", r"^[0-9]{3}-[0-9]{2}-[0-9]{4}$"),
    ("credit_card", r"^[0-9]{4}([ -]?[0-9]{4}){2}[ -]?[0-9]{1,7}$"),
    ("iban", r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"),
    ("phone", r"^\+?[0-9(][0-9 ()./\-]{6,}[0-9](\s*(x|ext\.?)\s*[0-9]+)?$"),
    ("time", r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"),
)
NAME_TYPES: tuple[tuple[str, str], ...] = (
    (r"^(first_?name|given_?name|forename)$", "first_name"),
    (r"^(last_?name|surname|family_?name)$", "last_name"),
    (r"^(full_?name|customer_name|person_name|patient_name|employee_name|contact_name|owner_name)$", "full_name"),
    (r"^(user_?name|login|handle)$", "username"),
    (r"(^|_)(city|town)$", "city"),
    (r"(^|_)country$", "country"),
    (r"(^|_)(country_code|iso_country)$", "country_code"),
    (r"(^|_)(state|province|region)$", "state"),
    (r"(^|_)(zip|zip_code|zipcode|postal_code|postcode)$", "postal_code"),
    (r"(^|_)(address|street|street_address|address_line_?1)$", "street_address"),
    (r"(^|_)(company|company_name|employer|organisation|organization)$", "company"),
    (r"(^|_)(job|job_title|occupation|position|title)$", "job_title"),
    (r"(^|_)(ssn|social_security(_number)?)$", "ssn"),
    (r"(^|_)(card_number|credit_card(_number)?|cc_number|pan)$", "credit_card"),
    (r"(^|_)iban$", "iban"),
    (r"(^|_)(user_agent|useragent)$", "user_agent"),
    (r"(^|_)(password|passwd|password_hash)$", "password_hash"),
    (r"(^|_)(email|e_mail|email_address)$", "email"),
    (r"(^|_)(phone|phone_number|telephone|mobile|cell_phone)$", "phone"),
    (r"(^|_)(ip|ip_address|client_ip|remote_addr)$", "ipv4"),
    (r"(^|_)(url|website|homepage)$", "url"),
    (r"(^|_)(lat|latitude)$", "latitude"),
    (r"(^|_)(lon|lng|longitude)$", "longitude"),
)
#: Types whose values identify people: never enumerated, always generated.
PII_TYPES = frozenset(
    {"email", "phone", "ssn", "credit_card", "iban", "ipv4", "ipv6", "mac_address", "first_name", "last_name",
     "full_name", "username", "street_address", "postal_code", "url", "password_hash", "uuid"}
)  # fmt: skip
PERSON_NAME = r"^[A-Z][a-zA-Z'\-]+( [A-Z]\.?)?( [A-Z][a-zA-Z'\-]+){1,2}$"
TRUE_WORDS = {"true", "t", "yes", "y"}
FALSE_WORDS = {"false", "f", "no", "n"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")


def _num(value: Any) -> float:
    """A polars scalar result (mean, min, ...) as a float; None counts as 0."""
    return float(value) if isinstance(value, int | float) else 0.0


def _share(series: pl.Series, pattern: str) -> float:
    if series.len() == 0:
        return 0.0
    return _num(series.str.contains(pattern).mean())


def _luhn_share(series: pl.Series) -> float:
    digits = series.str.replace_all(r"[^0-9]", "")
    values = [d for d in digits.to_list() if d]
    if not values:
        return 0.0

    def ok(number: str) -> bool:
        total = 0
        for i, ch in enumerate(reversed(number)):
            d = ord(ch) - 48
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        return total % 10 == 0

    return sum(ok(v) for v in values) / len(values)


def _semantic_type(name: str, text: pl.Series) -> str | None:
    """A safe generator type from the values (>= 90 % match) or, failing that, from the column name."""
    sample = text.drop_nulls()
    if sample.len() > SAMPLE_FOR_DETECTION:
        sample = sample.sample(SAMPLE_FOR_DETECTION, seed=0)
    sample = sample.str.strip_chars()
    if sample.len():
        for type_name, pattern in VALUE_PATTERNS:
            if _share(sample, pattern) >= VALUE_SHARE:
                if type_name == "credit_card" and _luhn_share(sample) < VALUE_SHARE:
                    continue
                if type_name == "phone" and _num(sample.str.replace_all(r"[^0-9]", "").str.len_chars().mean()) < 7:
                    continue
                return type_name
    norm = canonical_name(name)
    for pattern, type_name in NAME_TYPES:
        if re.search(pattern, norm):
            return type_name
    if norm in ("name", "customer", "person", "patient") and sample.len() and _share(sample, PERSON_NAME) >= 0.8:
        return "full_name"
    return None


def _decimals(values: np.ndarray) -> int | None:
    """Decimal places the sample uses (0..6) so that generated numbers look the same; None if unrounded."""
    sample = values[:2000]
    for p in range(7):
        if np.allclose(sample, np.round(sample, p), rtol=0, atol=1e-9 * max(1.0, float(np.abs(sample).max()))):
            return p
    return None


def _quantiles(values: np.ndarray, integer: bool, seed: int) -> list[float]:
    x = values.astype(np.float64)
    if integer:
        # Jitter by U(0, 1): the engine floors integers, so these quantiles reproduce the counts exactly.
        x = x + np.random.default_rng(seed).uniform(0.0, 1.0, x.size)
    k = min(QUANTILES, max(2, x.size))
    q = np.quantile(x, np.linspace(0.0, 1.0, k))
    q = np.maximum.accumulate(q)
    # Full precision: a point mass (say 24 % of rows at log(0.1)) must land exactly on the sample's value.
    return [float(v) for v in q]


def _weights(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [round(c / total, 6) for c in counts]


def _category(series: pl.Series) -> tuple[list[Any], list[float]]:
    counts = series.drop_nulls().value_counts(sort=True)
    values = counts[counts.columns[0]].to_list()
    return values, _weights(counts["count"].to_list())


def _infer_field(name: str, series: pl.Series, n: int, seed: int) -> FieldSpec:
    field_name = canonical_name(name)
    if isinstance(series.dtype, pl.Duration):
        # No duration type in the schema language: keep the shape as seconds.
        series = (series.dt.total_microseconds() / 1e6).alias(series.name)
    nulls = series.null_count()
    if series.dtype.is_float():
        nulls += int(series.is_nan().sum())
        series = series.fill_nan(None)
    present = series.drop_nulls()
    distinct = present.n_unique() if present.len() else 0
    constraints: dict[str, Any] = {}
    if nulls:
        constraints["nullable"] = True
        constraints["null_rate"] = round(nulls / n, 4)
    unique = present.len() >= 20 and distinct == present.len()
    description = f"inferred from column '{name}'" if field_name != name else None
    dtype = series.dtype

    def spec(type_: str, **extra: Any) -> FieldSpec:
        return FieldSpec(
            name=field_name,
            type=type_,
            constraints=FieldConstraints(**{**constraints, **extra}),
            description=description,
        )

    if present.len() == 0:
        return spec("string", nullable=True, null_rate=1.0)
    if dtype == pl.Boolean:
        true_share = _num(present.cast(pl.Float64).mean())
        return spec("boolean", weights=[round(true_share, 6), round(1 - true_share, 6)])
    if dtype.is_integer() or dtype.is_float():
        values = present.cast(pl.Float64).to_numpy()
        integer = dtype.is_integer() or bool(np.all(values == np.round(values)))
        lo, hi = float(values.min()), float(values.max())
        if integer:
            is_key = unique and re.search(r"(^|_)id$", field_name) is not None
            if is_key and hi - lo + 1 == present.len():
                return FieldSpec(
                    name=field_name, type="sequence", constraints=FieldConstraints(min=int(lo)), description=description
                )
            if distinct <= MAX_INT_ENUM and not unique and hi - lo + 1 > distinct and present.len() >= 2 * distinct:
                # Gaps in the support: an enum keeps them (a contiguous support stays numeric so that the
                # copula can correlate it). Only values that repeat are categories: in a small sample of
                # values seen about once each, an enum would copy every raw value.
                cats, weights = _category(present.cast(pl.Int64))
                return spec("integer", enum=[int(c) for c in cats], weights=weights)
            return spec(
                "integer",
                min=int(lo),
                max=int(hi),
                unique=unique and is_key,
                distribution=Distribution(kind=DistributionKind.EMPIRICAL, quantiles=_quantiles(values, True, seed)),
            )
        if distinct <= min(MAX_INT_ENUM, 10) and present.len() >= 10 * distinct:
            cats, weights = _category(present)
            return spec("float", enum=[float(c) for c in cats], weights=weights)
        return spec(
            "float",
            min=lo,
            max=hi,
            precision=_decimals(values),
            distribution=Distribution(kind=DistributionKind.EMPIRICAL, quantiles=_quantiles(values, False, seed)),
        )
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        type_ = "date" if dtype == pl.Date else "datetime"
        lo_v, hi_v = present.min(), present.max()
        extra_d: dict[str, Any] = {}
        if present.len() >= 20 and distinct > 2:
            # The engine draws dates as whole days and datetimes as whole seconds since the epoch, so the
            # empirical quantiles are in those units (jittered like integers).
            if dtype == pl.Date:
                units = present.cast(pl.Int64).to_numpy()
            else:
                units = (present.dt.epoch("us") // 1_000_000).to_numpy()
            quantiles = _quantiles(units, True, seed)
            extra_d["distribution"] = Distribution(kind=DistributionKind.EMPIRICAL, quantiles=quantiles)
        return spec(type_, min=_iso(lo_v), max=_iso(hi_v), **extra_d)
    if dtype == pl.Time:
        return spec("time")
    if isinstance(dtype, pl.List | pl.Array | pl.Struct):
        return spec("json")
    text = present.cast(pl.String)
    semantic = _semantic_type(name, text)
    if semantic is not None:
        extra: dict[str, Any] = {}
        # One row per country in a sample is a coincidence of the sample, not a key: a small value domain
        # (countries, currencies, states, names) marked unique would refuse any larger volume.
        if (unique and semantic not in SMALL_DOMAIN_TYPES) or semantic == "uuid":
            extra["unique"] = unique
        return spec(semantic, **extra)
    lowered = text.str.to_lowercase().str.strip_chars()
    words = set(lowered.unique().to_list())
    if words and words <= TRUE_WORDS | FALSE_WORDS and words & TRUE_WORDS and words & FALSE_WORDS:
        true_share = _num(lowered.is_in(list(TRUE_WORDS)).mean())
        return spec("boolean", weights=[round(true_share, 6), round(1 - true_share, 6)])
    for fmt in DATE_FORMATS:
        parsed = text.head(SAMPLE_FOR_DETECTION).str.strptime(pl.Date, fmt, strict=False)
        if parsed.null_count() <= 0.1 * parsed.len():
            full = text.str.strptime(pl.Date, fmt, strict=False).drop_nulls()
            return spec("date", min=_iso(full.min()), max=_iso(full.max()), format=fmt)
    if distinct <= MAX_CATEGORIES and distinct <= max(2, present.len() // 2):
        cats, weights = _category(text)
        return spec("category", enum=cats, weights=weights)
    lengths = text.str.len_chars()
    min_len, max_len = int(_num(lengths.min())), int(_num(lengths.max()))
    mean_words = _num(text.str.count_matches(r"\s+").mean()) + 1
    if mean_words >= 4:
        return spec("text", min_length=min_len, max_length=max(max_len, min_len))
    extra = {"unique": True} if unique else {}
    return spec("string", min_length=min_len, max_length=max(max_len, min_len), **extra)


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (None if value is None else str(value))


def _normal_scores(values: np.ndarray) -> np.ndarray:
    from sdga.engine.dist import norm_ppf

    order = values.argsort(kind="stable")
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.arange(1, values.size + 1)
    return norm_ppf(ranks / (values.size + 1))


def _correlation(frame: pl.DataFrame, fields: list[FieldSpec], names: Mapping[str, str]) -> Correlation | None:
    """Normal-scores (Gaussian copula) correlation of the continuous numeric columns, complete cases."""
    cols = [
        f.name
        for f in fields
        if f.type in ("integer", "float") and f.constraints.enum is None and f.constraints.distribution is not None
    ]
    if len(cols) < 2:
        return None
    data = frame.select([pl.col(names[c]).cast(pl.Float64).fill_nan(None) for c in cols]).drop_nulls()
    if data.height < 10:
        return None
    scores = np.column_stack([_normal_scores(data.get_column(c).to_numpy()) for c in data.columns])
    matrix = np.corrcoef(scores, rowvar=False)
    if not np.all(np.isfinite(matrix)):
        return None
    off = ~np.eye(len(cols), dtype=bool)
    if np.abs(matrix[off]).max() < CORRELATION_MIN:
        return None
    matrix = np.where(off, matrix * CORRELATION_SHRINK, 1.0)
    rounded = np.round(matrix, 4)
    if np.linalg.eigvalsh(rounded).min() <= 0:
        rounded = np.round(np.where(off, matrix * 0.98, 1.0), 4)
    return Correlation(fields=cols, matrix=rounded.tolist())


def _infer_table(name: str, table: pa.Table, seed: int) -> tuple[TableSpec, pl.DataFrame, dict[str, str]]:
    frame = pl.from_arrow(flatten_nested(table))
    assert isinstance(frame, pl.DataFrame)
    if frame.height == 0:
        raise InvalidInputError(f"table '{name}' has no rows to learn from")
    fields: list[FieldSpec] = []
    names: dict[str, str] = {}
    used: set[str] = set()
    for i, column in enumerate(frame.columns):
        spec = _infer_field(column, frame.get_column(column), frame.height, seed + i)
        base, k = spec.name, 2
        while spec.name in used:
            spec = spec.model_copy(update={"name": f"{base}_{k}"})
            k += 1
        used.add(spec.name)
        names[spec.name] = column
        fields.append(spec)
    # The first unique id-like column is the primary key.
    for i, f in enumerate(fields):
        if (
            f.type in ("uuid", "sequence", "integer", "string")
            and (f.type == "sequence" or f.constraints.unique)
            and re.search(r"(^|_)(id|key|uuid)$", f.name)
        ):
            fields[i] = f.model_copy(update={"primary_key": True})
            break
    correlations = _correlation(frame, fields, names)
    table_spec = TableSpec(
        name=canonical_name(name),
        volume=frame.height,
        fields=fields,
        correlations=[correlations] if correlations else [],
    )
    return table_spec, frame, names


def _link_references(tables: list[tuple[TableSpec, pl.DataFrame, dict[str, str]]]) -> list[TableSpec]:
    """Columns whose values all occur in another table's primary key become references to it."""
    pks: dict[str, tuple[str, pl.Series]] = {}
    for spec, frame, names in tables:
        for f in spec.fields:
            if f.primary_key:
                pks[spec.name] = (f.name, frame.get_column(names[f.name]).drop_nulls().unique())
    out: list[TableSpec] = []
    for spec, frame, names in tables:
        fields = list(spec.fields)
        for i, f in enumerate(fields):
            if f.primary_key or not re.search(r"(^|_)id$", f.name):
                continue
            child = frame.get_column(names[f.name]).drop_nulls()
            if child.len() == 0:
                continue
            for parent, (pk_name, keys) in pks.items():
                if parent == spec.name or keys.dtype != child.dtype:
                    continue
                if not child.unique().is_in(keys.implode()).all():
                    continue
                per_parent = child.value_counts()["count"].to_numpy()
                counts = np.concatenate([per_parent, np.zeros(max(0, keys.len() - per_parent.size))])
                fields[i] = FieldSpec(
                    name=f.name,
                    type="reference",
                    references=f"{parent}.{pk_name}",
                    cardinality=Cardinality(
                        distribution=DistributionKind.POISSON,
                        min=int(counts.min()),
                        max=int(counts.max()),
                        mean=float(round(counts.mean(), 4)),
                    ),
                    constraints=FieldConstraints(nullable=f.constraints.nullable, null_rate=f.constraints.null_rate),
                    description=f.description,
                )
                break
        out.append(spec.model_copy(update={"fields": fields}))
    return out


SMALL_DOMAIN_TYPES = frozenset(
    {"country", "country_code", "currency_code", "state", "city", "first_name", "last_name", "full_name",
     "job_title", "company", "language", "timezone"}
)  # fmt: skip


def infer_schema(
    source: str | Path | pa.Table | Mapping[str, pa.Table], *, name: str | None = None, seed: int = 0
) -> Schema:
    """A schema the engine can generate from, learned from a sample file, directory or Arrow table(s)."""
    if isinstance(source, pa.Table):
        tables: Mapping[str, pa.Table] = {name or "data": source}
    elif isinstance(source, Mapping):
        tables = source
    else:
        tables = read_data(source)
    with analysis_errors("infer a schema"):
        return _infer(tables, name, seed)


def _infer(tables: Mapping[str, pa.Table], name: str | None, seed: int) -> Schema:
    inferred = [_infer_table(t_name, table, seed) for t_name, table in tables.items()]
    if len(inferred) == 1:
        spec = inferred[0][0]
        return Schema(
            name=canonical_name(name) if name else spec.name,
            fields=spec.fields,
            correlations=spec.correlations,
            description=f"Inferred from a sample of {spec.volume:,} rows.",
        )
    linked = _link_references(inferred)
    return Schema(tables=linked, description=f"Inferred from {len(linked)} sample tables.")


class _SchemaDumper(yaml.SafeDumper):
    """Lists of scalars (enums, weights, quantiles, matrix rows) in flow style: one line each."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(v, dict | list) for v in data) or all(
        isinstance(v, list) and all(not isinstance(x, dict | list) for x in v) for v in data
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow and bool(data))


_SchemaDumper.add_representer(list, _represent_list)


def schema_yaml(schema: Schema) -> str:
    """The schema as readable YAML (defaults omitted, numeric lists on one line)."""
    return yaml.dump(schema_document(schema), Dumper=_SchemaDumper, sort_keys=False, allow_unicode=True, width=120)


def schema_document(schema: Schema) -> dict[str, Any]:
    """The schema as plain data for YAML/JSON files: defaults omitted so that it stays readable."""
    data: dict[str, Any] = schema.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return data
