"""`sdga metrics --html`: a self-contained report with Vega-Lite charts (the same builder the web UI uses)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from sdga.cli import app
from sdga.models import QualityMetrics
from sdga.report.charts import build_charts

runner = CliRunner()


def _table(seed: int, n: int = 500) -> pa.Table:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    return pa.table(
        {
            "id": [f"id-{seed}-{i}" for i in range(n)],
            "age": age,
            "income": age * 900 + rng.normal(0, 4000, n),
            "plan": rng.choice(["free", "pro", "team"], n, p=[0.7, 0.2, 0.1]),
            "joined": pa.array(rng.integers(18000, 20000, n).astype("int32"), pa.date32()),
        }
    )


def test_metrics_html_is_self_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    data, ref = tmp_path / "synthetic.csv", tmp_path / "real.csv"
    pacsv.write_csv(_table(1), data)
    pacsv.write_csv(_table(2), ref)
    out = tmp_path / "out" / "report.html"
    result = runner.invoke(app, ["metrics", str(data), "--reference", str(ref), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"]["fidelity"]["column_shapes"] is not None
    text = out.read_text(encoding="utf-8")
    assert not re.search(r'<(?:script|link|img|iframe)[^>]+(?:src|href)=["\']?https?:', text)
    assert "vegaEmbed" in text and "vega-lite" in text.lower()
    specs = json.loads(re.search(r'id="chart-specs">(.*?)</script>', text, re.S).group(1))  # type: ignore[union-attr]
    by_id = {c["id"]: c["spec"] for c in specs}
    # real vs synthetic overlays on the same bins; the correlation heatmap shows income ~ age
    sources = {v["source"] for v in by_id["synthetic-age"]["data"]["values"]}
    assert sources == {"synthetic", "reference"}
    assert {v["source"] for v in by_id["synthetic-plan"]["data"]["values"]} == {"synthetic", "reference"}
    assert by_id["synthetic-joined"]["encoding"]["x"]["type"] == "temporal"
    cells = {(c["source"], c["x"], c["y"]): c["r"] for c in by_id["corr-synthetic"]["data"]["values"]}
    assert cells[("synthetic", "age", "income")] > 0.8
    assert "synthetic-id" not in by_id, "identifiers have no distribution to chart"


def test_metrics_html_refuses_a_directory(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    pacsv.write_csv(_table(3, 50), data)
    result = runner.invoke(app, ["metrics", str(data), "--html", str(tmp_path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "directory" in result.stderr


def test_charts_scale_to_large_tables_without_shipping_rows() -> None:
    big = _table(4, 200_000)
    metrics = QualityMetrics(uniqueness_score=1, validity_score=1, completeness_score=1)
    charts = build_charts(metrics, {"t": big})
    for chart in charts:
        values = chart.spec.get("data", {}).get("values", [])
        assert len(values) <= 400, (chart.id, len(values))


def test_scores_that_are_not_numbers_become_null() -> None:
    from sdga.models import FidelityReport

    metrics = QualityMetrics(
        uniqueness_score=1,
        validity_score=1,
        completeness_score=1,
        fidelity=FidelityReport(column_shapes=float("nan"), column_scores={"a": float("nan"), "b": 0.5}),
    )
    charts = {c.id: c for c in build_charts(metrics, {"t": _table(5, 50)})}
    text = json.dumps([c.spec for c in charts.values()], allow_nan=False)  # raises on NaN
    assert '"score": null' in text.replace('"score":null', '"score": null')
