"""Uniforms in, shaped numbers out: inverse CDFs for every distribution, plus the Gaussian copula.

Every numeric/date column is drawn as ``u ~ U(0,1)`` then mapped through the inverse CDF of its
distribution truncated to ``[min, max]``. That single route is what lets correlations work for any
mix of distributions: the copula only has to supply correlated uniforms.
"""

from __future__ import annotations

import math

import numpy as np

from sdga.errors import SchemaError
from sdga.models.schema import Distribution, DistributionKind

# Acklam's rational approximation of the normal quantile (relative error < 1.2e-9).
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
      4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def norm_ppf(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile, vectorised."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-300, 1 - 1e-16)
    out = np.empty_like(p)
    lo = p < 0.02425
    hi = p > 1 - 0.02425
    mid = ~(lo | hi)
    q = p[mid] - 0.5
    r = q * q
    num = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q
    den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1
    out[mid] = num / den
    for mask, sign, src in ((lo, 1.0, p[lo]), (hi, -1.0, 1 - p[hi])):
        q = np.sqrt(-2 * np.log(src))
        num = ((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]
        den = (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1
        out[mask] = sign * num / den
    return out


def norm_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF, vectorised (erfc via a Chebyshev fit, |error| < 1.2e-7)."""
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
           + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))  # fmt: skip
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - 0.5 * erfc, 0.5 * erfc)


def _ncdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def shape_continuous(u: np.ndarray, lo: float, hi: float, dist: Distribution | None) -> np.ndarray:
    """Map uniforms ``u`` to values in ``[lo, hi]`` following ``dist`` (truncated to the bounds)."""
    kind = dist.kind if dist else DistributionKind.UNIFORM
    span = hi - lo
    if not math.isfinite(span):
        # Bounds near +/-1.8e308: hi - lo overflows to inf, and lo + u * inf is inf or NaN (written as
        # null in a NOT NULL column). Interpolating never leaves the finite range.
        if kind != DistributionKind.UNIFORM:
            raise SchemaError(f"the range {lo:g}..{hi:g} is too wide for a {kind.value} distribution")
        return np.clip(lo * (1.0 - u) + hi * u, lo, hi)
    if kind == DistributionKind.UNIFORM or span <= 0:
        return lo + u * span
    if kind in (DistributionKind.NORMAL, DistributionKind.LOGNORMAL):
        log = kind == DistributionKind.LOGNORMAL
        # lognormal needs a positive support: shift so that ``lo`` maps to 1
        shift = 1.0 - lo if log and lo <= 0 else 0.0
        a, b = (math.log(lo + shift), math.log(hi + shift)) if log else (lo, hi)
        mean = dist.mean if dist and dist.mean is not None else None
        sd = dist.std if dist and dist.std else None
        if log:
            # ``mean``/``std`` are of the values themselves: sigma^2 = ln(1 + s^2/m^2), mu = ln(m) - sigma^2/2
            m = mean + shift if mean is not None and mean + shift > 0 else None
            if sd is not None and m is not None:
                sigma = math.sqrt(math.log1p((sd / m) ** 2))
            else:
                sigma = min((b - a) / 6, 1.0) if b > a else 1.0
            mu = math.log(m) - sigma * sigma / 2 if m is not None else (a + b) / 2
        else:
            mu = mean if mean is not None else (a + b) / 2
            sigma = sd if sd is not None else ((b - a) / 6 if b > a else 1.0)
        pa_, pb = _ncdf((a - mu) / sigma), _ncdf((b - mu) / sigma)
        x = np.full_like(u, min(max(mu, a), b)) if pb - pa_ < 1e-12 else mu + sigma * norm_ppf(pa_ + u * (pb - pa_))
        x = np.exp(x) - shift if log else x
        return np.clip(x, lo, hi)
    if kind == DistributionKind.EXPONENTIAL:
        mean = dist.mean if dist and dist.mean is not None else lo + span / 5
        scale = max(mean - lo, span * 1e-12)  # the asked mean, whatever the width of the range
        cap = 1 - math.exp(-span / scale)
        return np.clip(lo - scale * np.log1p(-u * cap), lo, hi)
    if kind == DistributionKind.EMPIRICAL:
        if not dist or not dist.quantiles:
            raise SchemaError("an empirical distribution needs 'quantiles'")
        q = np.asarray(sorted(dist.quantiles), dtype=np.float64)
        probs = np.linspace(0, 1, len(q))
        return np.clip(np.interp(u, probs, q), lo, hi)
    if kind in (DistributionKind.ZIPF, DistributionKind.POISSON):
        # Continuous use of discrete laws: sample the integer law on a grid of the range, then spread.
        k = shape_discrete(u, 0, 1000, dist)
        return lo + (k / 1000.0) * span
    raise SchemaError(f"unsupported distribution {kind}")


def _discrete_table(kind: DistributionKind, n_values: int, dist: Distribution | None) -> np.ndarray:
    k = np.arange(n_values, dtype=np.float64)
    if kind == DistributionKind.ZIPF:
        s = dist.exponent if dist and dist.exponent else 1.5
        w = (k + 1.0) ** (-s)
    else:  # poisson, mean measured from the lower bound
        lam = dist.mean if dist and dist.mean is not None else max(n_values / 10, 1.0)
        lam = max(lam, 1e-9)
        logw = k * math.log(lam) - lam - np.array([math.lgamma(v + 1) for v in k])
        w = np.exp(logw - logw.max())
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


_MAX_TABLE = 2_000_000
#: The most distinct values a zipf/poisson count is drawn from exactly (sdga.limits caps children per parent below it).
MAX_DISCRETE_TABLE = _MAX_TABLE
_LARGEST_INT64_FLOAT = float(np.nextafter(2.0**63, 0))  # the largest float below 2**63


def shape_discrete(u: np.ndarray, lo: int, hi: int, dist: Distribution | None) -> np.ndarray:
    """Integers in ``[lo, hi]`` from uniforms, following ``dist`` (inclusive bounds)."""
    kind = dist.kind if dist else DistributionKind.UNIFORM
    n_values = hi - lo + 1
    if kind in (DistributionKind.ZIPF, DistributionKind.POISSON):
        if kind == DistributionKind.POISSON and dist and dist.mean is not None:
            mean_off = dist.mean - lo
            dist = dist.model_copy(update={"mean": max(mean_off, 1e-9)})
            width = min(n_values, int(mean_off + 12 * math.sqrt(max(mean_off, 1)) + 20))
        else:
            width = n_values
        width = max(1, min(width, _MAX_TABLE))
        cdf = _discrete_table(kind, width, dist)
        k = np.searchsorted(cdf, u, side="right")
        return lo + np.minimum(k, width - 1).astype(np.int64)
    # The continuous law on [lo - 1/2, hi + 1/2], rounded to the nearest integer: each integer takes the
    # probability of the unit interval centred on it, so a symmetric law keeps its mean (flooring moved
    # every value down by half a unit on average). Uniform stays exactly uniform over lo..hi.
    x = shape_continuous(u, float(lo) - 0.5, float(hi) + 0.5, discrete_law(dist, lo))
    # Near the int64 limits float rounding can reach 2**63, which does not cast: clip first, then clamp.
    k = np.clip(np.floor(x + 0.5), -(2.0**63), _LARGEST_INT64_FLOAT).astype(np.int64)
    return np.clip(k, lo, hi)


SHEPPARD = 1.0 / 12.0  # variance that rounding to whole units adds to a smooth law


def discrete_law(dist: Distribution | None, lo: float) -> Distribution | None:
    """The continuous law whose rounding to whole units has ``dist``'s mean and standard deviation.

    * normal, lognormal: rounding adds 1/12 to the variance (Sheppard's correction), so the continuous
      law gets ``std**2 - 1/12``;
    * exponential: the integers ``lo + floor(E)`` follow a geometric law, whose mean ``1/(e**(1/s) - 1)``
      is the asked mean above ``lo`` when the continuous scale is ``s = 1/log(1 + 1/(mean - lo))``
      (rounding on ``[lo - 1/2, ..)`` is flooring from ``lo``).
    """
    if dist is None:
        return None
    if dist.kind in (DistributionKind.NORMAL, DistributionKind.LOGNORMAL) and dist.std:
        return dist.model_copy(update={"std": math.sqrt(max(dist.std**2 - SHEPPARD, dist.std**2 / 4))})
    if dist.kind == DistributionKind.EXPONENTIAL and dist.mean is not None and dist.mean > lo:
        scale = 1.0 / math.log1p(1.0 / (dist.mean - lo))
        return dist.model_copy(update={"mean": lo - 0.5 + scale})
    return dist


def cholesky_factor(matrix: list[list[float]], fields: list[str]) -> np.ndarray:
    """Validate a correlation matrix and return its Cholesky factor (SchemaError if not usable)."""
    m = np.asarray(matrix, dtype=np.float64)
    if not np.allclose(m, m.T, atol=1e-9):
        raise SchemaError(f"correlation matrix for {fields} is not symmetric")
    if not np.allclose(np.diag(m), 1.0):
        raise SchemaError(f"correlation matrix for {fields} must have 1 on the diagonal")
    if np.any(np.abs(m) > 1):
        raise SchemaError(f"correlation matrix for {fields} has entries outside [-1, 1]")
    try:
        return np.linalg.cholesky(m + np.eye(len(m)) * 1e-12)
    except np.linalg.LinAlgError as exc:
        raise SchemaError(f"correlation matrix for {fields} is not positive semi-definite") from exc


def _truncated(u: np.ndarray, lo: np.ndarray, hi: np.ndarray, cdf: object, ppf: object) -> np.ndarray:
    """Inverse-CDF sampling of a law truncated to per-row ``[lo, hi]`` (a uniform fallback where it has no mass)."""
    fa = cdf(lo)  # type: ignore[operator]
    fb = cdf(hi)  # type: ignore[operator]
    mass = fb - fa
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        x = ppf(np.clip(fa + u * mass, 1e-16, 1 - 1e-16))  # type: ignore[operator]
    flat = ~(mass > 1e-12) | ~np.isfinite(x)
    x = np.where(flat, lo + u * (hi - lo), x)
    return np.clip(x, lo, hi)


def shape_rows(
    u: np.ndarray, lo: np.ndarray, hi: np.ndarray, dist: Distribution | None, support_lo: float = 0.0
) -> np.ndarray:
    """Like :func:`shape_continuous`, but every row has its own ``[lo, hi]`` (arrays, ``lo <= hi``).

    The law's own parameters (``mean``, ``std``) do not change per row: a refund drawn below its order's
    amount keeps the refunds' distribution, cut at that amount. ``support_lo`` is where a lognormal or
    exponential law starts (0 for lags). Laws without a closed form here (zipf, poisson, empirical) are
    drawn on the whole support and then clipped to the row's range.
    """
    kind = dist.kind if dist else DistributionKind.UNIFORM
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    if kind == DistributionKind.UNIFORM:
        return np.clip(lo + u * (hi - lo), lo, hi)
    mean = dist.mean if dist and dist.mean is not None else None
    sd = dist.std if dist and dist.std else None
    if kind == DistributionKind.NORMAL:
        mu = mean if mean is not None else float(np.nanmedian((lo + hi) / 2)) if len(lo) else 0.0
        sigma = sd if sd is not None else max(float(np.nanmedian(hi - lo)) / 6, 1e-9) if len(lo) else 1.0
        return _truncated(u, lo, hi, lambda x: norm_cdf((x - mu) / sigma), lambda p: mu + sigma * norm_ppf(p))
    if kind == DistributionKind.LOGNORMAL:
        shift = 1.0 - support_lo if support_lo <= 0 else 0.0  # as shape_continuous: a positive support
        m = (mean if mean is not None else 1.0) + shift
        sigma = math.sqrt(math.log1p((sd / m) ** 2)) if sd is not None and m > 0 else 1.0
        mu = math.log(max(m, 1e-12)) - sigma * sigma / 2

        def cdf(x: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return norm_cdf((np.log(np.maximum(x + shift, 1e-300)) - mu) / sigma)

        return _truncated(u, lo, hi, cdf, lambda p: np.exp(mu + sigma * norm_ppf(p)) - shift)
    if kind == DistributionKind.EXPONENTIAL:
        scale = max((mean if mean is not None else 1.0) - support_lo, 1e-12)
        return _truncated(
            u,
            lo,
            hi,
            lambda x: -np.expm1(-np.maximum(x - support_lo, 0.0) / scale),
            lambda p: support_lo - scale * np.log1p(-p),
        )
    finite_lo = float(np.nanmin(lo)) if len(lo) else 0.0
    finite_hi = float(np.nanmax(hi)) if len(hi) else 1.0
    return np.clip(shape_continuous(u, finite_lo, max(finite_hi, finite_lo), dist), lo, hi)
