"""The learner keeps how categories and numbers go together (scored by SDMetrics, as bench_learner.py does).

On iris SDV's GaussianCopulaSynthesizer (defaults, sdv 2.0) scores 0.693 on column pair trends and 0.813
on column shapes (bench/results/learner.md); before the categories joined the copula sdga's learner scored
about 0.70 on pair trends, with synthetic setosas as long-petalled as virginicas.
"""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa
import pytest

from sdga.engine import iter_batches, plan_generation
from sdga.models import GenerateDataRequest
from sdga.quality import infer_schema, schema_document
from sdga.quality.fidelity import canonical_name

sdmetrics_reports = pytest.importorskip("sdmetrics.reports")

SDV_IRIS_PAIR_TRENDS = 0.693
SDV_IRIS_COLUMN_SHAPES = 0.813


def test_iris_pair_trends_reach_sdv_and_species_keep_their_measures() -> None:
    from sklearn.datasets import load_iris

    bunch = load_iris(as_frame=True)
    real = bunch.frame.copy()
    real["target"] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    real.columns = [canonical_name(c) for c in real.columns]
    schema = schema_document(infer_schema(pa.Table.from_pandas(real, preserve_index=False), name="iris"))
    metadata = {
        "tables": {
            "iris": {"columns": {c: {"sdtype": "categorical" if c == "target" else "numerical"} for c in real.columns}}
        }
    }
    trends, shapes = [], []
    for seed in range(3):
        plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": 150, "seed": seed}))
        synthetic = pa.Table.from_batches(list(iter_batches(plan, "iris"))).to_pandas()[list(real.columns)]
        report = sdmetrics_reports.QualityReport()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report.generate({"iris": real}, {"iris": synthetic}, metadata, verbose=False)
        props = report.get_properties().set_index("Property")["Score"]
        trends.append(float(props["Column Pair Trends"]))
        shapes.append(float(props["Column Shapes"]))
        # Setosas are the short-petalled ones (all below 2 cm in the data): so are most synthetic ones (about
        # 65 % were before the copula took the species in; a Gaussian copula still mixes the tails a little).
        setosa = synthetic[synthetic["target"] == "setosa"]
        assert len(setosa) > 20 and (setosa["petal_length_cm"] < 2.5).mean() >= 0.8, seed
    assert min(trends) >= SDV_IRIS_PAIR_TRENDS - 0.01, trends
    assert np.mean(trends) >= SDV_IRIS_PAIR_TRENDS + 0.05, trends
    assert min(shapes) >= SDV_IRIS_COLUMN_SHAPES, shapes


def test_the_engine_correlates_a_category_with_a_number_in_its_enum_order() -> None:
    from sdga.models import Schema
    from sdga.validation import validate_schema

    document = {
        "fields": [
            {"name": "size", "type": "category", "constraints": {"enum": ["s", "m", "l"], "weights": [0.5, 0.3, 0.2]}},
            {"name": "flag", "type": "boolean", "constraints": {"weights": [0.3, 0.7]}},
            {"name": "weight", "type": "float", "constraints": {"min": 0, "max": 100}},
        ],
        "correlations": [{"fields": ["size", "flag", "weight"], "matrix": [[1, 0, 0.7], [0, 1, -0.6], [0.7, -0.6, 1]]}],
    }
    assert validate_schema(Schema.model_validate(document)).valid
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": document, "volume": 20_000, "seed": 1}))
    frame = pa.Table.from_batches(list(iter_batches(plan, plan.tables[0].name))).to_pandas()
    shares = frame["size"].value_counts(normalize=True)
    assert abs(shares["s"] - 0.5) < 0.02 and abs(shares["l"] - 0.2) < 0.02  # the weights still hold
    means = frame.groupby("size")["weight"].mean()
    assert means["s"] + 20 < means["m"] < means["l"] - 10, means  # later in the enum: heavier
    assert abs(frame["flag"].mean() - 0.3) < 0.02
    # True is the first slice of a boolean: a negative correlation makes true rows heavier.
    assert frame.loc[frame["flag"], "weight"].mean() > frame.loc[~frame["flag"], "weight"].mean() + 20
