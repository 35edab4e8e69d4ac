"""The quality report as one self-contained HTML file: scores, tables and the Vega-Lite charts.

Everything it needs is inside it — the vendored Vega, Vega-Lite and vega-embed builds the web UI serves,
the chart specifications, the styles — so it opens offline, from a mail attachment or a CI artefact.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from sdga.models import QualityReport

# The browser builds the web UI serves (see its vendor/README.md); the report embeds the same files.
VENDOR_DIR = Path(__file__).resolve().parents[1] / "api" / "static" / "vendor"
VENDOR_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")

_STYLE = """
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f4f6fa}
main{max-width:1200px;margin:0 auto;padding:20px 24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.meta{color:#5b6578;margin:0 0 16px}
.scores{display:flex;flex-wrap:wrap;gap:10px}
.score{background:#fff;border:1px solid #dde2ec;border-radius:8px;padding:8px 12px;min-width:130px}
.score b{display:block;font-size:20px}.score span{color:#5b6578;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.chart{margin:0;min-width:0;background:#fff;border:1px solid #dde2ec;border-radius:8px;padding:8px 0;overflow-x:auto}
.chart.wide{grid-column:1/-1}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #dde2ec}th{color:#5b6578}
td.num{text-align:right;font-variant-numeric:tabular-nums}
"""

_BOOT = """
(function () {
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  specs.forEach(function (c) {
    var node = document.getElementById('chart-' + c.id);
    if (node) vegaEmbed(node, c.spec, {actions: false, renderer: 'svg'}).catch(function (e) {
      node.textContent = 'Chart unavailable: ' + e.message;
    });
  });
})();
"""


def _script(code: str) -> str:
    # A "</script" inside the code would end the element early; "<\\/" means the same to JavaScript.
    return "<script>" + code.replace("</script", "<\\/script") + "</script>"


def _pct(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value * 100:.1f}%"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return html.escape(text if len(text) <= 40 else text[:39] + "…")


def render_html(report: QualityReport) -> str:
    """The report as a standalone HTML document (UTF-8 text)."""
    m = report.metrics
    esc = html.escape
    meta = [f"{m.row_count:,} rows" if m.row_count is not None else ""]
    if report.generation_id:
        meta.append(f"generation {report.generation_id}")
    if report.source:
        meta.append(f"data: {report.source}")
    if report.reference:
        meta.append(f"reference: {report.reference}")
    scores: list[tuple[str, float | None]] = [
        ("Uniqueness", m.uniqueness_score),
        ("Validity", m.validity_score),
        ("Completeness", m.completeness_score),
    ]
    if m.coherence is not None and m.coherence.score is not None:
        scores.append(("Coherence", m.coherence.score))
    if m.fidelity is not None:
        scores += [
            ("Fidelity (overall)", m.fidelity.overall_score),
            ("Column shapes", m.fidelity.column_shapes),
            ("Column pair trends", m.fidelity.column_pair_trends),
        ]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(report.title)}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>{esc(report.title)}</h1>",
        f'<p class="meta">{esc(" · ".join(p for p in meta if p))}</p>',
        '<section><h2>Scores</h2><div class="scores">',
        *(f'<div class="score"><b>{_pct(v)}</b><span>{esc(k)}</span></div>' for k, v in scores),
        "</div></section>",
        '<section><h2>Charts</h2><div class="charts">',
    ]
    for chart in report.charts:
        wide = " wide" if chart.kind in ("heatmap", "scores") else ""
        parts.append(
            f'<figure class="chart{wide}" id="chart-{esc(chart.id)}" aria-label="{esc(chart.title)}"></figure>'
        )
    parts.append("</div></section>")
    if m.field_statistics:
        parts += [
            "<section><h2>Field statistics</h2><table><thead><tr>",
            "<th>Field</th><th>Nulls</th><th>Unique</th><th>Min</th><th>Max</th><th>Avg length</th><th>Invalid</th>",
            "</tr></thead><tbody>",
        ]
        for name, s in m.field_statistics.items():
            avg = f"{s.avg_length:.1f}" if s.avg_length is not None else ""
            invalid = f"{s.invalid_count:,}" if s.invalid_count is not None else ""
            parts.append(
                f'<tr><td>{esc(name)}</td><td class="num">{s.null_count:,}</td><td class="num">{s.unique_count:,}</td>'
                f'<td>{_cell(s.min_value)}</td><td>{_cell(s.max_value)}</td><td class="num">{avg}</td>'
                f'<td class="num">{invalid}</td></tr>'
            )
        parts.append("</tbody></table></section>")
    specs = json.dumps(
        [{"id": c.id, "spec": c.spec} for c in report.charts], separators=(",", ":"), default=str, allow_nan=False
    )
    specs = specs.replace("</", "<\\/")
    parts.append(f'<script type="application/json" id="chart-specs">{specs}</script>')
    for name in VENDOR_FILES:
        parts.append(_script((VENDOR_DIR / name).read_text(encoding="utf-8")))
    parts.append(_script(_BOOT))
    parts.append("</main></body></html>\n")
    return "\n".join(parts)
