"""``sdga validate``, ``sdga metrics`` and ``sdga infer``.

``validate`` prints the ValidateSchemaResponse JSON and exits 0 (valid), 1 (invalid) or 2 (unreadable
input). ``metrics`` prints the QualityMetricsResponse JSON (or a Markdown report) for a file, a directory
or a stored generation id. ``infer`` writes a schema learned from a sample as YAML or JSON.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import typer

from sdga.cli.common import EXIT_INVALID, handle_errors, parse_compliance, print_json
from sdga.errors import InvalidInputError
from sdga.models import QualityMetrics, QualityMetricsResponse, Schema
from sdga.schema_io import load_schema, parse_document, to_model

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _read_schema(source: str) -> Schema:
    """A schema from a file path or '-' (stdin); requests wrapping it as {"schema": ...} are unwrapped."""
    if source == "-":
        return to_model(Schema, _unwrap(parse_document(sys.stdin.read(), source="stdin")), what="schema")
    path = Path(source)
    if not path.exists():
        raise InvalidInputError(f"file not found: {path}")
    if path.is_dir():
        raise InvalidInputError(f"expected a schema file, got a directory: {path}")
    return load_schema(path)


def _unwrap(data: object) -> object:
    if isinstance(data, dict) and isinstance(data.get("schema"), dict):
        return data["schema"]
    return data


def _pairs_line(scored: int, total: int, sampled: bool) -> str:
    """How many column pairs the pair trends looked at, and whether they were a sample."""
    if sampled:
        return f"{scored:,} of {total:,} (a seeded sample; SDGA_METRICS_MAX_PAIRS)"
    return f"all {total:,}"


def _fmt(value: object, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def metrics_markdown(response: QualityMetricsResponse, source: str) -> str:
    """A readable Markdown report of the metrics (scores, fidelity, distributions, field statistics)."""
    m: QualityMetrics = response.metrics
    lines = [
        "# Data quality report",
        "",
        f"- Data: `{source}`",
        f"- Rows: {m.row_count:,}" if m.row_count is not None else "- Rows: -",
        f"- Analysis time: {response.analysis_time_ms:.0f} ms",
        "",
        "| Score | Value |",
        "|---|---|",
        f"| Uniqueness | {m.uniqueness_score:.4f} |",
        f"| Validity | {m.validity_score:.4f} |",
        f"| Completeness | {m.completeness_score:.4f} |",
    ]
    if m.tables:
        lines += [
            "",
            "## Tables",
            "",
            "| Table | Rows | Uniqueness | Validity | Completeness |",
            "|---|---|---|---|---|",
        ]
        for name, t in m.tables.items():
            lines.append(
                f"| {name} | {t.row_count or 0:,} | {t.uniqueness_score:.4f} | {t.validity_score:.4f} "
                f"| {t.completeness_score:.4f} |"
            )
    f = m.fidelity
    if f is not None:
        lines += [
            "",
            "## Fidelity against the reference (SDMetrics definitions)",
            "",
            "| Measure | Value |",
            "|---|---|",
            f"| Column shapes | {_fmt(f.column_shapes)} |",
            f"| Column pair trends | {_fmt(f.column_pair_trends)} |",
            f"| Cardinality (children per parent) | {_fmt(f.cardinality)} |",
            f"| Inter-table trends (parent and child columns) | {_fmt(f.intertable_trends)} |",
            f"| Overall | {_fmt(f.overall_score)} |",
            f"| Exact copies of reference rows | {_fmt(f.exact_copy_rate)} |",
            f"| Median distance to closest record | {_fmt(f.dcr_median)} |",
            f"| DCR baseline protection | {_fmt(f.dcr_baseline_protection)} |",
            f"| Column pairs examined | {_pairs_line(f.pairs_scored, f.pairs_total, f.pairs_sampled)} |",
        ]
        if f.column_scores:
            lines += ["", "| Column | Shape score |", "|---|---|"]
            lines += [f"| {k} | {v:.4f} |" for k, v in f.column_scores.items()]
    if m.coherence is not None:
        from sdga.report import coherence_section

        lines += coherence_section(m.coherence, "##")
    if m.distribution_analysis:
        lines += [
            "",
            "## Numeric distributions",
            "",
            "| Field | Mean | Median | Std dev | Type |",
            "|---|---|---|---|---|",
        ]
        for name, d in m.distribution_analysis.items():
            kind = d.distribution_type.value if d.distribution_type else "-"
            lines.append(f"| {name} | {_fmt(d.mean)} | {_fmt(d.median)} | {_fmt(d.std_dev)} | {kind} |")
    checked = any(s.invalid_count is not None for s in m.field_statistics.values())
    lines += [
        "",
        "## Field statistics",
        "",
        "| Field | Nulls | Unique | Min | Max | Avg length |" + (" Invalid |" if checked else ""),
        "|---|---|---|---|---|---|" + ("---|" if checked else ""),
    ]
    for name, s in m.field_statistics.items():
        invalid = f" {s.invalid_count:,} |" if s.invalid_count is not None else (" - |" if checked else "")
        lines.append(
            f"| {name} | {s.null_count:,} | {s.unique_count:,} | {_fmt(s.min_value)} | {_fmt(s.max_value)} "
            f"| {_fmt(s.avg_length, 2)} |{invalid}"
        )
    return "\n".join(lines) + "\n"


@handle_errors
def validate_command(
    schema: str = typer.Argument(
        ..., help="Schema file (JSON or YAML; a request with a 'schema' key works too), or '-'."
    ),
    compliance: str | None = typer.Option(
        None, "--compliance", "-c", help="Regimes to check: GDPR,HIPAA,PCI-DSS,SOC2,CCPA."
    ),
    volume: int | None = typer.Option(None, "--volume", "-n", min=0, help="Planned rows (checks unique capacity)."),
    locale: str = typer.Option("en_US", "--locale", help="Locale the data would be generated in."),
) -> None:
    """Validate a schema (and compliance); JSON out; exit 0 valid, 1 invalid, 2 unreadable."""
    from sdga.validation import validate_schema

    requirements = parse_compliance(compliance)
    parsed = _read_schema(schema)
    result = validate_schema(parsed, requirements, volume=volume, locale=locale)
    print_json(result)
    if not result.valid:
        raise typer.Exit(EXIT_INVALID)


@handle_errors
def metrics_command(
    data: str = typer.Argument(
        ..., help="Data file or directory (csv, tsv, json, jsonl, parquet, xml), or a generation id."
    ),
    schema: str | None = typer.Option(None, "--schema", "-s", help="Schema to check validity against."),
    reference: Path | None = typer.Option(
        None, "--reference", "-r", help="Real data to score fidelity and privacy against."
    ),
    markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown report instead of JSON."),
    html: Path | None = typer.Option(
        None, "--html", help="Also write a self-contained HTML report with charts (opens offline)."
    ),
) -> None:
    """Quality metrics of generated data (QualityMetricsResponse JSON, or --markdown; --html adds charts)."""
    parsed_schema = _read_schema(schema) if schema else None
    if reference is not None and not reference.exists():
        raise InvalidInputError(f"reference not found: {reference}")
    started = time.perf_counter()
    if html is not None:
        response = _html_report(data, parsed_schema, reference, html)
    elif not Path(data).exists() and UUID_RE.match(data):
        from sdga.models import QualityMetricsRequest
        from sdga.service import SyntheticDataService

        request = QualityMetricsRequest.model_validate(
            {
                "generation_id": data,
                "schema": parsed_schema.model_dump(mode="json", by_alias=True) if parsed_schema else None,
                "reference_location": str(reference) if reference else None,
            }
        )
        response = SyntheticDataService.from_env().quality_metrics(request)
    else:
        from sdga.quality import calculate_quality_metrics

        metrics = calculate_quality_metrics(data, schema=parsed_schema, reference=reference)
        response = QualityMetricsResponse(metrics=metrics, analysis_time_ms=(time.perf_counter() - started) * 1000)
    if markdown:
        sys.stdout.write(metrics_markdown(response, data))
    else:
        print_json(response)


def _html_report(data: str, schema: Schema | None, reference: Path | None, out: Path) -> QualityMetricsResponse:
    """Measure, chart and write the HTML report to ``out``; the metrics are answered as usual."""
    from sdga.models import QualityMetricsRequest
    from sdga.report.html import render_html
    from sdga.service import SyntheticDataService
    from sdga.writers._atomic import write_text_atomic

    if out.is_dir():
        raise InvalidInputError(f"--html needs a file name, got a directory: {out}")
    by_id = not Path(data).exists() and UUID_RE.match(data)
    request = QualityMetricsRequest.model_validate(
        {
            "generation_id": data if by_id else None,
            "data_location": None if by_id else str(Path(data).resolve()),
            "schema": schema.model_dump(mode="json", by_alias=True) if schema else None,
            "reference_location": str(reference.resolve()) if reference else None,
        }
    )
    service = SyntheticDataService.from_env()
    service.restrict_paths = False  # the user's own files on the user's own machine
    report = service.quality_report(request)
    write_text_atomic(out, render_html(report))
    typer.echo(f"wrote {out}: {len(report.charts)} charts", err=True)
    return QualityMetricsResponse(
        generation_id=report.generation_id, metrics=report.metrics, analysis_time_ms=report.analysis_time_ms
    )


@handle_errors
def infer_command(
    sample: Path = typer.Option(
        ..., "--from", "-f", help="Sample data: a file (csv, json, jsonl, parquet, xml) or a directory."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Schema file to write (.yaml/.yml or .json); stdout if omitted."
    ),
    name: str | None = typer.Option(None, "--name", help="Table name for a single-table sample."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Learn a schema from a sample: safe generators for PII, distributions, categories, correlations."""
    from sdga.quality import infer_schema, schema_document
    from sdga.quality.infer import schema_yaml

    if out is not None and out.exists() and not force:
        raise InvalidInputError(f"{out} already exists; pass --force to overwrite it")
    schema = infer_schema(sample, name=name)
    document = schema_document(schema)
    as_json = out is not None and out.suffix.lower() == ".json"
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n" if as_json else schema_yaml(schema)
    if out is None:
        sys.stdout.write(text)
        return
    from sdga.writers._atomic import write_text_atomic

    write_text_atomic(out, text)  # a temporary name of its own: a killed run's is swept later
    tables = schema.table_list()
    fields = sum(len(t.fields) for t in tables)
    typer.echo(f"wrote {out}: {len(tables)} table(s), {fields} field(s)", err=True)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate_command)
    app.command("metrics")(metrics_command)
    app.command("infer")(infer_command)
