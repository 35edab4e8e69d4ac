"""The generation engine: plan a request, then stream deterministic Arrow record batches per table.

>>> from sdga.engine import plan_generation, iter_batches
>>> plan = plan_generation(GenerateDataRequest(data_type="user_profile", volume=1000))
>>> for batch in iter_batches(plan, plan.tables[0].name, batch_size=500): ...
"""

from sdga.engine.generate import iter_batches
from sdga.engine.plan import BLOCK_ROWS, DEFAULT_SEED, ForeignKey, GenerationPlan, TablePlan, plan_generation

__all__ = ["BLOCK_ROWS", "DEFAULT_SEED", "ForeignKey", "GenerationPlan", "TablePlan", "iter_batches", "plan_generation"]
