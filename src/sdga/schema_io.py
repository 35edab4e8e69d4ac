"""Read schemas and requests from JSON or YAML (files or strings) into the models, with readable errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sdga.errors import InvalidInputError, from_validation_error
from sdga.models import Schema

M = TypeVar("M", bound=BaseModel)


def parse_document(text: str, *, source: str = "input") -> Any:
    """Parse JSON, falling back to YAML (a superset), into plain Python data."""
    stripped = text.strip()
    if not stripped:
        raise InvalidInputError(f"{source} is empty")
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as json_exc:
        if stripped[0] in "[{":
            # Looks like JSON: report the JSON error, which is far more precise than YAML's.
            raise InvalidInputError(
                f"{source} is not valid JSON: {json_exc.msg} (line {json_exc.lineno}, column {json_exc.colno})"
            ) from json_exc
        try:
            data = yaml.safe_load(stripped)
        except yaml.YAMLError as yaml_exc:
            raise InvalidInputError(f"{source} is neither valid JSON nor YAML: {yaml_exc}") from yaml_exc
    if not isinstance(data, dict | list):
        raise InvalidInputError(f"{source} must be a JSON/YAML object, got {type(data).__name__}")
    return data


def read_document(path: str | Path) -> Any:
    """Read and parse a JSON/YAML file; every failure is an InvalidInputError naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInputError(f"file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise InvalidInputError(f"expected a file, got a directory: {p}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{p} is not UTF-8 text") from exc
    except OSError as exc:
        raise InvalidInputError(f"cannot read {p}: {exc.strerror or exc}") from exc
    return parse_document(text, source=str(p))


def to_model(model: type[M], data: Any, *, what: str | None = None) -> M:
    """Validate plain data into ``model``; pydantic errors become one readable InvalidInputError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, what or model.__name__) from exc


def load_schema(source: str | Path | dict[str, Any]) -> Schema:
    """A schema from a path, a JSON/YAML string or a dict.

    A document that wraps the schema (``{"schema": {...}}``, as requests do) is unwrapped.
    """
    if isinstance(source, dict):
        data: Any = source
    elif isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and Path(source).exists()):
        data = read_document(source)
    else:
        data = parse_document(str(source), source="schema")
    if isinstance(data, dict) and "schema" in data and isinstance(data["schema"], dict):
        data = data["schema"]
    return to_model(Schema, data, what="schema")
