"""What a caller gets back from a Lambda: CloudWatch metrics of each result, small summaries for agents, and
bodies shortened to fit an agent's size limit."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sdga.lambdas.runtime import add_metric
from sdga.models import GenerateDataResponse, QualityMetrics


def record_generation_metrics(response: GenerateDataResponse) -> None:
    """The CloudWatch metrics SPEC.md asks for, from one generation's result."""
    status = str(response.status.value)
    if status in ("pending", "running"):
        return
    if status == "failed":
        add_metric("GenerationFailure", 1)
        return
    add_metric("GenerationSuccess", 1)
    add_metric("RecordsGenerated", response.records_generated)
    if response.records_generated:
        add_metric(
            "GenerationTimePer1kRecordsMs",
            response.execution_time_ms * 1000 / response.records_generated,
            MetricUnit.Milliseconds,
        )
    quality_metrics(response.data_quality_metrics)


def quality_metrics(m: QualityMetrics | None) -> None:
    if m is not None:
        add_metric("UniquenessScore", m.uniqueness_score, MetricUnit.NoUnit)
        add_metric("ValidityScore", m.validity_score, MetricUnit.NoUnit)


def summarize_generation(response: GenerateDataResponse, *, inline_rows: int = 10) -> dict[str, Any]:
    """A small result for an agent: location and summary, never the data set itself."""
    m = response.data_quality_metrics
    out: dict[str, Any] = {
        "generation_id": response.generation_id,
        "status": response.status.value,
        "records_generated": response.records_generated,
        "records_per_table": response.records_per_table,
        "output_location": response.output_location,
        "report_location": response.report_location,
        "execution_time_ms": round(response.execution_time_ms, 1),
        "data_quality_metrics": None
        if m is None
        else {
            "uniqueness_score": round(m.uniqueness_score, 4),
            "validity_score": round(m.validity_score, 4),
            "completeness_score": round(m.completeness_score, 4),
        },
        "errors": response.errors[:5],
        "warnings": response.warnings[:5],
        "seed": response.seed,
    }
    if response.data:
        out["data_sample"] = {name: rows[:inline_rows] for name, rows in response.data.items()}
    if response.status.value in ("pending", "running"):
        out["next_step"] = f"poll the status operation with generation_id {response.generation_id}"
    return out


# Bedrock refuses an action group's Lambda response larger than 25 KB (the agent then fails the whole turn),
# so the body gets at most this much and the rest of the envelope stays well under the limit.
MAX_AGENT_BODY_BYTES = 20_000
_SHRINK_STEPS = ((50, 2000), (20, 500), (10, 200), (5, 100), (2, 60), (1, 40))
TRUNCATED_NOTE = "response shortened to fit the agent's size limit; the HTTP API returns it in full"


def _shrink(value: Any, items: int, chars: int, depth: int = 0) -> Any:
    """``value`` with lists cut to ``items``, long strings cut to ``chars`` and, below the top level,
    name-to-structure maps (per-field statistics, per-table samples) cut to ``items`` entries."""
    if isinstance(value, str):
        return value if len(value) <= chars else value[: max(chars - 1, 0)] + "…"
    if isinstance(value, list):
        return [_shrink(v, items, chars, depth + 1) for v in value[:items]]
    if isinstance(value, dict):
        entries = list(value.items())
        if depth > 0 and len(entries) > items and all(isinstance(v, dict | list) for _, v in entries):
            entries = entries[:items]
        return {k: _shrink(v, items, chars, depth + 1) for k, v in entries}
    return value


def fit_agent_body(body: str, limit: int = MAX_AGENT_BODY_BYTES) -> str:
    """A JSON body for a Bedrock agent that is at most ``limit`` bytes, shortened step by step if needed.

    The top-level keys stay (the agent's OpenAPI response schema names them); an ErrorResponse says in its
    message that its details were shortened, any other body gets a ``truncated`` note.
    """
    if len(body.encode()) <= limit:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return json.dumps({"truncated": TRUNCATED_NOTE, "text": body[: limit // 4]})
    is_error = {"error", "message"} <= set(data)

    def mark(shrunk: dict[str, Any]) -> str:
        if is_error:
            shrunk["message"] = f"{shrunk.get('message', '')} (details shortened to fit the agent's size limit)"
        else:
            shrunk["truncated"] = TRUNCATED_NOTE
        return json.dumps(shrunk, default=str)

    for items, chars in _SHRINK_STEPS:
        text = mark(_shrink(data, items, chars))
        if len(text.encode()) <= limit:
            return text
    # Last resort: the top-level scalars only (ids, status, counts, scores, the error code and message),
    # and fewer of them until the body fits.
    scalars = [(k, _shrink(v, 1, 200)) for k, v in data.items() if not isinstance(v, dict | list)]
    keep = len(scalars)
    while True:
        text = mark(dict(scalars[:keep]))
        if keep == 0 or len(text.encode()) <= limit:
            return text
        keep //= 2
