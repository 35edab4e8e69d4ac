"""validate_schema: request and response (SPEC.md, action 2)."""

from __future__ import annotations

from pydantic import Field as PydField

from sdga.models.common import ComplianceRequirement, Severity, StrictModel
from sdga.models.schema import Schema


class ValidationMessage(StrictModel):
    field: str | None = PydField(default=None, description="'table.field', 'field', or null for the schema.")
    message: str
    severity: Severity = Severity.ERROR
    code: str | None = PydField(default=None, description="Stable rule identifier, e.g. 'min_gt_max'.")


class ComplianceIssue(StrictModel):
    field: str
    requirement: str
    issue: str
    severity: Severity = Severity.ERROR
    fix: str | None = None
    rule_id: str | None = None


class ValidateSchemaRequest(StrictModel):
    schema_: Schema = PydField(alias="schema")
    compliance_requirements: list[ComplianceRequirement] = PydField(default_factory=list)
    volume: int | None = PydField(default=None, ge=0, description="Rows planned (checks unique capacity).")


class ValidateSchemaResponse(StrictModel):
    valid: bool
    errors: list[ValidationMessage] = PydField(default_factory=list)
    suggestions: list[str] = PydField(default_factory=list)
    compliance_issues: list[ComplianceIssue] = PydField(default_factory=list)
