"""Benchmark: sdga's learner (``infer`` -> ``generate``) against SDV's GaussianCopulaSynthesizer.

Both learn from the same real data and sample as many rows; SDMetrics' QualityReport scores both against
the real data with the same metadata (column shapes, column pair trends, overall). Datasets: the ones
scikit-learn ships (iris, wine, breast cancer: the class label as a category column; diabetes).

SDV pulls PyTorch, so it is not a dev dependency: install the optional bench extra first (use a CPU
build of torch; a default ``pip install torch`` may fetch the CUDA one)::

    pip install torch --index-url https://download.pytorch.org/whl/cpu    # or a local CPU wheel
    pip install -e ".[learner-bench]"
    python bench/bench_learner.py                      # results in bench/results/learner.md

Each dataset runs ``--seeds`` times (different seeds for both learners); the table shows the mean and
the spread (min-max) of the scores.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "learner.md"
DATASETS = ("iris", "wine", "breast_cancer", "diabetes")


def load(name: str) -> pd.DataFrame:
    from sklearn import datasets

    from sdga.quality.fidelity import canonical_name

    loader = {
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
        "diabetes": datasets.load_diabetes,
    }[name]
    bunch = loader(as_frame=True, **({"scaled": False} if name == "diabetes" else {}))
    frame = bunch.frame.copy()
    if name != "diabetes":
        frame["target"] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    frame.columns = [canonical_name(c) for c in frame.columns]
    return frame


def metadata_of(frame: pd.DataFrame) -> dict[str, Any]:
    columns = {
        name: {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(dtype) else "categorical"}
        for name, dtype in frame.dtypes.items()
    }
    return {"tables": {"data": {"columns": columns}}}


def sdga_sample(real: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    from sdga.engine import iter_batches, plan_generation
    from sdga.models import GenerateDataRequest
    from sdga.quality import infer_schema, schema_document

    schema = schema_document(infer_schema(pa.Table.from_pandas(real, preserve_index=False), name="data"))
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": rows, "seed": seed}))
    table = pa.Table.from_batches(list(iter_batches(plan, "data")))
    return table.to_pandas()[list(real.columns)]


def sdv_sample(real: pd.DataFrame, rows: int, seed: int, metadata: dict[str, Any]) -> pd.DataFrame:
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    meta = Metadata.load_from_dict({"tables": {"data": metadata["tables"]["data"]}})
    synthesizer = GaussianCopulaSynthesizer(meta)  # SDV's defaults
    np.random.seed(seed)  # SDV (copulas, rdt) draws from NumPy's global state
    synthesizer.fit({"data": real})
    sampled = synthesizer.sample(rows)
    frame = sampled["data"] if isinstance(sampled, dict) else sampled  # SDV 2 answers {table: frame}
    return frame[list(real.columns)]


def score(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict[str, Any]) -> tuple[float, float, float]:
    from sdmetrics.reports import QualityReport

    report = QualityReport()
    report.generate({"data": real}, {"data": synthetic}, metadata, verbose=False)
    props = report.get_properties().set_index("Property")["Score"]
    return float(props["Column Shapes"]), float(props["Column Pair Trends"]), float(report.get_score())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import sdmetrics
    import sdv

    rows_out: list[str] = []
    for name in DATASETS:
        real = load(name)
        metadata = metadata_of(real)
        results: dict[str, list[tuple[float, float, float]]] = {"sdga": [], "SDV": []}
        seconds = {"sdga": 0.0, "SDV": 0.0}
        for seed in range(args.seeds):
            for learner in ("sdga", "SDV"):
                t0 = time.perf_counter()
                if learner == "sdga":
                    synthetic = sdga_sample(real, len(real), seed)
                else:
                    synthetic = sdv_sample(real, len(real), seed, metadata)
                seconds[learner] += time.perf_counter() - t0
                results[learner].append(score(real, synthetic, metadata))
        for learner in ("sdga", "SDV"):
            values = np.asarray(results[learner])
            cells = [f"{values[:, i].mean():.3f} ({values[:, i].min():.3f}-{values[:, i].max():.3f})" for i in range(3)]
            line = f"| {name} | {learner} | {' | '.join(cells)} | {seconds[learner] / args.seeds:.2f} |"
            rows_out.append(line)
            print(line, flush=True)

    lines = [
        "# Learner benchmark: sdga infer -> generate vs SDV GaussianCopula",
        "",
        f"`python bench/bench_learner.py --seeds {args.seeds}`; Python {platform.python_version()}, "
        f"sdv {sdv.__version__}, sdmetrics {sdmetrics.__version__}. Each learner fits the real data and samples as "
        "many rows, once per seed; SDMetrics' QualityReport scores the sample against the real data with the "
        "same metadata (numbers numerical, the class label categorical). Mean over the seeds (min-max); SDV "
        "fixes its own random state, so it samples the same rows for every seed.",
        "",
        "| Dataset | Learner | Column shapes | Column pair trends | Overall | Seconds (fit + sample) |",
        "|---|---|---:|---:|---:|---:|",
        *rows_out,
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
