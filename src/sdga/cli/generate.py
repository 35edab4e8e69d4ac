"""``sdga generate``, ``sdga templates`` and ``sdga types``.

``generate`` builds a :class:`~sdga.models.GenerateDataRequest` from a template or a schema file plus
options, validates the schema and the requested compliance regimes first, then streams the data into
files and prints the generation report. Every bad input is one ``error:`` line on stderr and exit code 2,
before anything is written; choices (format, dialect, compliance) are checked here rather than by the
option parser so that they fail the same way.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from sdga.cli.common import handle_errors, parse_compliance, print_json
from sdga.cli.output import emit_result, run_with_progress
from sdga.errors import InvalidInputError, NotFoundError, SchemaError
from sdga.models import (
    MAX_VOLUME,
    SUPPORTED_LOCALES,
    ComplianceRequirement,
    DataType,
    GenerateDataRequest,
    GenerateDataResponse,
    OutputFormat,
    Schema,
    Severity,
    SqlDialect,
)
from sdga.writers import EXTENSIONS, default_output_path

_FORMAT_BY_SUFFIX = {f".{ext}": fmt for fmt, ext in EXTENSIONS.items()} | {".ndjson": OutputFormat.JSONL}


def _choice(value: str, enum: type[Any], what: str) -> Any:
    normalised = value.strip().lower()
    for member in enum:
        if normalised == str(member.value).lower():
            return member
    allowed = ", ".join(str(m.value) for m in enum)
    raise InvalidInputError(f"unknown {what} '{value}': choose one of {allowed}")


def _locale(value: str) -> str:
    """A supported locale, matched like the other choices: any case, ``-`` or ``_`` (``en-gb`` is en_GB)."""
    wanted = value.strip().replace("-", "_").lower()
    for locale in SUPPORTED_LOCALES:
        if locale.lower() == wanted:
            return locale
    raise InvalidInputError(f"unsupported locale '{value}': choose one of {', '.join(SUPPORTED_LOCALES)}")


def _template_schema(name: str) -> Schema:
    from sdga.engine.templates import get_template, list_templates

    try:
        return get_template(name)
    except (NotFoundError, KeyError, SchemaError) as exc:
        names = ", ".join(t.name for t in list_templates())
        raise InvalidInputError(f"unknown template '{name}': available templates are {names}") from exc


# Keys of a GenerateDataRequest document that `--schema request.json` takes as defaults.
_REQUEST_KEYS = (
    "data_type",
    "volume",
    "compliance_requirements",
    "output_format",
    "seed",
    "locale",
    "sql_dialect",
    "allow_compliance_violations",
    "engine",
)


def _read_schema_file(path: Path) -> tuple[Schema, dict[str, Any]]:
    """The schema in ``path`` and, when the file is a whole request (API body), its other settings."""
    from sdga.schema_io import load_schema, read_document

    document = read_document(path)
    settings: dict[str, Any] = {}
    if isinstance(document, dict) and isinstance(document.get("schema"), dict):
        settings = {k: document[k] for k in _REQUEST_KEYS if k in document}
    return load_schema(document if isinstance(document, dict) else path), settings


def build_request(
    *,
    template: str | None,
    schema_file: Path | None,
    data_type: str | None,
    volume: int | None,
    output_format: OutputFormat | None,
    seed: int | None,
    locale: str | None,
    sql_dialect: SqlDialect | None,
    compliance: list[ComplianceRequirement] | None,
    allow_compliance_violations: bool,
    engine: str | None = None,
) -> tuple[GenerateDataRequest, str]:
    """The request the options describe, and the name used for default output paths.

    ``None`` means "not given": a request document passed as ``--schema`` supplies it, else the default.
    """
    from sdga.schema_io import to_model

    if template and schema_file:
        raise InvalidInputError("give either --template or --schema, not both")
    if volume is not None and not (1 <= volume <= MAX_VOLUME):
        raise InvalidInputError(f"--volume must be between 1 and {MAX_VOLUME:,} (got {volume})")
    if seed is not None and not (0 <= seed < 2**63):
        raise InvalidInputError("--seed must be between 0 and 2**63-1")
    if locale is not None:
        locale = _locale(locale)
    dtype = _choice(data_type, DataType, "data type") if data_type else None
    settings: dict[str, Any] = {}
    if schema_file is not None:
        schema, settings = _read_schema_file(schema_file)
        name = schema.name or schema_file.stem
    else:
        name = template or (dtype.value if dtype is not None and dtype != DataType.CUSTOM else "")
        if not name:
            raise InvalidInputError("nothing to generate: give --template NAME, --schema FILE or --data-type")
        schema = _template_schema(name)
        if dtype is None:
            dtype = DataType(name) if name in {d.value for d in DataType} else DataType.CUSTOM
    given = {
        "data_type": dtype,
        "volume": volume,
        "compliance_requirements": compliance,
        "output_format": output_format,
        "seed": seed,
        "locale": locale,
        "sql_dialect": sql_dialect,
        "allow_compliance_violations": allow_compliance_violations or None,
        "engine": engine,
    }
    payload: dict[str, Any] = {
        "data_type": DataType.CUSTOM,
        "volume": 1000,
        "output_format": OutputFormat.JSON,
        "locale": "en_US",
        "sql_dialect": SqlDialect.POSTGRESQL,
    }
    payload.update(settings)
    payload.update({k: v for k, v in given.items() if v is not None})
    payload["schema"] = schema
    what = f"request in {schema_file}" if settings else "request"
    return to_model(GenerateDataRequest, payload, what=what), name


def preflight(request: GenerateDataRequest) -> list[str]:
    """Validate the schema and the compliance regimes before generating: warnings, or an error raised."""
    from sdga.limits import check_schema
    from sdga.validation import enforce_compliance, validate_schema

    assert request.schema_ is not None
    check_schema(request.schema_, volume=request.volume)  # the limits every door applies (sdga.limits)
    checked = validate_schema(request.schema_, (), volume=request.volume, locale=request.locale)
    errors = [m for m in checked.errors if m.severity == Severity.ERROR]
    if errors:
        first = errors[0]
        where = f"`{first.field}`: " if first.field else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SchemaError(
            f"schema invalid: {where}{first.message}{more}",
            details=[m.model_dump(mode="json") for m in errors],
        )
    warnings = [f"`{m.field}`: {m.message}" if m.field else m.message for m in checked.errors]
    return warnings + enforce_compliance(request)


@handle_errors
def generate(
    template: str | None = typer.Option(
        None, "--template", "-t", help="Template name (see `sdga templates`), e.g. user_profile."
    ),
    schema: Path | None = typer.Option(
        None,
        "--schema",
        "-s",
        help="Schema file (JSON or YAML); a whole request document (API body) also sets volume, format, seed, ...",
    ),
    data_type: str | None = typer.Option(
        None, "--data-type", help="user_profile | transaction | log_event | custom (default: from template)."
    ),
    volume: int | None = typer.Option(
        None, "--volume", "-n", help="Records (per table unless the schema says) [default: 1000]."
    ),
    output_format: str | None = typer.Option(
        None, "--format", "-f", help="csv | json | jsonl | parquet | sql | xml (default: from --out, else json)."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="File, or directory for several tables (default ./output/<name>.<ext> or ./output/<name>/).",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Same request and seed, same bytes."),
    locale: str | None = typer.Option(
        None, "--locale", "-l", help=f"One of {', '.join(SUPPORTED_LOCALES)} [default: en_US]."
    ),
    workers: int = typer.Option(1, "--workers", "-w", help="Worker processes (output identical for any N)."),
    engine: str | None = typer.Option(
        None,
        "--engine",
        envvar="SDGA_ENGINE",
        help="How the rows are produced [default: local]; the same rows whatever the engine.",
    ),
    spark_master: str | None = typer.Option(
        None,
        "--spark-master",
        envvar="SDGA_SPARK_MASTER",
        help="With --engine spark: local[*] (default), local[N], a cluster master URL or a Spark Connect URL (sc://host:15002).",
    ),
    batch_size: int = typer.Option(65_536, "--batch-size", help="Rows per batch (bounds memory)."),
    sql_dialect: str | None = typer.Option(
        None, "--sql-dialect", help="postgresql | mysql | sqlite [default: postgresql]."
    ),
    sql_drop_existing: bool = typer.Option(
        False, "--sql-drop-existing", help="SQL: start with DROP TABLE IF EXISTS so the script can be re-run."
    ),
    compliance: str | None = typer.Option(
        None, "--compliance", "-c", help="Comma-separated: GDPR,HIPAA,PCI-DSS,SOC2,CCPA."
    ),
    allow_compliance_violations: bool = typer.Option(
        False, "--allow-compliance-violations", help="Generate despite compliance errors (reported as warnings)."
    ),
    report: Path | None = typer.Option(None, "--report", help="Also write the JSON response to this file."),
    metrics: bool = typer.Option(
        True, "--metrics/--no-metrics", help="Measure quality metrics (on up to 200,000 rows per table)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON response instead of the markdown report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors and warnings."),
    # --- service destinations (sdga.cli.service) ---------------------------------------------------
    destination: str | None = typer.Option(
        None,
        "--destination",
        "-d",
        help="local | s3 | rds | inline: run through the service (history, report, `sdga status/download`).",
    ),
    location: str | None = typer.Option(
        None, "--location", help="With --destination: directory/file, s3://bucket/prefix or a SQLAlchemy URL."
    ),
    if_exists: str = typer.Option("fail", "--if-exists", help="With --destination rds: fail | replace | append."),
) -> None:
    """Generate synthetic data from a template or a schema into files, a bucket or a database."""
    from sdga.engine import plan_generation
    from sdga.execution import ENGINES, EngineOptions, engine_name
    from sdga.generation import generate_to_path
    from sdga.limits import check_rows
    from sdga.writers import check_output_location, output_files

    if workers < 1 or workers > (os.cpu_count() or 1) * 4:
        raise InvalidInputError(f"--workers must be between 1 and {(os.cpu_count() or 1) * 4}")
    if not (1 <= batch_size <= 10_000_000):
        raise InvalidInputError("--batch-size must be between 1 and 10,000,000")
    fmt: OutputFormat | None = None
    if output_format is not None:
        fmt = _choice(output_format, OutputFormat, "format")
        named = _FORMAT_BY_SUFFIX.get(out.suffix.lower()) if out is not None and not out.is_dir() else None
        json_family = {OutputFormat.JSON, OutputFormat.JSONL}
        if named is not None and named != fmt and not {named, fmt} <= json_family:
            assert out is not None
            raise InvalidInputError(
                f"--format {fmt.value} does not match the file name {out.name!r} (a {named.value} file): "
                f"drop --format, or name the file {out.with_suffix('.' + EXTENSIONS[fmt]).name!r}"
            )
    elif out is not None and out.suffix.lower() in _FORMAT_BY_SUFFIX and not out.is_dir():
        fmt = _FORMAT_BY_SUFFIX[out.suffix.lower()]
    dialect = _choice(sql_dialect, SqlDialect, "SQL dialect") if sql_dialect is not None else None
    request, name = build_request(
        template=template,
        schema_file=schema,
        data_type=data_type,
        volume=volume,
        output_format=fmt,
        seed=seed,
        locale=locale,
        sql_dialect=dialect,
        compliance=parse_compliance(compliance) if compliance is not None else None,
        allow_compliance_violations=allow_compliance_violations,
        engine=engine,
    )
    fmt = request.output_format
    if destination is not None:  # the service path: see sdga.cli.service.generate_via_service
        from sdga.cli.service import generate_via_service

        generate_via_service(
            request,
            destination=destination,
            location=location if location is not None else (str(out) if out is not None else None),
            if_exists=if_exists,
            as_json=as_json,
            quiet=quiet,
            report=report,
        )
        return
    chosen = ENGINES.create(engine_name(request.engine), EngineOptions(workers=workers, master=spark_master))
    warnings = preflight(request)
    plan = plan_generation(request)
    check_rows(sum(int(getattr(t, "volume", 0) or 0) for t in plan.tables))
    if chosen.name == "spark":  # part files per table and a manifest, to a directory or s3:// (sdga.cli.spark)
        from sdga.cli.spark import generate_spark

        generate_spark(
            request, name, out, chosen, plan, warnings, quiet=quiet, metrics=metrics, report=report, as_json=as_json
        )
        return
    target = out if out is not None else default_output_path(name, fmt, len(plan.tables))
    check_output_location(target, fmt, len(plan.tables))
    if report is not None:
        if report.is_dir():
            raise InvalidInputError(f"--report {report} is a directory; give a file name")
        # The report is written after the data: at the path of an output file it would replace the data.
        if report.resolve() in {p.resolve() for p in output_files(plan, target, fmt).values()}:
            raise InvalidInputError(f"--report {report} would overwrite the generated data; give another file name")
        check_output_location(report.parent, OutputFormat.JSON, 2)

    total = sum(int(getattr(t, "volume", 0) or 0) for t in plan.tables)
    started_ms = int(time.time() * 1000)
    try:
        response = run_with_progress(
            total,
            lambda progress: generate_to_path(
                request,
                target,
                workers=workers,
                batch_size=batch_size,
                progress=progress,
                metrics=metrics,
                warnings=warnings,
                plan=plan,
                sql_drop_existing=sql_drop_existing,
                engine=chosen,
            ),
            quiet=quiet,
        )
    except BaseException as exc:  # recorded as failed (interrupted or refused), then reported as usual
        _record_run(request, _failed_response(request, exc), started_ms)
        raise
    _record_run(request, response, started_ms)
    emit_result(response, request, report=report, as_json=as_json, quiet=quiet)


def _failed_response(request: GenerateDataRequest, exc: BaseException) -> GenerateDataResponse:
    from sdga.errors import SdgaError
    from sdga.models import GenerationStatus

    reason = exc.message if isinstance(exc, SdgaError) else f"interrupted ({type(exc).__name__}); nothing was written"
    return GenerateDataResponse(status=GenerationStatus.FAILED, errors=[reason], seed=request.seed)


def _record_run(request: GenerateDataRequest, response: GenerateDataResponse, started_ms: int) -> None:
    """``sdga history`` lists plain runs too (with where the files went); a history that cannot be written
    (a read-only SDGA_HOME) never fails the generation itself: it says so instead."""
    from sdga.service import SyntheticDataService

    absolute = response.model_copy(
        update={
            "output_location": str(Path(response.output_location).resolve()) if response.output_location else None,
            "output_files": [str(Path(f).resolve()) for f in response.output_files],
        }
    )
    try:
        SyntheticDataService.from_env().record_finished(request, absolute, started_ms=started_ms)
    except Exception as exc:
        typer.echo(f"warning: not recorded in the history: {exc}", err=True)


@handle_errors
def templates(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the built-in templates (use one with `sdga generate --template NAME`)."""
    from sdga.engine.templates import get_template, list_templates

    rows: list[dict[str, Any]] = []
    for info in list_templates():
        schema = get_template(info.name)
        tables = schema.table_list(default_name=info.name)
        rows.append(
            {
                "name": info.name,
                "description": info.description,
                "data_type": getattr(info.data_type, "value", info.data_type),
                "domain": info.domain,
                "tables": [t.name for t in tables],
                "fields": sum(len(t.fields) for t in tables),
            }
        )
    if as_json:
        print_json(rows)
        return
    table = Table(title="Templates", show_lines=False)
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("domain", no_wrap=True)
    table.add_column("tables", overflow="fold")
    table.add_column("fields", justify="right")
    table.add_column("description", overflow="fold", ratio=1)
    for row in rows:
        table.add_row(
            _text(row["name"]),
            _text(row["domain"]),
            _text(row["tables"]),
            str(row["fields"]),
            _text(row["description"]),
        )
    Console().print(table)


@handle_errors
def types(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the field types a schema can use (plus `faker:<method>` for any other Faker provider)."""
    from sdga.engine.fields import describe_types

    described = describe_types()
    if as_json:
        sys.stdout.write(json.dumps(described, indent=2, default=str) + "\n")
        return
    columns: list[str] = []
    for entry in described:
        for key in entry:
            if key not in columns:
                columns.append(key)
    table = Table(title="Field types")
    for column in columns:
        wide = column in ("description", "example")
        table.add_column(column.replace("_", " "), overflow="fold", no_wrap=column == "name", ratio=1 if wide else None)
    for entry in described:
        table.add_row(*(_text(entry.get(c)) for c in columns))
    Console().print(table)


def _text(value: Any) -> str:
    """A cell of a Rich table: text in square brackets ("[min, max]", "date32[day]") is shown, not read as markup."""
    from rich.markup import escape

    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return escape(", ".join(str(v) for v in value))
    if isinstance(value, bool):
        return "yes" if value else ""
    return escape(str(value))


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
    app.command("templates")(templates)
    app.command("types")(types)
