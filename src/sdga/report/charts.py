"""Vega-Lite charts of a quality report, built from the metrics and the measured data (and a reference).

One builder for every door: the web UI renders these specifications with vega-embed, the self-contained
HTML report (``sdga metrics --html``) embeds the same ones. Each chart's data is aggregated here (bins,
value counts, correlations, computed vectorised with NumPy/Polars on at most :data:`SAMPLE_ROWS` rows per
table), so a chart carries a few hundred numbers, never the rows themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from sdga.models import ChartSpec, QualityMetrics

SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier: nothing is fetched
SAMPLE_ROWS = 200_000
MAX_COLUMNS = 40
BINS = 30
TOP_VALUES = 15
SYNTHETIC, REFERENCE = "synthetic", "reference"
COLORS = {"domain": [SYNTHETIC, REFERENCE], "range": ["#2454d6", "#e07a1f"]}


def _frame(table: pa.Table) -> pl.DataFrame:
    table = table.slice(0, SAMPLE_ROWS)
    columns = [c for c in table.column_names if not pa.types.is_nested(table.schema.field(c).type)]
    frame = pl.from_arrow(table.select(columns), rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _kind(series: pl.Series) -> str | None:
    dtype = series.dtype
    if dtype == pl.Boolean:
        return "category"
    if dtype.is_numeric():
        return "number"
    if dtype.is_temporal():
        return "time" if dtype == pl.Time else "date"
    if dtype in (pl.String, pl.Categorical, pl.Enum):
        n = series.len() - series.null_count()
        distinct = series.n_unique()
        # Identifiers and free text (nearly every value different) have no distribution worth drawing.
        return "category" if n and (distinct <= 50 or distinct / n <= 0.05) else None
    return None


def _numbers(series: pl.Series, kind: str) -> np.ndarray:
    s = series.drop_nulls()
    if kind == "date":
        s = s.cast(pl.Datetime("ms")).cast(pl.Int64) if s.dtype == pl.Date else s.dt.epoch("ms")
    values = s.cast(pl.Float64).to_numpy()
    return values[np.isfinite(values)]


def _base(title: str, width: int | str = "container") -> dict[str, Any]:
    spec: dict[str, Any] = {"$schema": SCHEMA_URL, "title": title, "width": width, "height": 180}
    spec["config"] = {"view": {"stroke": None}}
    if width == "container":
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def _colors(sources: Any) -> dict[str, Any]:
    """The source colours, for the sources present only (no legend entry for a missing reference)."""
    present = [s for s in COLORS["domain"] if s in set(sources)]
    return {"domain": present, "range": [COLORS["range"][COLORS["domain"].index(s)] for s in present]}


def _histogram(name: str, samples: dict[str, np.ndarray], kind: str) -> dict[str, Any] | None:
    present = [v for v in samples.values() if v.size]
    if not present:
        return None
    lo = float(min(v.min() for v in present))
    hi = float(max(v.max() for v in present))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, BINS + 1)
    rows: list[dict[str, Any]] = []
    for source, values in samples.items():
        counts, _ = np.histogram(values, bins=edges)
        share = counts / max(1, values.size)
        rows += [
            {"source": source, "start": float(a), "end": float(b), "share": float(s), "count": int(c)}
            for a, b, s, c in zip(edges[:-1], edges[1:], share, counts, strict=True)
        ]
    temporal = kind == "date"
    x_type = "temporal" if temporal else "quantitative"
    spec = _base(name)
    spec["data"] = {"values": rows}
    spec["mark"] = {"type": "bar", "opacity": 0.6 if len(samples) > 1 else 0.9, "binSpacing": 0}
    spec["encoding"] = {
        "x": {"field": "start", "type": x_type, "title": name, "bin": {"binned": True}},
        "x2": {"field": "end"},
        "y": {
            "field": "share",
            "type": "quantitative",
            "title": "share of rows",
            "axis": {"format": "%"},
            "stack": None,
        },
        "color": {
            "field": "source",
            "type": "nominal",
            "scale": _colors(samples),
            "legend": {"orient": "top", "title": None},
        },
        "tooltip": [
            {"field": "source", "type": "nominal"},
            {"field": "start", "type": x_type, "title": "from"},
            {"field": "end", "type": x_type, "title": "to"},
            {"field": "count", "type": "quantitative"},
            {"field": "share", "type": "quantitative", "format": ".1%"},
        ],
    }
    return spec


def _bars(name: str, samples: dict[str, pl.Series]) -> dict[str, Any] | None:
    totals: dict[str, int] = {}
    counted: dict[str, pl.DataFrame] = {}
    for source, series in samples.items():
        s = series.cast(pl.String).fill_null("(null)")
        totals[source] = s.len()
        counted[source] = s.value_counts(sort=True, name="count")
    first = next(iter(counted.values()))
    if first.height == 0:
        return None
    top = first.head(TOP_VALUES)[first.columns[0]].to_list()
    rows: list[dict[str, Any]] = []
    for source, frame in counted.items():
        col = frame.columns[0]
        found = dict(zip(frame[col].to_list(), frame["count"].to_list(), strict=True))
        other = totals[source] - sum(found.get(v, 0) for v in top)
        for value in top:
            c = int(found.get(value, 0))
            rows.append({"source": source, "value": str(value), "count": c, "share": c / max(1, totals[source])})
        if other > 0:
            rows.append({"source": source, "value": "(other)", "count": other, "share": other / max(1, totals[source])})
    spec = _base(name)
    spec["data"] = {"values": rows}
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "y": {"field": "value", "type": "nominal", "sort": None, "title": None},
        "x": {"field": "share", "type": "quantitative", "title": "share of rows", "axis": {"format": "%"}},
        "color": {
            "field": "source",
            "type": "nominal",
            "scale": _colors(samples),
            "legend": {"orient": "top", "title": None},
        },
        "yOffset": {"field": "source"},
        "tooltip": [
            {"field": "source", "type": "nominal"},
            {"field": "value", "type": "nominal"},
            {"field": "count", "type": "quantitative"},
            {"field": "share", "type": "quantitative", "format": ".1%"},
        ],
    }
    spec["height"] = len({r["value"] for r in rows}) * (8 * len(samples) + 6)
    return spec


def _heatmap(title: str, frames: dict[str, pl.DataFrame]) -> dict[str, Any] | None:
    rows: list[dict[str, Any]] = []
    columns: list[str] = []
    for source, frame in frames.items():
        numeric = [c for c in frame.columns if frame[c].dtype.is_numeric() and frame[c].n_unique() > 1]
        if source == SYNTHETIC:
            columns = numeric[:20]
        use = [c for c in columns if c in numeric]
        if len(use) < 2:
            continue
        matrix = frame.select([pl.col(c).cast(pl.Float64) for c in use]).drop_nulls().to_numpy()
        if matrix.shape[0] < 3:
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(matrix, rowvar=False)
        for i, a in enumerate(use):
            for j, b in enumerate(use):
                value = corr[i, j]
                rows.append(
                    {"source": source, "x": a, "y": b, "r": None if not np.isfinite(value) else round(float(value), 3)}
                )
    if not rows:
        return None
    spec = _base(title, width=max(120, 26 * len(columns)))
    spec["height"] = max(120, 26 * len(columns))
    spec["data"] = {"values": rows}
    spec["mark"] = {"type": "rect"}
    spec["encoding"] = {
        "x": {"field": "x", "type": "nominal", "sort": columns, "title": None},
        "y": {"field": "y", "type": "nominal", "sort": columns, "title": None},
        "color": {
            "field": "r",
            "type": "quantitative",
            "title": "Pearson r",
            "scale": {"scheme": "blueorange", "domain": [-1, 1]},
        },
        "tooltip": [
            {"field": "source", "type": "nominal"},
            {"field": "x", "type": "nominal"},
            {"field": "y", "type": "nominal"},
            {"field": "r", "type": "quantitative", "format": ".2f"},
        ],
    }
    if len(frames) > 1:
        spec["encoding"]["column"] = {"field": "source", "type": "nominal", "title": None}
    return spec


def _scores(metrics: QualityMetrics) -> dict[str, Any]:
    values = [
        {"measure": "uniqueness", "score": metrics.uniqueness_score, "group": "quality"},
        {"measure": "validity", "score": metrics.validity_score, "group": "quality"},
        {"measure": "completeness", "score": metrics.completeness_score, "group": "quality"},
    ]
    if metrics.coherence is not None and metrics.coherence.score is not None:
        values.append({"measure": "coherence", "score": metrics.coherence.score, "group": "quality"})
    f = metrics.fidelity
    if f is not None:
        for label, value in (
            ("column shapes", f.column_shapes),
            ("column pair trends", f.column_pair_trends),
            ("cardinality", f.cardinality),
            ("inter-table trends", f.intertable_trends),
            ("overall fidelity", f.overall_score),
        ):
            if value is not None:
                values.append({"measure": label, "score": value, "group": "fidelity"})
    spec = _base("Scores")
    spec["data"] = {"values": _finite(values)}
    spec["height"] = 22 * len(values)
    spec["layer"] = [
        {"mark": {"type": "bar"}},
        {"mark": {"type": "text", "align": "left", "dx": 4}, "encoding": {"text": {"field": "score", "format": ".1%"}}},
    ]
    spec["encoding"] = {
        "y": {"field": "measure", "type": "nominal", "sort": None, "title": None},
        "x": {
            "field": "score",
            "type": "quantitative",
            "scale": {"domain": [0, 1]},
            "axis": {"format": "%"},
            "title": None,
        },
        "color": {"field": "group", "type": "nominal", "legend": None, "scale": {"range": ["#2454d6", "#137a3a"]}},
    }
    return spec


def _score_bars(title: str, scores: Mapping[str, float], limit: int = 30) -> dict[str, Any]:
    items = sorted(scores.items(), key=lambda kv: kv[1])[:limit]
    spec = _base(title)
    spec["data"] = {"values": _finite([{"name": k, "score": float(v)} for k, v in items])}
    spec["height"] = 16 * len(items)
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "y": {"field": "name", "type": "nominal", "sort": None, "title": None},
        "x": {"field": "score", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": "similarity (1 = same)"},
        "color": {
            "field": "score",
            "type": "quantitative",
            "scale": {"scheme": "redyellowgreen", "domain": [0, 1]},
            "legend": None,
        },
        "tooltip": [{"field": "name", "type": "nominal"}, {"field": "score", "type": "quantitative", "format": ".3f"}],
    }
    return spec


def _finite(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without NaN or infinite numbers (JSON has no spelling for them): such a value becomes null."""
    return [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()} for row in values]


