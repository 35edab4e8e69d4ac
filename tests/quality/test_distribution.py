"""distribution_type on samples whose true shape is known, and the statistics behind the decision."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sdga.models import DistributionType
from sdga.quality.distribution import bimodality_coefficient, classify, count_modes, ks_distance, moments, normal_cdf

RNG = np.random.default_rng(2024)
N = 20_000

KNOWN: list[tuple[str, np.ndarray, DistributionType]] = [
    ("normal", RNG.normal(50, 10, N), DistributionType.NORMAL),
    ("normal, small n", RNG.normal(0, 1, 300), DistributionType.NORMAL),
    ("normal, rounded to integers", np.round(RNG.normal(500, 40, N)), DistributionType.NORMAL),
    ("normal, clipped at 3 sigma", np.clip(RNG.normal(0, 1, N), -3, 3), DistributionType.NORMAL),
    ("uniform", RNG.uniform(-5, 5, N), DistributionType.UNIFORM),
    ("uniform, small n", RNG.uniform(0, 1, 200), DistributionType.UNIFORM),
    ("uniform integers 1..6", RNG.integers(1, 7, N).astype(float), DistributionType.UNIFORM),
    ("uniform integer ids", np.arange(N, dtype=float), DistributionType.UNIFORM),
    ("lognormal", RNG.lognormal(3, 0.8, N), DistributionType.SKEWED),
    ("exponential", RNG.exponential(2.0, N), DistributionType.SKEWED),
    ("left-skewed", 100 - RNG.gamma(2.0, 5.0, N), DistributionType.SKEWED),
    ("poisson(2)", RNG.poisson(2, N).astype(float), DistributionType.SKEWED),
    ("bimodal, equal", np.concatenate([RNG.normal(0, 1, N // 2), RNG.normal(6, 1, N // 2)]), DistributionType.BIMODAL),
    (
        "bimodal, 70/30",
        np.concatenate([RNG.normal(10, 2, 7 * N // 10), RNG.normal(25, 3, 3 * N // 10)]),
        DistributionType.BIMODAL,
    ),
]


@pytest.mark.parametrize(("label", "sample", "expected"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_samples(label: str, sample: np.ndarray, expected: DistributionType) -> None:
    assert classify(sample) == expected, label


def test_constant_or_tiny_samples_have_no_type() -> None:
    assert classify(np.full(100, 3.0)) is None
    assert classify(np.array([1.0, 2.0, 3.0])) is None
    assert classify(np.array([np.nan] * 50)) is None


def test_decision_is_deterministic_and_size_independent() -> None:
    sample = RNG.normal(0, 1, 200_000)
    assert classify(sample) == classify(sample) == DistributionType.NORMAL


def test_moments_match_scipy() -> None:
    x = RNG.gamma(2.0, 1.0, 5000)
    skew, kurt = moments(x)
    assert skew == pytest.approx(stats.skew(x, bias=False), rel=1e-9)
    assert kurt == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-9)


def test_ks_distance_matches_scipy() -> None:
    x = np.sort(RNG.normal(0.1, 1.0, 3000))
    ours = ks_distance(x, normal_cdf(x))
    assert ours == pytest.approx(stats.kstest(x, "norm").statistic, abs=1e-6)


def test_bimodality_coefficient_and_modes() -> None:
    uniform = RNG.uniform(0, 1, 5000)
    bimodal = np.concatenate([RNG.normal(0, 1, 2500), RNG.normal(6, 1, 2500)])
    normal = RNG.normal(0, 1, 5000)
    bc = {
        name: bimodality_coefficient(x.size, *moments(x)) for name, x in [("u", uniform), ("b", bimodal), ("n", normal)]
    }
    assert bc["b"] > 5 / 9 > bc["n"]
    assert bc["u"] == pytest.approx(5 / 9, abs=0.03)
    assert count_modes(np.sort(bimodal)) == 2
    assert count_modes(np.sort(normal)) == 1


@pytest.mark.parametrize(
    ("ones", "n", "expected"),
    [
        (1, 100, DistributionType.SKEWED),
        (2, 100, DistributionType.SKEWED),
        (10, 100, DistributionType.SKEWED),
        (50, 5000, DistributionType.SKEWED),
        (300, 1000, DistributionType.SKEWED),
        (2300, 5000, DistributionType.BIMODAL),
        (500, 1000, DistributionType.UNIFORM),
        (52, 100, DistributionType.UNIFORM),
    ],
)
def test_two_value_columns_are_never_normal(ones: int, n: int, expected: DistributionType) -> None:
    # A 0/1 flag is two point masses: jittered, a 99:1 split used to pass as "normal".
    flags = np.array([0.0] * (n - ones) + [1.0] * ones)
    assert classify(flags) == expected
    assert classify(flags * 5.0 + 2.5) == expected  # any two values, not only integers
