"""Learn a schema from a sample so that QA teams can start from the data they already have.

The schema keeps the sample's *shape* and never its personal values: semantic columns (e-mails, phones,
names, ids, addresses, card numbers, ...) map to the engine's safe generators, numeric columns keep
empirical quantiles (integers jittered so that no quantile is a raw value), categories keep their value
frequencies, and a Gaussian copula over the numbers (normal scores of their ranks) and the categories
(normal scores of their slices of the cumulative weights) keeps how numbers and categories go together;
foreign keys between tables are detected from value containment.
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
CORRELATION_SHRINK = 0.999

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
    """Normal scores of the ranks, tied values sharing their mean rank (arbitrary tie-breaking would add
    noise that weakens every correlation of a column with repeated values)."""
    from sdga.engine.dist import norm_ppf

    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    mean_rank = first + (counts + 1) / 2.0
    return norm_ppf(mean_rank[inverse.reshape(-1)] / (values.size + 1))


def _continuous_member(f: FieldSpec) -> bool:
    return f.type in ("integer", "float") and f.constraints.enum is None and f.constraints.distribution is not None


def _discrete_member(f: FieldSpec, dtype: pl.DataType) -> bool:
    if f.constraints.unique or f.primary_key:
        return False
    if f.type == "boolean":
        return dtype == pl.Boolean  # true/false words in text stay out: their spelling is not the value
    return f.constraints.enum is not None and len(f.constraints.enum) > 1 and f.type in ("category", "integer", "float")


def _discrete_scores(codes: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Latent normal scores of a category column (codes index ``weights``, in the enum's order): each row
    a uniform draw inside its category's slice of the cumulative weights, as the engine reads it back."""
    cum = np.cumsum(weights) / weights.sum()
    lower = cum - weights / weights.sum()
    u = lower[codes] + (cum[codes] - lower[codes]) * rng.uniform(0.0, 1.0, codes.size)
    from sdga.engine.dist import norm_ppf

    return norm_ppf(np.clip(u, 1e-6, 1 - 1e-6))


CALIBRATION_DRAWS = 40_000
CALIBRATION_ROUNDS = 6


def _nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """The matrix with negative eigenvalues lifted to a small positive floor, rescaled to a unit diagonal."""
    sym = (matrix + matrix.T) / 2
    values, vectors = np.linalg.eigh(sym)
    fixed = (vectors * np.maximum(values, 1e-4)) @ vectors.T
    d = np.sqrt(np.diag(fixed))
    return np.asarray(fixed / np.outer(d, d))


def _calibrate(matrix: np.ndarray, values: np.ndarray, seed: int) -> np.ndarray:
    """Latent correlations adjusted so that, through each column's own distribution, the columns come out
    with the sample's Pearson correlations (NORTA; a category as its position in the enum order): point
    masses (whole numbers, rounded measurements, categories) weaken a latent correlation on the way out,
    which rank correlations alone would leave uncorrected."""
    from sdga.engine.dist import norm_cdf

    k = values.shape[1]
    target = np.corrcoef(values, rowvar=False)
    if not np.all(np.isfinite(target)):
        return matrix
    sorted_values = np.sort(values, axis=0)
    eps = np.random.default_rng(seed).standard_normal((CALIBRATION_DRAWS, k))
    latent = matrix[:k, :k].copy()
    for _ in range(CALIBRATION_ROUNDS):
        try:
            factor = np.linalg.cholesky(_nearest_correlation(latent))
        except np.linalg.LinAlgError:
            return matrix
        u = norm_cdf(eps @ factor.T)
        idx = np.minimum((u * values.shape[0]).astype(np.int64), values.shape[0] - 1)
        out = np.take_along_axis(sorted_values, idx, axis=0)
        achieved = np.corrcoef(out, rowvar=False)
        if not np.all(np.isfinite(achieved)):
            return matrix
        latent = np.clip(latent + (target - achieved), -0.999, 0.999)
        np.fill_diagonal(latent, 1.0)
    calibrated = matrix.copy()
    calibrated[:k, :k] = latent
    return _nearest_correlation(calibrated)


ORDER_MIN_ETA2 = 0.05


def _explains(keys: pl.Series, pc: np.ndarray) -> bool:
    """Whether the category accounts for a real share of the numbers' main component (eta squared of a
    one-way analysis of variance >= 5 %): only then is it worth reordering; an unrelated category keeps
    its most-frequent-first order instead of an order made of noise."""
    frame = pl.DataFrame({"k": keys, "pc": pc})
    total = float(((pc - pc.mean()) ** 2).sum())
    groups = frame.group_by("k").agg(pl.col("pc").mean().alias("m"), pl.len().alias("n"))
    between = float((groups["n"].to_numpy() * (groups["m"].to_numpy() - pc.mean()) ** 2).sum())
    return total > 0 and between / total >= ORDER_MIN_ETA2


