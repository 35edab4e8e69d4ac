"""Fidelity and privacy against a reference: SDMetrics' formulas checked by hand and against scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from scipy import stats

from sdga.quality import calculate_quality_metrics, compare_to_reference
from sdga.quality.fidelity import (
    canonical_name,
    exact_copy_rate,
    ks_complement,
    tv_complement,
)
from sdga.quality.pairs import contingency_similarity, correlation_similarity

RNG = np.random.default_rng(7)


def test_ks_complement_matches_scipy() -> None:
    a, b = RNG.normal(0, 1, 4000), RNG.normal(0.3, 1.2, 2500)
    assert ks_complement(a, b) == pytest.approx(1 - stats.ks_2samp(a, b).statistic, abs=1e-12)
    assert ks_complement(a, a.copy()) == 1.0
    assert ks_complement(np.array([1.0, np.nan, 2.0]), np.array([1.0, 2.0])) == 1.0


def test_tv_complement_by_hand() -> None:
    real = pl.Series(["a", "a", "b", "c"])  # 0.5, 0.25, 0.25
    syn = pl.Series(["a", "b", "b", "d"])  # 0.25, 0.5, 0, 0.25 (d is synthetic-only)
    # 1 - 0.5 * (0.25 + 0.25 + 0.25 + 0.25)
    assert tv_complement(real, syn) == pytest.approx(0.5)
    assert tv_complement(real, real) == 1.0


def test_correlation_similarity_by_hand() -> None:
    x = RNG.normal(size=2000)
    y = x + RNG.normal(size=2000)
    r_real = stats.pearsonr(x, y).statistic
    x2 = RNG.normal(size=2000)
    y2 = RNG.normal(size=2000)
    r_syn = stats.pearsonr(x2, y2).statistic
    assert correlation_similarity((x, y), (x2, y2)) == pytest.approx(1 - abs(r_real - r_syn) / 2)


def test_contingency_similarity_by_hand() -> None:
    real = (np.array(["a", "a", "b", "b"]), np.array(["x", "y", "x", "y"]))  # 4 cells of 0.25
    syn = (np.array(["a", "a", "a", "b"]), np.array(["x", "x", "y", "y"]))  # ax .5, ay .25, by .25
    # |0.25-0.5| + |0.25-0.25| + |0.25-0| + |0.25-0.25| = 0.5
    assert contingency_similarity(real, syn) == pytest.approx(0.75)


def test_exact_copies_use_a_semi_join_with_nulls_equal() -> None:
    ref = pl.DataFrame({"a": [1, 2, None], "b": ["x", "y", "z"]})
    syn = pl.DataFrame({"a": [1, 2, None, 4], "b": ["x", "q", "z", "x"]})
    assert exact_copy_rate(syn, ref, [("a", "a"), ("b", "b")]) == pytest.approx(0.5)


def test_identical_data_scores_one_and_copies_everything() -> None:
    n = 2000
    x = RNG.normal(size=n)
    c = np.where(x > 0.5, "p", np.where(x < -0.5, "q", "r"))
    table = pa.table({"x": x, "y": x + RNG.uniform(size=n), "c": c})
    report = compare_to_reference(table, table)
    assert len(report.pair_scores) == 3  # every pair has a trend to reproduce
    assert report.column_shapes == report.column_pair_trends == report.overall_score == 1.0
    assert report.exact_copy_rate == 1.0
    assert report.dcr_median == 0.0 and report.dcr_baseline_protection == 0.0


def test_independent_sample_scores_high_and_protects_privacy() -> None:
    n = 20_000

    def sample() -> pa.Table:
        x = RNG.normal(size=n)
        return pa.table(
            {
                "x": x,
                "y": 0.8 * x + 0.6 * RNG.normal(size=n),
                "c": RNG.choice(["p", "q", "r"], n, p=[0.6, 0.3, 0.1]),
                "when": pa.array(np.datetime64("2024-01-01") + RNG.integers(0, 10**6, n).astype("timedelta64[s]")),
                "user_email": [f"u{i}@example.com" for i in range(n)],  # PII-like: ignored
            }
        )

    report = compare_to_reference(sample(), sample())
    assert report.column_shapes is not None and report.column_shapes > 0.97
    assert report.column_pair_trends is not None and report.column_pair_trends > 0.97
    assert set(report.column_scores) == {"x", "y", "c", "when"}
    assert "x|y" in report.pair_scores
    assert report.exact_copy_rate == 0.0
    assert report.dcr_median is not None and report.dcr_median > 0


def test_broken_correlation_and_shape_are_detected() -> None:
    n = 5000
    x = RNG.normal(size=n)
    real = pa.table({"x": x, "y": x + 0.1 * RNG.normal(size=n)})
    fake = pa.table({"x": RNG.uniform(-3, 3, n), "y": RNG.normal(size=n)})
    report = compare_to_reference(fake, real)
    assert report.column_scores["x"] < 0.95
    assert report.pair_scores["x|y"] < 0.6


def test_dcr_matches_brute_force_mean_column_distance() -> None:
    n_ref, n_syn = 300, 200
    # The reference spans [0, 10], so no synthetic value is clipped to its range (the brute force does not clip).
    ref_a = np.concatenate([[0.0, 10.0], RNG.uniform(0, 10, n_ref - 2)])
    ref = pa.table({"a": ref_a, "b": RNG.choice(["u", "v"], n_ref)})
    syn = pa.table({"a": RNG.uniform(0, 10, n_syn), "b": RNG.choice(["u", "v"], n_syn)})
    report = compare_to_reference(syn, ref)
    ra, rb = ref["a"].to_numpy(), ref["b"].to_numpy(zero_copy_only=False)
    sa, sb = syn["a"].to_numpy(), syn["b"].to_numpy(zero_copy_only=False)
    span = ra.max() - ra.min()
    dist = (np.minimum(np.abs(sa[:, None] - ra[None, :]) / span, 1) + (sb[:, None] != rb[None, :])) / 2
    assert report.dcr_median == pytest.approx(float(np.median(dist.min(axis=1))), rel=1e-9)


def test_columns_match_by_inferred_identifier_and_through_metrics(tmp_path: Path) -> None:
    assert canonical_name("sepal length (cm)") == "sepal_length_cm"
    assert canonical_name("od280/od315") == "od280_od315"
    real = pa.table({"Total Amount": RNG.normal(100, 5, 500)})
    syn = pa.table({"total_amount": RNG.normal(100, 5, 500)})
    (tmp_path / "ref").mkdir()
    import pyarrow.csv as pacsv

    pacsv.write_csv(real, tmp_path / "ref" / "real.csv")
    m = calculate_quality_metrics(syn, reference=tmp_path / "ref" / "real.csv")
    assert m.fidelity is not None and set(m.fidelity.column_scores) == {"total_amount"}
    assert m.fidelity.column_shapes is not None and m.fidelity.column_shapes > 0.85


def test_cardinality_shape_per_reference() -> None:
    from sdga.models import Schema

    schema = Schema.model_validate(
        {
            "tables": [
                {"name": "users", "fields": [{"name": "id", "type": "integer", "primary_key": True}]},
                {
                    "name": "orders",
                    "fields": [
                        {"name": "id", "type": "integer", "primary_key": True},
                        {"name": "user_id", "type": "reference", "references": "users.id"},
                    ],
                },
            ]
        }
    )
    users = pa.table({"id": [1, 2, 3, 4]})
    # real: children per user 2, 1, 1, 0 ; same shape with other users ; every order on one user
    real = {"users": users, "orders": pa.table({"id": [1, 2, 3, 4], "user_id": [1, 1, 2, 3]})}
    same = {"users": users, "orders": pa.table({"id": [1, 2, 3, 4], "user_id": [4, 4, 3, 2]})}
    skewed = {"users": users, "orders": pa.table({"id": [1, 2, 3, 4], "user_id": [1, 1, 1, 1]})}
    key = "orders.user_id->users.id"
    assert compare_to_reference(same, real, schema=schema).cardinality_scores == {key: 1.0}
    report = compare_to_reference(skewed, real, schema=schema)
    # real counts {0,1,1,2}, synthetic {0,0,0,4}: sup |F_real - F_syn| = 0.5 at 0
    assert report.cardinality_scores[key] == pytest.approx(0.5)
    assert report.cardinality == pytest.approx(0.5)


def test_empty_reference_gives_no_pair_scores() -> None:
    # Nothing to compare with: no score, rather than a pair score of 0.5 from an empty contingency table.
    syn = pa.table({"a": [1, 2, 3], "b": ["x", "y", "x"]})
    empty = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})
    report = compare_to_reference(syn, empty)
    assert report.pair_scores == {} and report.column_pair_trends is None and report.overall_score is None
    assert np.isnan(contingency_similarity((np.array([]), np.array([])), (np.array([1]), np.array([2]))))


def test_all_null_synthetic_column_scores_zero_shape() -> None:
    # A generator that emits only nulls reproduces none of the reference's distribution: that is the worst
    # shape score, not a column left out of the average (which would raise the overall score).
    real = pa.table({"a": RNG.normal(size=200), "b": RNG.choice(["u", "v"], 200)})
    syn = pa.table({"a": pa.nulls(100, pa.float64()), "b": pa.nulls(100, pa.string())})
    report = compare_to_reference(syn, real)
    assert report.column_scores == {"a": 0.0, "b": 0.0} and report.column_shapes == 0.0


def test_dcr_null_is_its_own_category_not_a_rare_one() -> None:
    # 40 categories: the 10 rarest share the one-hot "other" cell; a null must not match them.
    cats = [f"c{i:02d}" for i in range(40)]
    ref = pa.table({"b": cats * 2})
    syn = pa.table({"b": pa.array([None] * 10, pa.string())})
    assert compare_to_reference(syn, ref).dcr_median == 1.0
    # ... and nulls that exist in the reference match nulls of synthetic and random rows alike.
    from sdga.quality.fidelity import _features, _pair_columns

    frame = pl.DataFrame({"b": ["x", None] * 20})
    columns = _pair_columns(frame, frame, {})
    ref_feat, _, random_feat = _features(columns, None, None, np.random.default_rng(0), 200)
    ref_rows = {tuple(r) for r in ref_feat}
    random_rows = {tuple(r) for r in random_feat}
    assert random_rows == ref_rows and len(ref_rows) == 2


def test_intertable_trends_see_a_parent_child_relationship_that_was_lost() -> None:
    """Premium users place big orders in the reference: a synthetic set that keeps that scores near 1,
    one whose orders were handed to random users (same columns, same shapes) scores lower."""
    from sdga.models import Schema

    schema = Schema.model_validate(
        {
            "tables": [
                {
                    "name": "users",
                    "fields": [
                        {"name": "id", "type": "integer", "primary_key": True},
                        {"name": "tier", "type": "category", "constraints": {"enum": ["basic", "premium"]}},
                    ],
                },
                {
                    "name": "orders",
                    "fields": [
                        {"name": "id", "type": "integer", "primary_key": True},
                        {"name": "user_id", "type": "reference", "references": "users.id"},
                        {"name": "amount", "type": "float"},
                    ],
                },
            ]
        }
    )
    rng = np.random.default_rng(3)
    n_users, n_orders = 400, 4000
    tiers = np.where(np.arange(n_users) % 2 == 0, "premium", "basic")
    users = pa.table({"id": np.arange(n_users), "tier": tiers})
    owners = rng.integers(0, n_users, n_orders)
    amount = np.where(tiers[owners] == "premium", rng.normal(500, 50, n_orders), rng.normal(50, 5, n_orders))
    real = {"users": users, "orders": pa.table({"id": np.arange(n_orders), "user_id": owners, "amount": amount})}
    kept_owners = rng.integers(0, n_users, n_orders)
    kept_amount = np.where(tiers[kept_owners] == "premium", rng.normal(500, 50, n_orders), rng.normal(50, 5, n_orders))
    kept = {
        "users": users,
        "orders": pa.table({"id": np.arange(n_orders), "user_id": kept_owners, "amount": kept_amount}),
    }
    lost = {  # the same amounts, but owned by random users: the tier no longer tells the amount
        "users": users,
        "orders": pa.table({"id": np.arange(n_orders), "user_id": rng.permutation(owners), "amount": amount}),
    }
    good = compare_to_reference(kept, real, schema=schema)
    bad = compare_to_reference(lost, real, schema=schema)
    key = "users.tier|orders.amount"
    assert set(good.intertable_scores) == {key}
    # Each side's amounts are cut into 10 bins over its own range (SDMetrics' way): a faithful copy is near 1.
    assert good.intertable_scores[key] > 0.9 and bad.intertable_scores[key] < 0.6
    assert good.intertable_trends == good.intertable_scores[key]
    # each table on its own looks the same: only the inter-table view tells them apart
    assert bad.column_shapes == pytest.approx(1.0) and bad.cardinality is not None
    assert bad.overall_score is not None and good.overall_score is not None and good.overall_score > bad.overall_score


def test_references_are_read_from_the_reference_tables_when_no_schema_is_given() -> None:
    """`sdga metrics data/ --reference real/` on several tables: keys and references come from the data."""
    users = pa.table({"user_id": [1, 2, 3, 4], "tier": ["a", "b", "a", "b"]})
    real = {
        "users": users,
        "orders": pa.table({"order_id": [1, 2, 3, 4], "user_id": [1, 1, 2, 3], "n": [1.0, 2.0, 3.0, 4.0]}),
    }
    skewed = {
        "users": users,
        "orders": pa.table({"order_id": [1, 2, 3, 4], "user_id": [1, 1, 1, 1], "n": [1.0, 2.0, 3.0, 4.0]}),
    }
    report = compare_to_reference(skewed, real)
    assert report.cardinality_scores == {"orders.user_id->users.user_id": pytest.approx(0.5)}
    assert set(report.intertable_scores) == {"users.tier|orders.n"}  # keys left out
    # a column named like a key whose values are not all keys of another table is no reference
    loose = {"users": users, "orders": pa.table({"order_id": [1, 2], "user_id": [1, 99], "n": [1.0, 2.0]})}
    assert compare_to_reference(loose, loose).cardinality_scores == {}
