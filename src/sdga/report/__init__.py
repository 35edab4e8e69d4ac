"""The generation report: the markdown summary every door shows after a generation.

SPEC.md asks for "a generation report (markdown: id, status, records, time, quality metrics, output
location) and clear error messages". The CLI prints it (rendered by rich), the service stores it beside
the data as ``report.md``, and the agent quotes it, so it lives here, in one place.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sdga.models import CoherenceReport, GenerateDataRequest, GenerateDataResponse, QualityMetrics

_MAX_FIELD_ROWS = 60
_MAX_CELL = 40


def _cell(value: Any) -> str:
    """A value made safe for one markdown table cell (pipes escaped, one line, shortened)."""
    text = "" if value is None else str(value)
    text = " ".join(text.replace("|", "\\|").split())
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _code(value: Any, *, in_table: bool = True) -> str:
    """``value`` (a path, user input) as one inline code span that survives any character.

    In a table cell a pipe must be escaped even inside code (GFM splits cells first); a backtick in the
    value needs a longer fence so it does not end the span.
    """
    text = " ".join(str(value).split())
    if in_table:
        text = text.replace("|", "\\|")
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall(r"`+", text)) + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"


def _duration(ms: float) -> str:
    if ms < 1_000:
        return f"{ms:,.0f} ms"
    seconds = ms / 1000
    if seconds < 120:
        return f"{seconds:,.2f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def _score(value: float) -> str:
    return f"{value:.4f} ({value * 100:.1f}%)"


def _metrics_section(metrics: QualityMetrics) -> list[str]:
    lines = [
        "",
        "## Quality metrics",
        "",
        "| Metric | Score |",
        "|---|---:|",
        f"| Uniqueness | {_score(metrics.uniqueness_score)} |",
        f"| Validity | {_score(metrics.validity_score)} |",
        f"| Completeness | {_score(metrics.completeness_score)} |",
    ]
    if metrics.row_count is not None:
        lines.append(f"| Rows measured | {metrics.row_count:,} |")
    if metrics.distribution_analysis:
        lines += [
            "",
            "### Distributions",
            "",
            "| Field | Mean | Median | Std dev | Shape |",
            "|---|---:|---:|---:|---|",
        ]
        for name, dist in list(metrics.distribution_analysis.items())[:_MAX_FIELD_ROWS]:
            shape = dist.distribution_type.value if dist.distribution_type is not None else ""
            lines.append(
                f"| {_cell(name)} | {_num(dist.mean)} | {_num(dist.median)} | {_num(dist.std_dev)} | {shape} |"
            )
    if metrics.field_statistics:
        lines += [
            "",
            "### Fields",
            "",
            "| Field | Nulls | Unique | Min | Max | Avg length |",
            "|---|---:|---:|---|---|---:|",
        ]
        items = list(metrics.field_statistics.items())
        for name, st in items[:_MAX_FIELD_ROWS]:
            avg = f"{st.avg_length:.1f}" if st.avg_length is not None else ""
            lines.append(
                f"| {_cell(name)} | {st.null_count:,} | {st.unique_count:,} | {_cell(st.min_value)} "
                f"| {_cell(st.max_value)} | {avg} |"
            )
        if len(items) > _MAX_FIELD_ROWS:
            lines.append(f"| … {len(items) - _MAX_FIELD_ROWS} more fields | | | | | |")
    if metrics.coherence is not None:
        lines += coherence_section(metrics.coherence)
    return lines


def coherence_section(report: CoherenceReport, heading: str = "###") -> list[str]:
    """The declared rules checked on the data: one line per rule, broken ones with an example row."""
    lines = ["", f"{heading} Coherence (the schema's declared rules)", ""]
    if report.error:
        return [*lines, f"Not checked: {_cell(report.error)}"]
    score = _score(report.score) if report.score is not None else "nothing to check"
    lines += [
        f"Rows that keep every rule they are subject to: {score}.",
        "",
        "| Rule | Rows checked | Violations | Example |",
        "|---|---:|---:|---|",
    ]
    for rule in report.rules[: _MAX_FIELD_ROWS * 2]:
        if rule.skipped:
            lines.append(f"| {_code(rule.rule)} | - | - | skipped: {_cell(rule.skipped)} |")
            continue
        example = ""
        if rule.examples:
            example = " ".join(", ".join(f"{k}={v}" for k, v in rule.examples[0].items()).replace("|", "\\|").split())
            example = example if len(example) <= 160 else example[:159] + "…"
        lines.append(f"| {_code(rule.rule)} | {rule.checked:,} | {rule.violations:,} | {example} |")
    return lines


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:.4g}"


def render_report(response: GenerateDataResponse, request: GenerateDataRequest | None = None) -> str:
    """The markdown report for one generation (``request`` adds what was asked for, when known)."""
    status = response.status.value
    lines = [
        f"# Synthetic data generation report — `{response.generation_id}`",
        "",
        "| | |",
        "|---|---|",
        f"| Generation id | `{response.generation_id}` |",
        f"| Status | **{status}** |",
        f"| Records generated | {response.records_generated:,} |",
        f"| Execution time | {_duration(response.execution_time_ms)} |",
    ]
    if response.records_generated and response.execution_time_ms > 0:
        rate = response.records_generated / (response.execution_time_ms / 1000)
        per_1k = response.execution_time_ms / (response.records_generated / 1000)
        lines.append(f"| Throughput | {rate:,.0f} records/s ({per_1k:,.3f} ms per 1,000 records) |")
    lines.append(f"| Output location | {_code(response.output_location or '-')} |")
    if request is not None:
        schema_name = request.schema_.name if request.schema_ is not None and request.schema_.name else None
        lines += [
            f"| Data type | {request.data_type.value}{f' ({_cell(schema_name)})' if schema_name else ''} |",
            f"| Output format | {request.output_format.value}"
            + (f" ({request.sql_dialect.value})" if request.output_format.value == "sql" else "")
            + " |",
            f"| Destination | {request.destination.type.value} |",
            f"| Locale | {request.locale} |",
            f"| Compliance | {', '.join(c.value for c in request.compliance_requirements) or 'none requested'} |",
        ]
    if response.seed is not None:
        lines.append(f"| Seed | {response.seed} (same request + seed = same data) |")
    if response.report_location:
        lines.append(f"| Report | {_code(response.report_location)} |")
    if len(response.records_per_table) > 1 or response.output_files:
        lines += ["", "## Output", "", "| Table | Records |", "|---|---:|"]
        lines += [f"| {_cell(name)} | {count:,} |" for name, count in response.records_per_table.items()]
        if response.output_files:
            lines += ["", "Files:", ""] + [f"- {_code(path, in_table=False)}" for path in response.output_files]
    if response.data_quality_metrics is not None:
        lines += _metrics_section(response.data_quality_metrics)
    if response.errors:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in response.errors]
    if response.warnings:
        lines += ["", "## Warnings", ""] + [f"- {warning}" for warning in response.warnings]
    lines.append("")
    return "\n".join(lines)


def write_report_file(directory: Path, response: GenerateDataResponse, request: GenerateDataRequest) -> Path:
    """``report.md`` in ``directory`` (created if need be), rendered from ``response`` as it is now."""
    text: str | None = None
    try:
        text = render_report(response, request=request)
    except Exception:  # a report must never fail a generation: the short form needs nothing optional
        text = None
    if not isinstance(text, str):
        text = render_report_markdown(response, request)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.md"
    path.write_text(text, encoding="utf-8")
    return path


def render_report_markdown(response: GenerateDataResponse, request: GenerateDataRequest | None = None) -> str:
    """The short report of a generation known only from history (pending, running, failed): id, status,
    records, time, quality metrics, output location, problems."""
    lines = [
        f"# Synthetic data generation report — `{response.generation_id}`",
        "",
        "| | |",
        "|---|---|",
        f"| Status | **{response.status.value}** |",
        f"| Records generated | {response.records_generated:,} |",
        f"| Execution time | {response.execution_time_ms:,.0f} ms |",
        f"| Output location | `{response.output_location or '-'}` |",
    ]
    if request is not None:
        lines += [
            f"| Data type | {request.data_type.value} |",
            f"| Output format | {request.output_format.value} |",
            f"| Destination | {request.destination.type.value} |",
            f"| Compliance | {', '.join(c.value for c in request.compliance_requirements) or '-'} |",
        ]
    if response.seed is not None:
        lines.append(f"| Seed | {response.seed} |")
    if response.records_per_table:
        lines += ["", "## Tables", "", "| Table | Records |", "|---|---:|"]
        lines += [f"| {name} | {count:,} |" for name, count in response.records_per_table.items()]
    metrics = response.data_quality_metrics
    if metrics is not None:
        lines += [
            "",
            "## Quality metrics",
            "",
            "| Metric | Score |",
            "|---|---:|",
            f"| Uniqueness | {metrics.uniqueness_score:.4f} |",
            f"| Validity | {metrics.validity_score:.4f} |",
            f"| Completeness | {metrics.completeness_score:.4f} |",
        ]
        if metrics.field_statistics:
            lines += [
                "",
                "| Field | Nulls | Unique | Min | Max | Avg length |",
                "|---|---:|---:|---|---|---:|",
            ]
            for name, st in list(metrics.field_statistics.items())[:60]:
                avg = f"{st.avg_length:.1f}" if st.avg_length is not None else ""
                lines.append(
                    f"| {name} | {st.null_count} | {st.unique_count} | {_short_cell(st.min_value)} "
                    f"| {_short_cell(st.max_value)} | {avg} |"
                )
    if response.errors:
        lines += ["", "## Errors", ""] + [f"- {e}" for e in response.errors]
    if response.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in response.warnings]
    lines.append("")
    return "\n".join(lines)


def _short_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."
