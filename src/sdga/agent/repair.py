"""Model tool calls, checked and repaired before anything runs.

A language model's tool call is text: its arguments may be invalid JSON, a schema may arrive as a JSON
string, "10k" may stand where a number belongs, a format may be capitalised, a field list may sit at the
top level instead of under ``schema``. :func:`parse_arguments` reads what a model sent; :func:`repair`
fixes those slips in a copy and says what it changed; the request models then validate the result as they
validate every other door's input. A call that is still invalid is never run: it goes back to the model
with the validation error, and after that to the user as a question.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sdga.agent.planning.numbers import parse_number

_GENERATE, _VALIDATE = "generate_synthetic_data", "validate_schema"
_LOWER = ("output_format", "sql_dialect", "data_type")


def parse_arguments(raw: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """A tool call's arguments as a dict (JSON text or already parsed), and what had to be fixed to read it."""
    if isinstance(raw, dict):
        return raw, []
    if not isinstance(raw, str):
        return None, []
    text = raw.strip()
    fixes: list[str] = []
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
        fixes.append("removed a code fence around the arguments")
    for attempt in range(3):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            if attempt == 0:
                start, end = text.find("{"), text.rfind("}")
                if 0 <= start < end:
                    text = text[start : end + 1]
                    fixes.append("kept only the JSON object in the arguments")
                continue
            if attempt == 1:
                literal = _python_literal(text)
                if literal is not None:
                    fixes.append("read the arguments as a Python-style literal (single quotes, True/None)")
                    return literal, fixes
                fixed = re.sub(r",\s*([}\]])", r"\1", text)  # trailing commas
                fixed = re.sub(r"(?<![\w\"])'([^'\n]*)'(?=\s*[:,}\]])", r'"\1"', fixed)  # single quotes
                fixed = re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", re.sub(r"\bNone\b", "null", fixed)))
                if fixed != text:
                    text = fixed
                    fixes.append("repaired JSON syntax (quotes, trailing commas, Python literals)")
            continue
        return (value, fixes) if isinstance(value, dict) else (None, fixes)
    return None, fixes


def _python_literal(text: str) -> dict[str, Any] | None:
    """A dict written the Python way (single quotes, True/None, trailing commas), read safely (no code runs)."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _number(value: Any) -> Any:
    if isinstance(value, str):
        parsed = parse_number(value.replace("_", ""))
        if parsed is not None and float(parsed).is_integer():
            return int(parsed)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def repair(name: str, args: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Obvious slips in a generate/validate call fixed in a copy, with a note for each."""
    out = dict(args)
    notes: list[str] = []
    if name not in (_GENERATE, _VALIDATE):
        return out, notes
    for key in ("schema", "destination"):
        if isinstance(out.get(key), str):
            try:
                out[key] = json.loads(out[key])
                notes.append(f"'{key}' was a JSON string; read it as an object")
            except json.JSONDecodeError:
                pass
    if "fields" in out and "schema" not in out:
        out["schema"] = {"fields": out.pop("fields")}
        notes.append("moved the top-level 'fields' under 'schema'")
    if "tables" in out and "schema" not in out:
        out["schema"] = {"tables": out.pop("tables")}
        notes.append("moved the top-level 'tables' under 'schema'")
    if "volume" in out:
        fixed = _number(out["volume"])
        if fixed != out["volume"]:
            notes.append(f"volume {out['volume']!r} read as {fixed}")
            out["volume"] = fixed
    for key in _LOWER:
        if isinstance(out.get(key), str) and out[key] != out[key].strip().lower():
            out[key] = out[key].strip().lower()
            notes.append(f"{key} lower-cased")
    if isinstance(out.get("output_format"), str):
        fmt = out["output_format"].lstrip(".")
        fmt = {"ndjson": "jsonl", "json_lines": "jsonl", "json lines": "jsonl", "postgres": "sql"}.get(fmt, fmt)
        if fmt != out["output_format"]:
            out["output_format"] = fmt
            notes.append(f"output_format read as {fmt}")
    comp = out.get("compliance_requirements")
    if isinstance(comp, str):
        out["compliance_requirements"] = [c.strip() for c in re.split(r"[,;/ ]+", comp) if c.strip()]
        notes.append("compliance_requirements split into a list")
        comp = out["compliance_requirements"]
    if isinstance(comp, list):
        canon = {
            "GDPR": "GDPR",
            "HIPAA": "HIPAA",
            "PCI": "PCI-DSS",
            "PCIDSS": "PCI-DSS",
            "SOC2": "SOC2",
            "CCPA": "CCPA",
        }
        fixed_list = [canon.get(re.sub(r"[^A-Z0-9]", "", str(c).upper()), c) for c in comp]
        if fixed_list != comp:
            out["compliance_requirements"] = fixed_list
            notes.append("compliance names normalised")
    if isinstance(out.get("seed"), str) and out["seed"].strip().isdigit():
        out["seed"] = int(out["seed"])
        notes.append("seed read as a number")
    return out, notes
