"""The compliance gate generation passes through before any row is produced."""

from __future__ import annotations

from sdga.errors import ComplianceError
from sdga.models import GenerateDataRequest, Schema, Severity
from sdga.validation.compliance import check_compliance


def _request_schema(request: GenerateDataRequest) -> Schema:
    if request.schema_ is not None:
        return request.schema_
    from sdga.engine.templates import get_template

    return get_template(request.data_type.value)


def enforce_compliance(request: GenerateDataRequest) -> list[str]:
    """Warnings for the response; raises ComplianceError on error-severity issues unless overridden.

    With ``allow_compliance_violations`` the errors are still reported, as warnings prefixed
    "compliance override", so that the generation report shows what was knowingly accepted.
    """
    if not request.compliance_requirements:
        return []
    issues = check_compliance(_request_schema(request), request.compliance_requirements)
    errors = [i for i in issues if i.severity == Severity.ERROR]
    warnings = [f"{i.requirement} {i.rule_id} `{i.field}`: {i.issue}" for i in issues if i.severity == Severity.WARNING]
    if errors and not request.allow_compliance_violations:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ComplianceError(
            f"{first.requirement} violation on `{first.field}` ({first.rule_id}): {(first.fix or '').rstrip('.')}{more}. "
            "Fix the schema, or set allow_compliance_violations (CLI: --allow-compliance-violations) to generate anyway.",
            details=[i.model_dump(mode="json") for i in errors],
        )
    overridden = [f"compliance override: {i.requirement} {i.rule_id} `{i.field}`: {i.issue}" for i in errors]
    return overridden + warnings
