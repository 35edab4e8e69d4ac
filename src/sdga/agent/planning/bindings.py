"""How surely a noun phrase names a table of each template (shared by the entity and schema-choice stages).

A leaf module: it reads templates through read-only editors and knows nothing of the stages that use it
(a phrase is anything with ``words``: the entities stage's ``Phrase``).
"""

from __future__ import annotations

from typing import Any

from sdga.agent.planning.editor import SchemaEditor
from sdga.agent.planning.state import PlanState

BOUND = 2.5  # a match at least this sure names the table (its own name, its head noun or a synonym's)

_EDITORS: dict[int, dict[str, SchemaEditor]] = {}


def template_editor(state: PlanState, name: str) -> SchemaEditor:
    """A read-only editor over a template's schema (cached per context)."""
    cache = _EDITORS.setdefault(id(state.ctx), {})
    if name not in cache:
        schema = state.ctx.templates[name].schema
        tables = schema.get("tables") or [{"name": schema.get("name") or name, "fields": schema.get("fields") or []}]
        # Read only: the tables are shared with the template, not copied.
        cache[name] = SchemaEditor({"tables": [dict(t) for t in tables]})
    return cache[name]


def bindings(state: PlanState, p: Any) -> dict[str, float]:
    """How surely the phrase names a table of each template (templates with no table for it left out).
    The table a template is named after ("user_profile") is that template's very subject: a synonym of
    it counts like its name."""
    cache: dict[int, dict[str, float]] = state.__dict__.setdefault("_bindings", {})
    if id(p) not in cache:
        out: dict[str, float] = {}
        for name in state.ctx.templates:
            table, strength = template_editor(state, name).match_table(p.words)
            if strength > 0:
                out[name] = (
                    max(strength, 4.0)
                    if table is not None and table["name"] == name and strength >= BOUND
                    else strength
                )
        cache[id(p)] = out
    return cache[id(p)]


def binds_anywhere(state: PlanState, p: Any) -> bool:
    return any(s >= BOUND for s in bindings(state, p).values())
