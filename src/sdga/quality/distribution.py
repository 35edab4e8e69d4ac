"""Decide whether a numeric column looks normal, uniform, skewed or bimodal.

The decision runs on a deterministic subsample of at most :data:`SUBSAMPLE` values so that it costs the
same for a thousand rows or a billion, and so that goodness-of-fit tests do not reject every real column
merely because n is huge. The procedure (documented in ``docs/quality.md``):

1. Integers with few distinct values are jittered by U(-0.5, 0.5) (continuity correction), and a discrete
   uniform is accepted first when Pearson's chi-square over the integer support is within 4 standard
   deviations of its mean.
2. **uniform** when the Kolmogorov-Smirnov distance to U(min, max) is below the 1 % critical value 1.63/sqrt(n).
3. **bimodal** when Sarle's bimodality coefficient BC = (g1^2 + 1) / (g2 + 3(n-1)^2/((n-2)(n-3))) exceeds
   5/9 (the value of a uniform) *and* a kernel-smoothed histogram has two or more modes separated by a
   valley lower than 75 % of the smaller mode.
4. **normal** when the KS distance to the fitted normal is below Lilliefors' 1 % critical value 1.031/sqrt(n).
5. **skewed** when |g1| >= 0.5 (moderate skew in Bulmer's classification).
6. Otherwise the nearer of normal and uniform by KS distance.

Two distinct values (flags) are decided first: uniform by the chi-square of step 1, else skewed when
|g1| >= 0.5, else bimodal.
"""

from __future__ import annotations

import numpy as np

from sdga.models import DistributionType

SUBSAMPLE = 5000
BC_UNIFORM = 5.0 / 9.0
SKEW_THRESHOLD = 0.5
VALLEY_RATIO = 0.75
MODE_MIN_HEIGHT = 0.15


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: enough for a KS distance and avoids a scipy dependency.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)))


def normal_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(z / np.sqrt(2.0)))


def ks_distance(sorted_values: np.ndarray, cdf: np.ndarray) -> float:
    """One-sample KS statistic sup |F_n - F| given the model CDF at the sorted sample points."""
    n = sorted_values.size
    upper = np.arange(1, n + 1) / n - cdf
    lower = cdf - np.arange(0, n) / n
    return float(max(upper.max(), lower.max()))


def moments(x: np.ndarray) -> tuple[float, float]:
    """Bias-corrected sample skewness g1 and excess kurtosis g2 (the estimators SAS and Excel report)."""
    n = x.size
    d = x - x.mean()
    m2 = float(np.mean(d**2))
    if m2 == 0:
        return 0.0, 0.0
    m3 = float(np.mean(d**3))
    m4 = float(np.mean(d**4))
    g1 = m3 / m2**1.5
    g2 = m4 / m2**2 - 3.0
    skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    kurt = ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float(skew), float(kurt)


def bimodality_coefficient(n: int, skew: float, kurt: float) -> float:
    return (skew**2 + 1.0) / (kurt + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def count_modes(x: np.ndarray, bins: int = 64) -> int:
    """Modes of a Gaussian-smoothed histogram that are separated by a clear valley."""
    hist, _ = np.histogram(x, bins=bins)
    kernel_x = np.arange(-4, 5)
    kernel = np.exp(-0.5 * (kernel_x / 1.5) ** 2)
    smooth = np.convolve(np.pad(hist.astype(float), 4, mode="edge"), kernel / kernel.sum(), mode="valid")
    top = smooth.max()
    if top <= 0:
        return 0
    peaks = [
        i
        for i in range(smooth.size)
        if smooth[i] >= MODE_MIN_HEIGHT * top
        and (i == 0 or smooth[i] > smooth[i - 1])
        and (i == smooth.size - 1 or smooth[i] >= smooth[i + 1])
    ]
    if len(peaks) < 2:
        return len(peaks)
    kept = [peaks[0]]
    for p in peaks[1:]:
        prev = kept[-1]
        valley = smooth[prev : p + 1].min()
        if valley < VALLEY_RATIO * min(smooth[prev], smooth[p]):
            kept.append(p)
        elif smooth[p] > smooth[prev]:
            kept[-1] = p
    return len(kept)


def _discrete_uniform(values: np.ndarray) -> bool:
    lo, hi = int(values.min()), int(values.max())
    k = hi - lo + 1
    if k < 2 or k > 200:
        return False
    counts = np.bincount((values - lo).astype(np.int64), minlength=k)
    expected = values.size / k
    if expected < 5:
        return False
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    return chi2 < (k - 1) + 4.0 * np.sqrt(2.0 * (k - 1))


def subsample(values: np.ndarray, size: int = SUBSAMPLE, seed: int = 0) -> np.ndarray:
    if values.size <= size:
        return values
    rng = np.random.default_rng(seed)
    return values[rng.integers(0, values.size, size)]


def _two_point(x: np.ndarray, counts: np.ndarray) -> DistributionType:
    """Two distinct values (a flag): two point masses, never normal, whatever a jittered KS test says.

    Uniform when Pearson's chi-square of the two counts passes the same bound as step 1; otherwise skewed
    when the split is lopsided (|g1| >= 0.5, about 38:62 or more), else bimodal (two similar masses).
    """
    expected = x.size / 2.0
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    if chi2 < 1.0 + 4.0 * np.sqrt(2.0):
        return DistributionType.UNIFORM
    skew, _ = moments(x)
    return DistributionType.SKEWED if abs(skew) >= SKEW_THRESHOLD else DistributionType.BIMODAL


def classify(values: np.ndarray, *, seed: int = 0) -> DistributionType | None:
    """The distribution type of a numeric sample (None when too few or constant values)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    x = subsample(x, SUBSAMPLE, seed)
    n = x.size
    if n < 8 or float(x.max()) == float(x.min()):
        return None
    values, counts = np.unique(x, return_counts=True)
    if values.size == 2:
        return _two_point(x, counts)
    rng = np.random.default_rng(seed + 1)
    is_integer = bool(np.all(x == np.round(x)))
    if is_integer and np.unique(x).size <= min(200, n // 5):
        if _discrete_uniform(x):
            return DistributionType.UNIFORM
        x = x + rng.uniform(-0.5, 0.5, n)
    s = np.sort(x)
    lo, hi = float(s[0]), float(s[-1])
    d_unif = ks_distance(s, (s - lo) / (hi - lo))
    if d_unif <= 1.63 / np.sqrt(n):
        return DistributionType.UNIFORM
    skew, kurt = moments(s)
    if bimodality_coefficient(n, skew, kurt) > BC_UNIFORM and count_modes(s) >= 2:
        return DistributionType.BIMODAL
    mean, std = float(s.mean()), float(s.std(ddof=1))
    d_norm = ks_distance(s, normal_cdf((s - mean) / std))
    if d_norm <= 1.031 / np.sqrt(n):
        return DistributionType.NORMAL
    if abs(skew) >= SKEW_THRESHOLD:
        return DistributionType.SKEWED
    return DistributionType.NORMAL if d_norm <= d_unif else DistributionType.UNIFORM
