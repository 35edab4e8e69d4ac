"""Prompts: ready-made requests a person picks from the assistant's menu, filled in with a few arguments.

Each one tells the assistant which tools to use in which order, so the result is validated before it is
generated and every claim rests on a tool's answer rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sdga.errors import InvalidInputError, NotFoundError
from sdga.mcp.tools import FIELD_TYPES, GENERATE, METRICS, PLAN, TEMPLATES, VALIDATE


@dataclass(frozen=True)
class Argument:
    name: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class PromptSpec:
    name: str
    title: str
    description: str
    arguments: tuple[Argument, ...]


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        "test_data_for_table",
        "Test data for a table",
        "Realistic, safe test data for a table you describe or paste (DDL, a model class, a column list).",
        (
            Argument("table", "The table: CREATE TABLE statement, model class, or the columns in words.", True),
            Argument("rows", "How many rows (default 1,000)."),
            Argument("format", "csv, json, jsonl, parquet, sql or xml (default csv)."),
            Argument("compliance", "Regimes to honour, e.g. GDPR, HIPAA, PCI-DSS (comma separated)."),
            Argument("locale", "Country/language of names, addresses and phones, e.g. de_DE (default en_US)."),
        ),
    ),
    PromptSpec(
        "privacy_check",
        "Privacy check",
        "Check a schema (or a template) against GDPR, HIPAA, PCI-DSS, SOC2 or CCPA, with the fixes.",
        (
            Argument("schema", "The schema as JSON (or YAML, or a table description), or a template name.", True),
            Argument("regimes", "Regimes to check, comma separated (default GDPR, CCPA)."),
        ),
    ),
    PromptSpec(
        "explain_quality",
        "Explain data quality",
        "Measure a generation (or files) and explain what the quality and fidelity figures mean for its use.",
        (
            Argument("generation_id", "The generation to measure (or give data_location).", False),
            Argument("data_location", "Files to measure instead of a generation.", False),
            Argument("reference_location", "Real or reference data to compare against (fidelity, privacy)."),
        ),
    ),
)
PROMPTS_BY_NAME = {p.name: p for p in PROMPTS}


def render(name: str, arguments: dict[str, str] | None) -> tuple[str, str]:
    """The prompt's description and the user message it expands to; errors for unknown names or arguments."""
    spec = PROMPTS_BY_NAME.get(name)
    if spec is None:
        raise NotFoundError(f"unknown prompt {name!r}; the prompts are: {', '.join(PROMPTS_BY_NAME)}")
    args = {k: str(v).strip() for k, v in (arguments or {}).items() if v is not None and str(v).strip()}
    known = {a.name for a in spec.arguments}
    unknown = sorted(set(args) - known)
    if unknown:
        raise InvalidInputError(f"prompt {name} has no argument(s) {', '.join(unknown)}; it takes {', '.join(known)}")
    missing = [a.name for a in spec.arguments if a.required and a.name not in args]
    if missing:
        raise InvalidInputError(f"prompt {name} needs {', '.join(missing)}")
    if name == "test_data_for_table":
        return spec.description, _table(args)
    if name == "privacy_check":
        return spec.description, _privacy(args)
    if not args.get("generation_id") and not args.get("data_location"):
        raise InvalidInputError("prompt explain_quality needs a generation_id or a data_location")
    return spec.description, _quality(args)


def _table(a: dict[str, str]) -> str:
    rows = a.get("rows", "1000")
    fmt = a.get("format", "csv")
    extras = [f"{rows} rows", f"format {fmt}"]
    if a.get("compliance"):
        extras.append(f"compliant with {a['compliance']}")
    if a.get("locale"):
        extras.append(f"locale {a['locale']}")
    return f"""I need realistic synthetic test data for this table ({", ".join(extras)}):

{a["table"]}

Please:
1. Build a schema for it with the sdga tools: start from {TEMPLATES} if one of the templates is close, and use
   {FIELD_TYPES} to pick the most specific type for each column (email, phone, iban, postal_code, ...); keep
   the column names, lengths, NOT NULL, UNIQUE, CHECK ranges, enums and foreign keys of the table as
   constraints. ({PLAN} can draft it from a plain-English description.)
2. Call {VALIDATE} with the schema, the compliance requirements and the row count. Fix every error it
   reports and explain any compliance issue and the fix you applied.
3. Call {GENERATE} with the validated schema, volume {rows}, output_format {fmt}.
4. Tell me the generation id, where the file is, and the validity / uniqueness / completeness scores, and
   show a few rows (read the file from the resource link if the result does not include them)."""


def _privacy(a: dict[str, str]) -> str:
    regimes = a.get("regimes", "GDPR, CCPA")
    target = a["schema"]
    is_name = target.replace("_", "").replace("-", "").isalnum() and len(target) <= 64
    source = (
        f"the '{target}' template (get its schema with {TEMPLATES} and name '{target}')"
        if is_name
        else f"this schema:\n\n{target}\n"
    )
    return f"""Run a privacy check on {source}

Regimes: {regimes}.

Please:
1. Call {VALIDATE} with the schema and compliance_requirements [{regimes}].
2. List every compliance issue as a table: field, regime, what is wrong, the fix. Separate errors (which stop
   generation) from warnings.
3. Point out fields that could carry real personal data if filled from production (free text, identifiers,
   exact birth dates, precise locations) even where no rule fired, and suggest a safer type or constraint.
4. Give the corrected schema and validate it again to show it passes."""


def _quality(a: dict[str, str]) -> str:
    target = f"generation {a['generation_id']}" if a.get("generation_id") else f"the data at {a['data_location']}"
    reference = a.get("reference_location")
    with_ref = f" with reference_location {reference}" if reference else ""
    return f"""Measure the quality of {target}.

Please:
1. Call {METRICS} for it{with_ref}.
2. Explain the uniqueness, validity and completeness scores in plain words, and name the fields that pull
   them down (nulls, invalid values, duplicates) with their counts.
3. {"Explain the fidelity scores (column shapes, pair trends) and the privacy ones (exact copies, distance to closest record): is the data close enough to the reference to test with, and far enough from it to share?" if reference else "Say whether the distributions look plausible for test data of this kind."}
4. Recommend concrete schema changes that would improve the weakest figures."""


def completions(service: Any, ref: str, argument: str, value: str) -> list[str]:
    """Values that complete ``argument`` of a prompt or resource template (``ref``: its name or URI template)."""
    from sdga.models import SUPPORTED_LOCALES, ComplianceRequirement, OutputFormat

    if argument in ("name", "schema") and ref in ("sdga://templates/{name}", "privacy_check"):
        candidates = [t["name"] for t in service.templates()]
    elif argument == "format":
        candidates = [f.value for f in OutputFormat]
    elif argument == "locale":
        candidates = list(SUPPORTED_LOCALES)
    elif argument in ("compliance", "regimes"):
        # Comma-separated lists: complete the last item, keep what was typed before it.
        head, _, last = value.rpartition(",")
        prefix = f"{head}," if head else ""
        typed = {v.strip().upper() for v in head.split(",") if v.strip()}
        return [
            f"{prefix}{' ' if head else ''}{c.value}"
            for c in ComplianceRequirement
            if c.value.upper() not in typed and c.value.lower().startswith(last.strip().lower())
        ]
    else:
        return []
    wanted = value.strip().lower()
    return [c for c in candidates if c.lower().startswith(wanted)][:100]
