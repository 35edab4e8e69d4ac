"""The generation engine: plan a request, then stream deterministic Arrow record batches per table.

>>> from sdga.engine import plan_generation, iter_batches
>>> plan = plan_generation(GenerateDataRequest(data_type="user_profile", volume=1000))
>>> for batch in iter_batches(plan, plan.tables[0].name, batch_size=500): ...

Layers, each importing only the ones below it: ``fields`` (the field types, one module per family, in
one registry) → ``columns`` (one column of one block) → ``plan`` (checks and layout; never generates)
→ ``generate`` (blocks, workers) → ``preflight`` (plan, then a dry run: :func:`plan_generation`).
"""

from sdga.engine.generate import generate_rows, iter_batches
from sdga.engine.plan import BLOCK_ROWS, DEFAULT_SEED, ForeignKey, GenerationPlan, TablePlan
from sdga.engine.preflight import plan_generation

__all__ = [
    "BLOCK_ROWS",
    "DEFAULT_SEED",
    "ForeignKey",
    "GenerationPlan",
    "TablePlan",
    "generate_rows",
    "iter_batches",
    "plan_generation",
]
