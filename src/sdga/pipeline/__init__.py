"""The steps of a generation, shared by the service and the plain ``sdga generate``.

``prepare`` (validate → plan → check the destination and engine) → ``write_tables`` (the engine writes,
a :class:`Sampler` keeps the first rows) → ``measure_output`` → the destination publishes → the
:class:`JobTracker` records the outcome. See ``docs/architecture.md``.
"""

from sdga.pipeline.measure import measure_output, measure_sample, plan_schema
from sdga.pipeline.prepare import Prepared, prepare, template_schema
from sdga.pipeline.run import staging_area, write_tables
from sdga.pipeline.sampler import Sampler
from sdga.pipeline.tracking import JobTracker, ProgressRecorder

__all__ = [
    "JobTracker",
    "Prepared",
    "ProgressRecorder",
    "Sampler",
    "measure_output",
    "measure_sample",
    "plan_schema",
    "prepare",
    "staging_area",
    "template_schema",
    "write_tables",
]
