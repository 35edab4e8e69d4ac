"""The agent's hands: the three actions (validate, generate, measure) behind one small object.

Every backend goes through here, so the rules hold whoever drives: a schema is validated before any data
is generated (errors stop the run), results are measured, successful runs are remembered in the knowledge
base, and tool errors come back as the same structured :class:`~sdga.models.ErrorResponse` every door uses.
The work runs through :class:`~sdga.service.SyntheticDataService` (history, storage, destinations).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from sdga.errors import InvalidInputError, SdgaError, from_validation_error
from sdga.models import (
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    QualityMetricsRequest,
    QualityMetricsResponse,
    Schema,
    Severity,
    ValidateSchemaRequest,
    ValidateSchemaResponse,
)

log = logging.getLogger(__name__)

TOOL_GENERATE = "generate_synthetic_data"
TOOL_VALIDATE = "validate_schema"
TOOL_METRICS = "calculate_quality_metrics"
TOOL_STATUS = "get_generation_status"
TOOL_SEARCH = "search_knowledge_base"


class ValidationFailedError(SdgaError):
    """Generation was refused because validation reported errors (the details carry the report)."""

    code = "schema_invalid"
    http_status = 422


@dataclass
class RunRecord:
    """What happened during one agent turn: the last validation, generation and metrics seen."""

    validation: ValidateSchemaResponse | None = None
    request: GenerateDataRequest | None = None
    response: GenerateDataResponse | None = None
    metrics: QualityMetricsResponse | None = None
    steps: list[str] = field(default_factory=list)


def _schema_of(request: GenerateDataRequest) -> Schema:
    if request.schema_ is not None:
        return request.schema_
    from sdga.engine.templates import get_template

    return get_template(request.data_type.value)


class Toolbox:
    """The three actions plus status and knowledge search, as used by every agent backend."""

    def __init__(
        self,
        service: Any = None,
        *,
        remember: bool = True,
        prompt: str = "",
        template: str | None = None,
        background: bool | None = False,
    ) -> None:
        self._service = service
        self.background = background
        self.remember_runs = remember
        self.prompt = prompt
        self.template = template
        self.record = RunRecord()

    @property
    def service(self) -> Any:
        if self._service is None:
            from sdga.config import load_settings
            from sdga.service import SyntheticDataService

            # Local paths typed by the user at the command line are theirs to choose.
            self._service = SyntheticDataService(load_settings(), restrict_paths=False)
        return self._service

    # ------------------------------------------------------------------------------------- actions
    def validate(self, request: GenerateDataRequest) -> ValidateSchemaResponse:
        """validate_schema for the request's schema, compliance regimes and volume."""
        vreq = ValidateSchemaRequest.model_validate(
            {
                "schema": _schema_of(request).model_dump(mode="json", by_alias=True, exclude_none=True),
                "compliance_requirements": [c.value for c in request.compliance_requirements],
                "volume": request.volume,
            }
        )
        return self.validate_request(vreq)

    def validate_request(self, vreq: ValidateSchemaRequest) -> ValidateSchemaResponse:
        result: ValidateSchemaResponse = self.service.validate_schema(vreq)
        self.record.validation = result
        n_err = sum(1 for e in result.errors if e.severity == Severity.ERROR)
        self.record.steps.append(
            f"validate_schema: {'valid' if result.valid else 'invalid'} ({n_err} errors, "
            f"{len(result.compliance_issues)} compliance issues, {len(result.suggestions)} suggestions)"
        )
        return result

    def generate(self, request: GenerateDataRequest, *, progress: Any = None) -> GenerateDataResponse:
        """Validate, then generate (synchronously); refuses to generate an invalid schema."""
        validation = self.validate(request)
        blocking = [e for e in validation.errors if e.severity == Severity.ERROR]
        compliance_errors = [c for c in validation.compliance_issues if c.severity == Severity.ERROR]
        if not validation.valid or blocking or (compliance_errors and not request.allow_compliance_violations):
            first = blocking[0].message if blocking else (compliance_errors[0].issue if compliance_errors else "")
            raise ValidationFailedError(
                f"validation failed, nothing generated: {first}".rstrip(": "),
                details=validation.model_dump(mode="json"),
            )
        started = time.perf_counter()
        response: GenerateDataResponse = self.service.generate(request, background=self.background, progress=progress)
        self.record.request, self.record.response = request, response
        self.record.steps.append(
            f"generate_synthetic_data: {response.status.value}, {response.records_generated:,} records in "
            f"{(time.perf_counter() - started):.2f} s"
        )
        if response.status == GenerationStatus.SUCCESS and response.data_quality_metrics is None:
            self.metrics(QualityMetricsRequest(generation_id=response.generation_id))
        if response.status in (GenerationStatus.SUCCESS, GenerationStatus.PARTIAL):
            self._remember(request, response)
        return response

    def metrics(self, request: QualityMetricsRequest) -> QualityMetricsResponse:
        result: QualityMetricsResponse = self.service.quality_metrics(request)
        self.record.metrics = result
        m = result.metrics
        self.record.steps.append(
            f"calculate_quality_metrics: uniqueness {m.uniqueness_score:.3f}, validity {m.validity_score:.3f}, "
            f"completeness {m.completeness_score:.3f}"
        )
        return result

    def status(self, generation_id: str) -> GenerateDataResponse:
        response: GenerateDataResponse = self.service.status(generation_id)
        self.record.steps.append(f"get_generation_status: {response.status.value}")
        return response

    def search(self, query: str, k: int = 4) -> list[dict[str, Any]]:
        from sdga.knowledge import get_retriever

        hits = get_retriever().search(query, k=k)
        self.record.steps.append(f"search_knowledge_base: {len(hits)} results for {query[:60]!r}")
        return [
            {"title": h.document.title, "template": h.document.template, "kind": h.document.kind,
             "score": round(h.score, 3), "text": h.document.text[:1500]}
            for h in hits
        ]  # fmt: skip

    def _remember(self, request: GenerateDataRequest, response: GenerateDataResponse) -> None:
        """Long-term memory: the schema that worked, with its timing and quality (failures never stored)."""
        if not self.remember_runs:
            return
        try:
            from sdga.knowledge.memory import MemoryRecord, make_memory

            schema = _schema_of(request).model_dump(mode="json", by_alias=True, exclude_none=True)
            m = response.data_quality_metrics or (self.record.metrics.metrics if self.record.metrics else None)
            make_memory(self.service.settings).remember(
                MemoryRecord(
                    generation_id=response.generation_id,
                    created_at=time.time(),
                    prompt=self.prompt or f"{request.data_type.value} data",
                    template=self.template,
                    domain=None,
                    data_type=request.data_type.value,
                    schema=schema,
                    volume=request.volume,
                    output_format=request.output_format.value,
                    locale=request.locale,
                    compliance=[c.value for c in request.compliance_requirements],
                    records=response.records_generated,
                    execution_time_ms=response.execution_time_ms,
                    uniqueness_score=m.uniqueness_score if m else None,
                    validity_score=m.validity_score if m else None,
                    completeness_score=m.completeness_score if m else None,
                )
            )
        except SdgaError as exc:  # memory is a convenience: never fail a generation over it
            log.warning("could not remember generation %s: %s", response.generation_id, exc.message)

    # ------------------------------------------------------------------------------ tool dispatch
    def call(self, name: str, payload: Any) -> dict[str, Any]:
        """Run a tool by name with model-supplied input; raises SdgaError (InvalidInputError for bad input).

        The input is read and repaired first (:mod:`sdga.agent.repair`: JSON syntax, a schema sent as a
        string, "10k" for a number, ...), then validated by the request models; nothing runs on input
        that is still invalid.
        """
        from sdga.agent.repair import parse_arguments, repair

        parsed, notes = parse_arguments(payload)
        if parsed is None:
            raise InvalidInputError(f"tool {name} expects a JSON object as input")
        payload, more = repair(name, parsed)
        for note in [*notes, *more]:
            self.record.steps.append(f"{name}: repaired input ({note})")
        try:
            if name == TOOL_GENERATE:
                return _dump(self.generate(GenerateDataRequest.model_validate(payload)))
            if name == TOOL_VALIDATE:
                return _dump(self.validate_request(ValidateSchemaRequest.model_validate(payload)))
            if name == TOOL_METRICS:
                return _dump(self.metrics(QualityMetricsRequest.model_validate(payload)))
            if name == TOOL_STATUS:
                gid = payload.get("generation_id")
                if not isinstance(gid, str):
                    raise InvalidInputError("get_generation_status needs a generation_id string")
                return _dump(self.status(gid))
            if name == TOOL_SEARCH:
                query = payload.get("query")
                if not isinstance(query, str) or not query.strip():
                    raise InvalidInputError("search_knowledge_base needs a non-empty query string")
                return {"results": self.search(query, int(payload.get("k") or 4))}
        except ValidationError as exc:
            raise from_validation_error(exc, f"{name} input") from exc
        raise InvalidInputError(f"unknown tool {name!r}")


def _dump(model: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data
