"""References: a foreign key takes a value of the parent's key column, rebuilt from a parent row number.

The planner gives the field the parent column's Arrow type, and the block generator installs the resolver
that picks parent rows (uniformly, by a popularity law, or per the children-per-parent counts).
"""

from __future__ import annotations

import pyarrow as pa

from sdga.engine.context import Draw
from sdga.engine.fields.registry import register
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec


def _reference_arrow(f: FieldSpec) -> pa.DataType:
    # The actual type is the referenced column's; the planner rewrites it. Until then, a placeholder.
    return pa.null()


@register("reference", "Foreign key: a value of the parent column `references: table.field`.", "relation",
          _reference_arrow, example="(parent key)")  # fmt: skip
def gen_reference(d: Draw) -> pa.Array:
    if d.ctx.reference is None:
        raise SchemaError(f"field '{d.spec.name}': reference fields must be generated through a plan")
    return d.ctx.reference(d)
