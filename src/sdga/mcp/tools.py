"""The MCP tools: what each one is called, what it takes, what it returns, and how it runs.

This module does not need the MCP SDK: the definitions (names, descriptions, JSON Schemas derived from
the request and response models) can be read by anything that publishes the same tools elsewhere, and
the tools run against :class:`~sdga.service.SyntheticDataService` as plain functions. ``server.py``
puts them on the wire.

Each tool answers a :class:`ToolOutcome`: the response model as structured content, a short text
summary for people and models that only read text, and links to what the server can serve as resources
(the generated files, the report). A result never carries more than ``max_result_bytes`` of JSON: rows
returned inline are trimmed to fit, then per-field detail, and the full result stays one resource read away.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from sdga.errors import InvalidInputError, SdgaError, from_validation_error
from sdga.mcp import resources as res
from sdga.mcp.models import (
    FieldTypeInfo,
    GenerationStatusRequest,
    ListFieldTypesRequest,
    ListFieldTypesResponse,
    ListTemplatesRequest,
    ListTemplatesResponse,
    PlanRequest,
    PlanResponse,
    TemplateInfo,
)
from sdga.models import (
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    QualityMetrics,
    QualityMetricsRequest,
    QualityMetricsResponse,
    Severity,
    ValidateSchemaRequest,
    ValidateSchemaResponse,
)
from sdga.models.actions import GENERATE, METRICS, STATUS, VALIDATE

log = logging.getLogger("sdga.mcp")

# Tool names: the same as the Converse agent's tools and the Lambda actions, so a model that knows one
# door knows them all.
PLAN = "plan_request"
TEMPLATES = "list_templates"
FIELD_TYPES = "list_field_types"

ProgressCallback = Callable[[str, int], None]


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name and description, and the models its input and output schemas come from."""

    name: str
    title: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    read_only: bool = True
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False

    def input_schema(self) -> dict[str, Any]:
        """The JSON Schema of the arguments: the request model's own (aliases, e.g. ``schema``)."""
        schema: dict[str, Any] = self.input_model.model_json_schema(by_alias=True, mode="validation")
        return schema

    def output_schema(self) -> dict[str, Any]:
        """The JSON Schema of the structured result: the response model's serialisation schema."""
        schema: dict[str, Any] = self.output_model.model_json_schema(by_alias=True, mode="serialization")
        return schema


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        GENERATE,
        "Generate synthetic data",
        "Generate realistic, safe synthetic test data from a schema or a template (data_type) and write it to "
        "the destination (default: this server's data folder). The schema is validated first, including the "
        "compliance regimes asked for; invalid requests are refused with the reasons. Personal data is never "
        "real (reserved e-mail domains, fictional phone ranges, never-issued SSNs, test card numbers). Returns "
        "generation_id, status, records, output location, quality metrics and warnings; the files and the "
        "report come back as resource links. Large requests run in the background: poll get_generation_status.",
        GenerateDataRequest,
        GenerateDataResponse,
        read_only=False,
        destructive=True,  # if_exists 'replace' may overwrite a destination the caller names
        idempotent=False,
        open_world=True,  # s3 and database destinations
    ),
    ToolSpec(
        VALIDATE,
        "Validate a schema",
        "Check a schema before generating: field types, constraints, references between tables, whether unique "
        "fields can hold the planned volume, and compliance checks (GDPR, HIPAA, PCI-DSS, SOC2, CCPA). Returns "
        "valid, errors with their fields, suggestions and compliance issues with fixes. Nothing is generated.",
        ValidateSchemaRequest,
        ValidateSchemaResponse,
    ),
    ToolSpec(
        METRICS,
        "Calculate quality metrics",
        "Measure generated data: uniqueness, validity against the schema, completeness, distributions and "
        "per-field statistics, and fidelity and privacy scores against a reference data set when "
        "reference_location is given. Measures a generation by generation_id or files at data_location.",
        QualityMetricsRequest,
        QualityMetricsResponse,
        open_world=True,  # data_location may be s3://
    ),
    ToolSpec(
        PLAN,
        "Plan a plain-English request",
        'Turn a plain-English request ("5k German customers as CSV, GDPR, 10% without phone") into a complete '
        "generate_synthetic_data request, with what was understood, what was assumed and the validation "
        "verdict. Nothing is generated: review or edit the request, then pass it to generate_synthetic_data. "
        'Give previous_request to refine an earlier plan with a follow-up ("make it 10k", "as parquet").',
        PlanRequest,
        PlanResponse,
    ),
    ToolSpec(
        TEMPLATES,
        "List templates",
        "The ready-made schemas (user profiles, transactions, log events, e-commerce, healthcare, ...). Give a "
        "name to get that template's full schema, a good starting point for a custom schema.",
        ListTemplatesRequest,
        ListTemplatesResponse,
    ),
    ToolSpec(
        FIELD_TYPES,
        "List field types",
        "Every field type a schema may use, with its category, description, column type, whether it can be "
        "unique, and an example value. Any Faker provider method is a type too, written faker:<method>.",
        ListFieldTypesRequest,
        ListFieldTypesResponse,
    ),
    ToolSpec(
        STATUS,
        "Generation status",
        "Status and result of an earlier generation by generation_id: pending, running (with records so far), "
        "success, partial or failed with the reason; finished results come with their files as resource links.",
        GenerationStatusRequest,
        GenerateDataResponse,
        idempotent=True,
    ),
)
TOOLS_BY_NAME = {t.name: t for t in TOOLS}


