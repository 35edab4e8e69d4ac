"""Templates: ready-made schemas for a ``data_type``, one YAML file each in ``sdga/templates/``.

Every file there is read (the core templates and the domain templates alike), so adding a template is
adding a file. Keys: ``name``, ``description``, ``data_type``, ``domain``, ``tags``, ``schema``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from sdga.errors import InvalidInputError, NotFoundError
from sdga.models.schema import Schema
from sdga.schema_io import to_model

# libyaml's safe loader when available: ten times faster than the pure-Python one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    description: str
    data_type: str
    domain: str
    tags: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _load_all() -> dict[str, tuple[TemplateInfo, dict[str, Any]]]:
    out: dict[str, tuple[TemplateInfo, dict[str, Any]]] = {}
    root = resources.files("sdga") / "templates"
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        try:
            doc = yaml.load(entry.read_text(encoding="utf-8"), Loader=_Loader)
        except yaml.YAMLError as exc:
            raise InvalidInputError(f"template file {entry.name} is not valid YAML: {exc}") from exc
        if not isinstance(doc, dict) or "schema" not in doc:
            raise InvalidInputError(f"template file {entry.name} has no 'schema'")
        name = str(doc.get("name") or entry.name.rsplit(".", 1)[0])
        info = TemplateInfo(
            name=name,
            description=str(doc.get("description", "")).strip(),
            data_type=str(doc.get("data_type", "custom")),
            domain=str(doc.get("domain", "general")),
            tags=[str(t) for t in doc.get("tags") or []],
        )
        out[name] = (info, doc["schema"])
    return out


def list_templates() -> list[TemplateInfo]:
    """Every template, sorted by name."""
    return [info for info, _ in sorted(_load_all().values(), key=lambda x: x[0].name)]


def get_template(name: str) -> Schema:
    """The template's schema (a fresh model each call). NotFoundError lists the known names."""
    found = _load_all().get(name)
    if found is None:
        known = sorted(_load_all())
        raise NotFoundError(f"no template named '{name}'; known: {', '.join(known)}", details={"known": known})
    return to_model(Schema, found[1], what=f"template '{name}'")
