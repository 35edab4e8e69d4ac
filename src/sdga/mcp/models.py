"""Request and response shapes of the MCP tools that the three actions' models do not already cover.

Generating, validating and measuring use the very models of :mod:`sdga.models` (the ones the OpenAPI
documents are built from). The helper tools (plan, templates, field types, status) have no HTTP body of
their own, so their shapes are declared here, in the same style, and their JSON Schemas are derived from
these classes exactly as the others are.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sdga.models import (
    GenerateDataRequest,
    Schema,
    StrictModel,
    ValidateSchemaResponse,
)

# The status tool's arguments are shared with the AgentCore gateway's tool of the same name.
from sdga.models.actions import GenerationStatusRequest as GenerationStatusRequest


class PlanRequest(StrictModel):
    """A plain-English request to turn into a runnable generation request (nothing is generated)."""

    prompt: str = Field(
        min_length=1,
        description='What data is needed, in plain English, e.g. "5,000 German customers as CSV, GDPR" '
        "(at most SDGA_MAX_PROMPT_CHARS characters, default 4,000).",
    )
    previous_request: GenerateDataRequest | None = Field(
        default=None,
        description=(
            "A request planned earlier: the prompt is then read as a follow-up that edits it "
            '("make it 10k", "add a loyalty tier", "as parquet").'
        ),
    )


class PlanResponse(StrictModel):
    """The planned request, what was read from the prompt, what was assumed, and its validation."""

    prompt: str
    template: str | None = Field(default=None, description="The template the plan starts from, if any.")
    understood: list[str] = Field(default_factory=list, description="What the prompt said, as understood.")
    assumptions: list[str] = Field(default_factory=list, description="Defaults chosen where the prompt was silent.")
    reused_generation: str | None = Field(
        default=None, description="An earlier generation whose schema the plan reuses."
    )
    request: GenerateDataRequest = Field(description="Pass this unchanged to generate_synthetic_data to run it.")
    validation: ValidateSchemaResponse = Field(description="validate_schema's verdict on the planned schema.")


class ListTemplatesRequest(StrictModel):
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="A template name: its full schema is returned as well (ready to edit and generate).",
    )


class TemplateInfo(StrictModel):
    name: str
    description: str | None = None
    data_type: str | None = None
    domain: str | None = None


class ListTemplatesResponse(StrictModel):
    templates: list[TemplateInfo]
    schema_: Schema | None = Field(default=None, alias="schema", description="The named template's schema.")


class ListFieldTypesRequest(StrictModel):
    category: str | None = Field(
        default=None, max_length=64, description="Only this category (e.g. identity, contact, finance)."
    )


class FieldTypeInfo(StrictModel):
    name: str
    category: str
    description: str
    arrow_type: str = Field(description="How the column is typed in Arrow / Parquet.")
    unique: bool = Field(description="Whether the type can be declared unique (it has a known capacity).")
    example: Any | None = None


class ListFieldTypesResponse(StrictModel):
    field_types: list[FieldTypeInfo]
    categories: list[str] = Field(default_factory=list)
    faker_prefix: str = Field(
        default="faker:", description="Any Faker provider method is also a type, written faker:<method>."
    )