def tool_definitions() -> list[dict[str, Any]]:
    """Every tool as plain data (name, title, description, inputSchema, outputSchema), e.g. for a gateway."""
    return [
        {
            "name": t.name,
            "title": t.title,
            "description": t.description,
            "inputSchema": t.input_schema(),
            "outputSchema": t.output_schema(),
        }
        for t in TOOLS
    ]


@dataclass
class ToolOutcome:
    """What a tool answers: structured content (the output model as JSON), a summary, resource links."""

    structured: dict[str, Any]
    summary: str
    links: list[res.Link] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """Caps on what a result or a resource read may carry (bytes of JSON / of file content)."""

    max_result_bytes: int = 64_000
    max_resource_bytes: int = 8_000_000


class ToolRunner:
    """Runs the tools against one service. Every failure is raised as an :class:`SdgaError`."""

    def __init__(self, service: Any, limits: Limits | None = None) -> None:
        self.service = service
        self.limits = limits or Limits()

    def call(self, name: str, arguments: Any, progress: ProgressCallback | None = None) -> ToolOutcome:
        spec = TOOLS_BY_NAME.get(name)
        if spec is None:
            raise UnknownToolError(
                f"unknown tool {name!r}; the tools are: {', '.join(TOOLS_BY_NAME)}",
                details={"tool": name, "tools": list(TOOLS_BY_NAME)},
            )
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            raise InvalidInputError(f"{name} expects a JSON object as its arguments")
        try:
            request = spec.input_model.model_validate(arguments)
        except ValidationError as exc:
            raise from_validation_error(exc, f"{name} arguments") from None
        handler: Callable[..., ToolOutcome] = getattr(self, f"_{name}")
        if name == GENERATE:
            return handler(request, progress)
        return handler(request)

    # ------------------------------------------------------------------------------------- tools
    def _generate_synthetic_data(self, request: GenerateDataRequest, progress: ProgressCallback | None) -> ToolOutcome:
        response: GenerateDataResponse = self.service.generate(request, progress=progress)
        return self._generation_outcome(response)

    def _get_generation_status(self, request: GenerationStatusRequest) -> ToolOutcome:
        response: GenerateDataResponse = self.service.status(request.generation_id)
        return self._generation_outcome(response)

    def _validate_schema(self, request: ValidateSchemaRequest) -> ToolOutcome:
        result: ValidateSchemaResponse = self.service.validate_schema(request)
        return ToolOutcome(self._fit(_dump(result)), summarize_validation(result))

    def _calculate_quality_metrics(self, request: QualityMetricsRequest) -> ToolOutcome:
        result: QualityMetricsResponse = self.service.quality_metrics(request)
        data = _dump(result)
        if _size(data) > self.limits.max_result_bytes:
            data = _dump(result.model_copy(update={"metrics": _without_detail(result.metrics)}))
            note = "per-field statistics and distributions left out to keep the result small"
        else:
            note = ""
        summary = summarize_metrics(result, request)
        return ToolOutcome(self._fit(data), f"{summary}\n({note})" if note else summary)

    def _plan_request(self, request: PlanRequest) -> ToolOutcome:
        from sdga.agent import Plan, plan_request
        from sdga.limits import check_prompt

        check_prompt(request.prompt, self.service.limits)
        previous = None
        if request.previous_request is not None:
            previous = Plan(request=request.previous_request, prompt="")
        plan = plan_request(request.prompt, previous)
        schema = plan.request.schema_
        if schema is None:
            schema = self.service.template(plan.request.data_type.value)
        validation: ValidateSchemaResponse = self.service.validate_schema(
            ValidateSchemaRequest.model_validate(
                {
                    "schema": schema.model_dump(mode="json", by_alias=True, exclude_none=True),
                    "compliance_requirements": [c.value for c in plan.request.compliance_requirements],
                    "volume": plan.request.volume,
                }
            )
        )
        result = PlanResponse(
            prompt=plan.prompt or request.prompt,
            template=plan.template,
            understood=list(plan.understood),
            assumptions=list(plan.assumptions),
            reused_generation=plan.reused_generation,
            request=plan.request,
            validation=validation,
        )
        return ToolOutcome(self._fit(_dump(result)), summarize_plan(result))

    def _list_templates(self, request: ListTemplatesRequest) -> ToolOutcome:
        templates = [TemplateInfo.model_validate(t) for t in self.service.templates()]
        schema = self.service.template(request.name) if request.name else None
        result = ListTemplatesResponse.model_validate({"templates": templates, "schema": schema})
        lines = [f"{len(templates)} templates:"] + [
            f"- {t.name}: {t.description or ''}".rstrip(": ") for t in templates
        ]
        links = [res.template_link(t.name, t.description) for t in templates]
        if request.name:
            tables = len(schema.table_list(request.name)) if schema is not None else 0
            lines.append(f"The schema of '{request.name}' ({tables} table(s)) is in the structured result.")
        return ToolOutcome(self._fit(_dump(result)), "\n".join(lines), links)

    def _list_field_types(self, request: ListFieldTypesRequest) -> ToolOutcome:
        described = res.field_types()
        categories = sorted({t["category"] for t in described})
        if request.category:
            wanted = request.category.strip().lower()
            if wanted not in categories:
                raise InvalidInputError(
                    f"unknown category {request.category!r}; choose from {', '.join(categories)}",
                    details={"field": "category", "categories": categories},
                )
            described = [t for t in described if t["category"] == wanted]
        result = ListFieldTypesResponse(
            field_types=[FieldTypeInfo.model_validate(t) for t in described], categories=categories
        )
        by_category: dict[str, list[str]] = {}
        for t in result.field_types:
            by_category.setdefault(t.category, []).append(t.name)
        lines = [f"{len(result.field_types)} field types:"] + [
            f"- {cat}: {', '.join(names)}" for cat, names in by_category.items()
        ]
        lines.append("Any Faker provider method is a type too: faker:<method>.")
        return ToolOutcome(self._fit(_dump(result)), "\n".join(lines), [res.field_types_link()])

    # ----------------------------------------------------------------------------------- results
    def _generation_outcome(self, response: GenerateDataResponse) -> ToolOutcome:
        links = res.generation_links(response, self.service)
        shaped = fit_generation(response, self.limits.max_result_bytes)
        return ToolOutcome(self._fit(_dump(shaped)), summarize_generation(shaped), links)

    def _fit(self, data: dict[str, Any]) -> dict[str, Any]:
        """The last guard: a result that is still over the cap is refused, never sent."""
        size = _size(data)
        if size > self.limits.max_result_bytes:
            raise ResultTooLargeError(
                f"the result is {size:,} bytes of JSON, above this server's {self.limits.max_result_bytes:,}; "
                "ask for less (fewer tables or fields) or raise SDGA_MCP_MAX_RESULT_BYTES",
                details={"size": size, "max_result_bytes": self.limits.max_result_bytes},
            )
        return data


