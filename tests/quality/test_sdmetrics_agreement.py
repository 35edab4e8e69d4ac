"""The fidelity report agrees with SDMetrics' QualityReport on the same data (within 0.02).

Real data: the datasets scikit-learn ships (the class label as a category column) and multi-table data the
engine generates; synthetic data: what ``infer`` -> ``generate`` learns from them, and the real columns
shuffled independently (every trend broken). Metadata for SDMetrics is built from the data the way a
user would: numbers numerical, class labels and enums categorical, keys ids, dates datetime.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sdga.engine import iter_batches, plan_generation
from sdga.models import FidelityReport, GenerateDataRequest, Schema
from sdga.quality import compare_to_reference, infer_schema, schema_document
from sdga.quality.fidelity import canonical_name

sdmetrics_reports = pytest.importorskip("sdmetrics.reports")

TOLERANCE = 0.02


def _sklearn(name: str) -> pd.DataFrame:
    from sklearn import datasets

    loader = {
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
        "diabetes": datasets.load_diabetes,
    }[name]
    bunch = loader(as_frame=True, **({"scaled": False} if name == "diabetes" else {}))
    frame = bunch.frame.copy()
    if name != "diabetes":  # a class label: a category column, as a user would load it
        frame["target"] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    frame.columns = [canonical_name(c) for c in frame.columns]
    return frame


def _generate(document: dict[str, Any], volume: int, seed: int) -> dict[str, pa.Table]:
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": document, "volume": volume, "seed": seed}))
    return {t.name: pa.Table.from_batches(list(iter_batches(plan, t.name))) for t in plan.tables}


def _sdmetrics(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], metadata: dict[str, Any]) -> Any:
    report = sdmetrics_reports.QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real, synthetic, metadata, verbose=False)
    return report


def _score(report: Any, prop: str) -> float:
    table = report.get_properties()
    return float(table.loc[table["Property"] == prop, "Score"].iloc[0])


def _assert_agree(ours: FidelityReport, theirs: Any, *, multi: bool = False) -> None:
    pairs = [
        (ours.column_shapes, _score(theirs, "Column Shapes")),
        (ours.column_pair_trends, _score(theirs, "Column Pair Trends")),
        (ours.overall_score, float(theirs.get_score())),
    ]
    if multi:
        pairs += [
            (ours.cardinality, _score(theirs, "Cardinality")),
            (ours.intertable_trends, _score(theirs, "Intertable Trends")),
        ]
    names = ["shapes", "trends", "overall", "cardinality", "intertable"][: len(pairs)]
    for (mine, reference), name in zip(pairs, names, strict=True):
        if reference is None or np.isnan(reference):
            assert mine is None, (name, mine)
            continue
        assert mine is not None and abs(mine - reference) <= TOLERANCE, (name, mine, reference)


def _table_metadata(frame: pd.DataFrame) -> dict[str, Any]:
    columns = {}
    for name, dtype in frame.dtypes.items():
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        columns[name] = {"sdtype": "numerical" if numeric else "categorical"}
    return {"columns": columns}


@pytest.mark.parametrize("dataset", ["iris", "wine", "breast_cancer", "diabetes"])
def test_single_table_scores_agree_with_sdmetrics(dataset: str) -> None:
    real = _sklearn(dataset)
    real_table = pa.Table.from_pandas(real, preserve_index=False)
    document = schema_document(infer_schema(real_table, name="data"))
    learned = _generate(document, 1000, seed=3)["data"].to_pandas()[list(real.columns)]
    rng = np.random.default_rng(0)
    shuffled = real.apply(lambda c: rng.permutation(c.to_numpy()))
    metadata = {"tables": {"data": _table_metadata(real)}}
    for synthetic in (learned, shuffled):
        ours = compare_to_reference(pa.Table.from_pandas(synthetic, preserve_index=False), real_table)
        theirs = _sdmetrics({"data": real}, {"data": synthetic}, metadata)
        _assert_agree(ours, theirs)
    # The shuffled copy broke every trend the data has, and both scores say so.
    broken = compare_to_reference(pa.Table.from_pandas(shuffled, preserve_index=False), real_table)
    assert broken.column_shapes == pytest.approx(1.0)
    assert broken.column_pair_trends is not None and broken.column_pair_trends < 0.9


MULTI = {
    "tables": [
        {
            "name": "customers",
            "volume": 300,
            "fields": [
                {"name": "customer_id", "type": "sequence", "primary_key": True},
                {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 80}},
                {"name": "income", "type": "float", "constraints": {"min": 10000, "max": 200000}},
                {"name": "spend", "type": "float", "expression": "income * 0.2 + age * 30"},
                {
                    "name": "tier",
                    "type": "category",
                    "constraints": {"enum": ["basic", "plus", "premium"], "weights": [0.6, 0.3, 0.1]},
                },
                {"name": "vip", "type": "boolean", "expression": "tier == 'premium'"},
                {"name": "joined", "type": "date", "constraints": {"min": "2015-01-01", "max": "2024-12-31"}},
            ],
        },
        {
            "name": "orders",
            "fields": [
                {"name": "order_id", "type": "sequence", "primary_key": True},
                {
                    "name": "customer_id",
                    "type": "reference",
                    "references": "customers.customer_id",
                    "cardinality": {"min": 0, "max": 8, "distribution": "poisson", "mean": 3},
                },
                {"name": "quantity", "type": "integer", "constraints": {"min": 1, "max": 20}},
                {"name": "unit_price", "type": "float", "constraints": {"min": 1, "max": 500}},
                {"name": "total", "type": "float", "expression": "quantity * unit_price"},
                {
                    "name": "channel",
                    "type": "category",
                    "constraints": {"enum": ["web", "store", "phone"], "weights": [0.5, 0.4, 0.1]},
                },
                {"name": "placed", "type": "date", "after": "customer_id.joined", "lag": {"min": "1d", "max": "400d"}},
            ],
        },
    ]
}
SDTYPES = {"sequence": "id", "reference": "id", "date": "datetime", "category": "categorical", "boolean": "boolean"}


def test_multi_table_scores_agree_with_sdmetrics() -> None:
    schema = Schema.model_validate(MULTI)
    real = _generate(MULTI, 300, seed=1)
    synthetic = _generate(MULTI, 300, seed=2)
    metadata: dict[str, Any] = {"tables": {}, "relationships": []}
    for table in schema.table_list():
        columns = {f.name: {"sdtype": SDTYPES.get(f.type, "numerical")} for f in table.fields}
        for f in table.fields:
            if f.type == "date":
                columns[f.name]["datetime_format"] = "%Y-%m-%d"
        metadata["tables"][table.name] = {"primary_key": next(f.name for f in table.fields if f.primary_key)}
        metadata["tables"][table.name]["columns"] = columns
    metadata["relationships"].append(
        {
            "parent_table_name": "customers",
            "parent_primary_key": "customer_id",
            "child_table_name": "orders",
            "child_foreign_key": "customer_id",
        }
    )
    ours = compare_to_reference(synthetic, real, schema=schema)
    theirs = _sdmetrics(
        {k: v.to_pandas() for k, v in real.items()}, {k: v.to_pandas() for k, v in synthetic.items()}, metadata
    )
    _assert_agree(ours, theirs, multi=True)
    assert ours.column_pair_trends is not None and ours.intertable_trends is not None