def _chart_id(*parts: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else "_" for ch in p) for p in parts if p)


def build_charts(
    metrics: QualityMetrics,
    data: Mapping[str, pa.Table],
    reference: Mapping[str, pa.Table] | None = None,
    *,
    max_columns: int = MAX_COLUMNS,
) -> list[ChartSpec]:
    """Charts of ``data`` (``{table: Arrow table}``): scores, one distribution per column (overlaid on the
    reference's where the reference has the column), a correlation heatmap per table, fidelity scores."""
    charts = [ChartSpec(id="scores", title="Scores", kind="scores", spec=_scores(metrics))]
    multi = len(data) > 1
    for table_name, table in data.items():
        frame = _frame(table)
        ref_table = (reference or {}).get(table_name)
        if ref_table is None and reference and len(reference) == 1 and not multi:
            ref_table = next(iter(reference.values()))
        ref_frame = _frame(ref_table) if ref_table is not None else None
        for column in frame.columns[:max_columns]:
            series = frame[column]
            kind = _kind(series)
            if kind is None or kind == "time":
                continue
            label = f"{table_name}.{column}" if multi else column
            paired = ref_frame is not None and column in ref_frame.columns
            if kind == "category":
                sources = {SYNTHETIC: series} | (
                    {REFERENCE: ref_frame[column]} if paired and ref_frame is not None else {}
                )
                spec = _bars(label, sources)
                chart_kind = "bars"
            else:
                numbers = {SYNTHETIC: _numbers(series, kind)}
                if paired and ref_frame is not None:
                    # a reference column of another type: the synthetic side alone
                    with contextlib.suppress(pl.exceptions.PolarsError, TypeError, ValueError):
                        numbers[REFERENCE] = _numbers(ref_frame[column], kind)
                spec = _histogram(label, numbers, kind)
                chart_kind = "histogram"
            if spec is not None:
                kind_out = "overlay" if paired else chart_kind
                charts.append(
                    ChartSpec(
                        id=_chart_id(table_name, column),
                        title=label,
                        kind=kind_out,
                        table=table_name,
                        column=column,
                        spec=spec,
                    )
                )
        frames = {SYNTHETIC: frame} | ({REFERENCE: ref_frame} if ref_frame is not None else {})
        heat = _heatmap(f"Correlations — {table_name}", frames)
        if heat is not None:
            charts.append(
                ChartSpec(
                    id=_chart_id("corr", table_name), title=heat["title"], kind="heatmap", table=table_name, spec=heat
                )
            )
    f = metrics.fidelity
    if f is not None and f.column_scores:
        charts.append(
            ChartSpec(
                id="fidelity-columns",
                title="Fidelity: column shapes",
                kind="scores",
                spec=_score_bars("Fidelity: column shapes", f.column_scores),
            )
        )
    if f is not None and f.pair_scores:
        charts.append(
            ChartSpec(
                id="fidelity-pairs",
                title="Fidelity: column pair trends",
                kind="scores",
                spec=_score_bars("Fidelity: column pair trends (lowest 30)", f.pair_scores),
            )
        )
    return charts