def _correlation(
    frame: pl.DataFrame, fields: list[FieldSpec], names: Mapping[str, str], seed: int
) -> tuple[Correlation | None, dict[str, FieldSpec]]:
    """A Gaussian copula over the numeric columns and the categories, booleans and enums (complete cases).

    Numbers enter as normal scores of their ranks. A category enters as the normal score of a uniform
    drawn inside its slice of the cumulative weights, in an order that puts it where the numbers are:
    categories sorted by the mean of the numbers' first principal component within them (enums of numbers
    by value; booleans true first, as the engine reads them). The engine draws the category from the same
    slices, so the copula carries category-to-number and category-to-category dependence. Returns the
    correlation and the fields whose enum order changed.
    """
    continuous = [f for f in fields if _continuous_member(f)]
    discrete = [f for f in fields if _discrete_member(f, frame.schema[names[f.name]])]
    if len(continuous) + len(discrete) < 2:
        return None, {}
    members = continuous + discrete
    data = frame.select(
        [
            pl.col(names[f.name]).cast(pl.Float64).fill_nan(None).alias(f.name)
            if f in continuous
            else pl.col(names[f.name]).alias(f.name)
            for f in members
        ]
    ).drop_nulls()
    if data.height < 10:
        return None, {}
    rng = np.random.default_rng(seed)
    scores = [_normal_scores(data.get_column(f.name).to_numpy()) for f in continuous]
    pc: np.ndarray | None = None
    if len(scores) == 1:
        pc = scores[0]
    elif scores:
        z = np.column_stack(scores)
        corr = np.corrcoef(z, rowvar=False)
        if np.all(np.isfinite(corr)):
            _, vectors = np.linalg.eigh(corr)
            pc = z @ vectors[:, -1]
    updated: dict[str, FieldSpec] = {}
    # Every member as numbers for the calibration: values, or a category's position in its enum order.
    views = [data.get_column(f.name).to_numpy().astype(np.float64) for f in continuous]
    for f in discrete:
        column = data.get_column(f.name)
        c = f.constraints
        if f.type == "boolean":
            values: list[Any] = [True, False]
            weights = list(c.weights or [0.5, 0.5])
            codes = 1 - column.cast(pl.Int64).to_numpy()  # true is the first slice
        else:
            values = list(c.enum or [])
            weights = list(c.weights or [1.0] * len(values))
            if f.type in ("integer", "float"):
                order = sorted(range(len(values)), key=lambda i: values[i])
            elif pc is not None and _explains(column.cast(pl.String), pc):
                text = column.cast(pl.String)
                means = pl.DataFrame({"k": text, "pc": pc}).group_by("k").agg(pl.col("pc").mean())
                by_value = dict(zip(means["k"].to_list(), means["pc"].to_list(), strict=True))
                order = sorted(range(len(values)), key=lambda i: (by_value.get(str(values[i]), 0.0), i))
            else:
                order = list(range(len(values)))
            values = [values[i] for i in order]
            weights = [weights[i] for i in order]
            if [values[i] for i in range(len(values))] != list(c.enum or []):
                updated[f.name] = f.model_copy(
                    update={"constraints": c.model_copy(update={"enum": values, "weights": weights})}
                )
            position = {str(v): i for i, v in enumerate(values)}
            codes = column.cast(pl.String).replace_strict(position, default=None, return_dtype=pl.Int64).to_numpy()
            if np.isnan(codes.astype(np.float64)).any():  # a value the enum lost (cannot happen for a full sample)
                return None, {}
        scores.append(_discrete_scores(codes.astype(np.int64), np.asarray(weights, dtype=np.float64), rng))
        views.append(codes.astype(np.float64))
    matrix = np.corrcoef(np.column_stack(scores), rowvar=False)
    if not np.all(np.isfinite(matrix)):
        return None, {}
    matrix = _calibrate(matrix, np.column_stack(views), seed)
    cols = [f.name for f in members]
    off = ~np.eye(len(cols), dtype=bool)
    if np.abs(matrix[off]).max() < CORRELATION_MIN:
        return None, {}
    matrix = np.where(off, matrix * CORRELATION_SHRINK, 1.0)
    rounded = np.round(matrix, 4)
    if np.linalg.eigvalsh(rounded).min() <= 0:
        rounded = np.round(np.where(off, matrix * 0.98, 1.0), 4)
    return Correlation(fields=cols, matrix=rounded.tolist()), updated


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
    correlations, reordered = _correlation(frame, fields, names, seed)
    fields = [reordered.get(f.name, f) for f in fields]
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
