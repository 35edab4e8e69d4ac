"""Integer (and exact decimal) distributions keep the mean and spread they are asked for; prose keeps
its ``min_length``/``max_length``.

Integers are the continuous law rounded to the nearest whole value (flooring moved every mean half a
unit down: 49.54 for a normal of mean 50); rounding's own variance (1/12) is taken out of normal and
lognormal laws, and an exponential becomes the geometric law of the same mean. Tolerances are a few
standard errors of the sample statistic at 200,000 rows, so a half-unit bias cannot pass.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from sdga.engine import generate_rows, plan_generation
from sdga.models import GenerateDataRequest

N = 200_000


def _values(spec: dict[str, Any], n: int = N) -> np.ndarray:
    schema = {"fields": [{"name": "x", **spec}]}
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": n, "seed": 3}))
    column = generate_rows(plan, "data", 0, n).column("x")
    return np.asarray([float(v) for v in column.to_pylist()]) if "decimal" in str(column.type) else column.to_numpy()


def _integer(lo: int, hi: int, **dist: Any) -> np.ndarray:
    return _values({"type": "integer", "constraints": {"min": lo, "max": hi, "distribution": dist}})


@pytest.mark.parametrize(("mean", "std"), [(50, 10), (3.3, 0.8), (41, 13), (0.5, 2)])
def test_normal_integers_keep_mean_and_std(mean: float, std: float) -> None:
    x = _integer(-1000, 1000, kind="normal", mean=mean, std=std)
    assert x.dtype == np.int64
    assert abs(x.mean() - mean) < 4 * std / math.sqrt(N), x.mean()
    assert abs(x.std() - std) < max(0.01 * std, 4 * std / math.sqrt(2 * N)), x.std()


def test_the_reported_case_mean_50_is_50() -> None:
    x = _integer(0, 100, kind="normal", mean=50, std=15)
    assert abs(x.mean() - 50) < 0.1  # was 49.54


def test_uniform_integers_cover_both_bounds_evenly() -> None:
    x = _integer(1, 6, kind="uniform")
    counts = np.bincount(x, minlength=7)[1:]
    assert counts.min() > 0 and counts.sum() == N
    assert abs(x.mean() - 3.5) < 0.02 and abs(x.var() - 35 / 12) < 0.03
    assert np.all(np.abs(counts / N - 1 / 6) < 0.005)
    plain = _values({"type": "integer", "constraints": {"min": -3, "max": 3}})  # no distribution: same law
    assert set(np.unique(plain)) == set(range(-3, 4)) and abs(plain.mean()) < 0.03


def test_lognormal_integers_keep_mean_and_std() -> None:
    x = _integer(0, 10**9, kind="lognormal", mean=40, std=30)
    assert abs(x.mean() - 40) < 0.4, x.mean()  # flooring gave 39.5
    assert abs(x.std() - 30) < 0.6, x.std()


def test_exponential_integers_are_geometric_with_the_mean() -> None:
    x = _integer(0, 10**9, kind="exponential", mean=10)
    assert abs(x.mean() - 10) < 0.15, x.mean()  # flooring gave 9.5
    assert abs(x.var() / (10 * 11) - 1) < 0.03, x.var()  # geometric: mean * (mean + 1)
    shifted = _integer(5, 10**9, kind="exponential", mean=8)
    assert shifted.min() == 5 and abs(shifted.mean() - 8) < 0.05


def test_poisson_integers_have_mean_and_variance_lambda() -> None:
    x = _integer(0, 1000, kind="poisson", mean=4)
    assert abs(x.mean() - 4) < 0.03 and abs(x.var() - 4) < 0.08
    shifted = _integer(10, 1000, kind="poisson", mean=14)
    assert shifted.min() >= 10 and abs(shifted.mean() - 14) < 0.03 and abs(shifted.var() - 4) < 0.08


def test_zipf_integers_follow_the_truncated_law() -> None:
    lo, hi, s = 1, 1000, 2.0
    x = _integer(lo, hi, kind="zipf", exponent=s)
    k = np.arange(lo, hi + 1, dtype=np.float64)
    w = (k - lo + 1) ** -s
    p = w / w.sum()
    mean = float((k * p).sum())
    var = float((k * k * p).sum()) - mean**2
    assert abs(x.mean() - mean) < 4 * math.sqrt(var / N), (x.mean(), mean)
    assert abs(np.mean(x == 1) - p[0]) < 0.005


def test_exact_decimals_keep_their_mean() -> None:
    x = _values(
        {
            "type": "decimal",
            "constraints": {
                "min": 0,
                "max": 1000,
                "precision": 0,
                "distribution": {"kind": "normal", "mean": 500, "std": 50},
            },
        }
    )
    assert abs(x.mean() - 500) < 0.3, x.mean()  # flooring gave 499.5


def test_children_per_parent_keep_their_mean() -> None:
    """Cardinalities are integer draws too: a mean of 40 children is 40, not 39.5."""
    schema = {
        "tables": [
            {"name": "p", "fields": [{"name": "id", "type": "sequence", "primary_key": True}]},
            {
                "name": "c",
                "fields": [
                    {
                        "name": "p_id",
                        "type": "reference",
                        "references": "p.id",
                        "cardinality": {"distribution": "lognormal", "min": 1, "max": 100000, "mean": 40},
                    }
                ],
            },
        ]
    }
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": 50_000, "seed": 3}))
    assert abs(plan.table("c").volume / 50_000 - 40) < 0.6


def test_integers_bounded_per_row_keep_their_mean() -> None:
    """A value drawn below another column of its row (max_expr) is rounded too, not floored."""
    schema = {
        "fields": [
            {"name": "cap", "type": "integer", "constraints": {"min": 1000, "max": 1000}},
            {
                "name": "x",
                "type": "integer",
                "constraints": {"min": 0, "max_expr": "cap", "distribution": {"kind": "normal", "mean": 50, "std": 10}},
            },
        ]
    }
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": N, "seed": 3}))
    x = generate_rows(plan, "data", 0, N).column("x").to_numpy()
    assert abs(x.mean() - 50) < 0.1, x.mean()


@pytest.mark.parametrize("kind", ["text", "sentence", "review", "log_message", "product_name"])
@pytest.mark.parametrize(("low", "high"), [(120, 140), (120, None), (300, None), (None, 25), (1, 3)])
def test_prose_honours_min_and_max_length(kind: str, low: int | None, high: int | None) -> None:
    constraints = {k: v for k, v in (("min_length", low), ("max_length", high)) if v is not None}
    schema = {"fields": [{"name": "x", "type": kind, "constraints": constraints}]}
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": 3000, "seed": 3}))
    values = generate_rows(plan, "data", 0, 3000).column("x").to_pylist()
    lengths = [len(v) for v in values]
    assert min(lengths) >= (low or 1) and (high is None or max(lengths) <= high)
    assert not any(v != v.strip() for v in values)  # no blanks left at a cut
    if kind == "review" and low and not high:  # made longer with review sentences, not lorem words
        from sdga.engine.lexicon import lexicon

        known = {t for pool in lexicon("reviews")["sentences"].values() for t in pool}
        parts = [re.split(r"(?<=[.!?]) ", v) for v in values]
        assert all(p in known for sentences in parts for p in sentences)
        if low <= 150:  # and without repeating a sentence while the tone's pool lasts
            assert all(len(set(sentences)) == len(sentences) for sentences in parts)