class UnknownToolError(SdgaError):
    code = "unknown_tool"
    http_status = 404


class ResultTooLargeError(SdgaError):
    code = "result_too_large"
    http_status = 413


# ---------------------------------------------------------------------------------------- shaping
def _dump(model: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def _size(data: Any) -> int:
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _without_detail(metrics: QualityMetrics) -> QualityMetrics:
    """The scores without per-field statistics and distributions (they stay in the report)."""
    tables = {k: _without_detail(v) for k, v in metrics.tables.items()} if metrics.tables else metrics.tables
    return metrics.model_copy(update={"field_statistics": {}, "distribution_analysis": {}, "tables": tables})


def fit_generation(response: GenerateDataResponse, max_bytes: int) -> GenerateDataResponse:
    """The response, made to fit ``max_bytes`` of JSON: inline rows trimmed first, then per-field detail.

    What was left out is said in ``warnings``; the files and the report hold everything.
    """
    dumped = _dump(response)
    if _size(dumped) <= max_bytes:
        return response
    response = GenerateDataResponse.model_validate(dumped)  # rows as JSON values (dates as text)
    shaped = response.model_copy(deep=True)
    if shaped.data:
        full = {name: len(rows) for name, rows in shaped.data.items()}
        rows_kept = _largest_fitting(response, max_bytes)
        shaped.data = {name: rows[:rows_kept] for name, rows in response.data.items()} if response.data else None
        kept = "no rows" if rows_kept == 0 else f"the first {rows_kept:,} rows per table"
        shaped.warnings.append(
            f"inline rows trimmed to {kept} (of {', '.join(f'{n}: {c:,}' for n, c in full.items())}) to keep the "
            f"result under {max_bytes:,} bytes; read the files from the resource links for all of them"
        )
        if _size(_dump(shaped)) <= max_bytes:
            return shaped
    if shaped.data_quality_metrics is not None:
        shaped.data_quality_metrics = _without_detail(shaped.data_quality_metrics)
        shaped.warnings.append("per-field statistics left out of this result; the report resource has them")
    if _size(_dump(shaped)) > max_bytes:
        for name in ("warnings", "errors"):
            items: list[str] = getattr(shaped, name)
            if len(items) > 20:
                setattr(shaped, name, [*items[:20], f"... and {len(items) - 20} more (see the report)"])
    return shaped


def _largest_fitting(response: GenerateDataResponse, max_bytes: int) -> int:
    """The most rows per table that keep the whole response (with a note) under ``max_bytes``."""
    assert response.data is not None
    base = response.model_copy(update={"data": {}})
    reserve = 400  # room for the trimming warning
    budget = max_bytes - _size(_dump(base)) - reserve
    tables = list(response.data.items())
    longest = max((len(rows) for _, rows in tables), default=0)
    row_sizes = {name: [_size(r) + 1 for r in rows] for name, rows in tables}
    lo, hi = 0, longest
    while lo < hi:  # the cost grows with k, so bisect on it
        mid = (lo + hi + 1) // 2
        cost = sum(sum(sizes[:mid]) + len(name) + 8 for name, sizes in row_sizes.items())
        if cost <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


# -------------------------------------------------------------------------------------- summaries
def _short(items: list[str], limit: int = 3) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def summarize_generation(r: GenerateDataResponse) -> str:
    """A few lines for a person: what happened, where the data is, how good it is, what to look at."""
    gid = r.generation_id
    if r.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
        so_far = f", {r.records_generated:,} records so far" if r.records_generated else ""
        lines = [f"Generation {gid} is {r.status.value}{so_far}. Call {STATUS} with this generation_id to follow it."]
    elif r.status == GenerationStatus.FAILED:
        lines = [f"Generation {gid} failed: {_short(r.errors) or 'no reason recorded'}"]
    else:
        seconds = r.execution_time_ms / 1000
        tables = f" in {len(r.records_per_table)} tables" if len(r.records_per_table) > 1 else ""
        lines = [
            f"Generated {r.records_generated:,} records{tables} ({r.status.value}) in {seconds:.2f} s; "
            f"generation {gid}."
        ]
        if r.output_location:
            lines.append(f"Output: {r.output_location}")
        m = r.data_quality_metrics
        if m is not None:
            lines.append(
                f"Quality: validity {m.validity_score:.3f}, uniqueness {m.uniqueness_score:.3f}, "
                f"completeness {m.completeness_score:.3f}."
            )
        if r.errors:
            lines.append(f"Problems: {_short(r.errors)}")
    if r.warnings:
        lines.append(f"Warnings: {_short(r.warnings)}")
    if r.seed is not None and r.status in (GenerationStatus.SUCCESS, GenerationStatus.PARTIAL):
        lines.append(f"Seed {r.seed} (the same request with this seed gives the same data).")
    return "\n".join(lines)


def summarize_validation(v: ValidateSchemaResponse) -> str:
    errors = [e for e in v.errors if e.severity == Severity.ERROR]
    warnings = [e for e in v.errors if e.severity != Severity.ERROR]
    lines = [
        f"The schema is {'valid' if v.valid else 'INVALID'}: {len(errors)} error(s), {len(warnings)} warning(s), "
        f"{len(v.compliance_issues)} compliance issue(s)."
    ]
    for e in [*errors, *warnings][:12]:
        lines.append(f"- {e.severity.value}{f' {e.field}' if e.field else ''}: {e.message}")
    for c in v.compliance_issues[:12]:
        fix = f" Fix: {c.fix}" if c.fix else ""
        lines.append(f"- {c.requirement} {c.severity.value} {c.field}: {c.issue.rstrip('.')}.{fix}")
    if v.suggestions:
        lines.append(f"Suggestions: {_short(v.suggestions, 5)}")
    return "\n".join(lines)


def summarize_metrics(r: QualityMetricsResponse, request: QualityMetricsRequest) -> str:
    m = r.metrics
    what = f"generation {r.generation_id}" if r.generation_id else (request.data_location or "the data")
    rows = f"{m.row_count:,} rows; " if m.row_count is not None else ""
    lines = [
        f"Quality of {what}: {rows}uniqueness {m.uniqueness_score:.3f}, validity {m.validity_score:.3f}, "
        f"completeness {m.completeness_score:.3f}."
    ]
    f = m.fidelity
    if f is not None:
        parts = [
            f"{label} {value:.3f}"
            for label, value in (
                ("overall", f.overall_score),
                ("column shapes", f.column_shapes),
                ("pair trends", f.column_pair_trends),
                ("exact copies", f.exact_copy_rate),
            )
            if value is not None
        ]
        if parts:
            lines.append(f"Fidelity against the reference: {', '.join(parts)}.")
    invalid = [(n, s.invalid_count) for n, s in m.field_statistics.items() if s.invalid_count]
    if invalid:
        lines.append("Fields with invalid values: " + ", ".join(f"{n} ({c:,})" for n, c in invalid[:10]))
    return "\n".join(lines)


def summarize_plan(p: PlanResponse) -> str:
    req = p.request
    tables = req.schema_.table_list(req.data_type.value) if req.schema_ is not None else []
    names = ", ".join(t.name for t in tables) or req.data_type.value
    compliance = ", ".join(c.value for c in req.compliance_requirements) or "none"
    where = req.destination.type.value + (f" {req.destination.location}" if req.destination.location else "")
    lines = [
        f"Plan: {req.volume:,} records of {names} as {req.output_format.value}, locale {req.locale}, "
        f"compliance {compliance}, destination {where}"
        + (f" (from template '{p.template}')" if p.template else "")
        + "."
    ]
    if p.understood:
        lines.append(f"Understood: {_short(p.understood, 8)}")
    if p.assumptions:
        lines.append(f"Assumed: {_short(p.assumptions, 8)}")
    v = p.validation
    lines.append(
        f"Validation: {'valid' if v.valid else 'INVALID'}"
        + (f" ({len(v.compliance_issues)} compliance issue(s))" if v.compliance_issues else "")
        + f". Nothing was generated; pass `request` to {GENERATE} to run it."
    )
    return "\n".join(lines)
