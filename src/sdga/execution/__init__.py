"""Engines: how a plan becomes written tables (the row generator itself is :mod:`sdga.engine`).

>>> engine = ENGINES.create("local", EngineOptions(workers=4))
>>> result = engine.write(EngineJob(plan, Path("out/"), OutputFormat.PARQUET))

Adding an engine = one module with an :class:`Engine` subclass, plus one ``ENGINES.register`` line
below. Nothing in the service or the doors changes: requests choose it with ``engine``, deployments
with ``SDGA_ENGINE``, the command line with ``--engine``.
"""

from sdga.execution.base import Engine, EngineJob, EngineOptions, ProgressCallback, Tap
from sdga.execution.local import LocalEngine
from sdga.execution.registry import DEFAULT_ENGINE, EngineRegistry, engine_name


def _spark_engine(options: EngineOptions) -> Engine:
    """The Spark engine, imported only when asked for (it needs the [spark] extra)."""
    from sdga.spark.engine import SparkEngine

    return SparkEngine.create(options)


ENGINES = EngineRegistry()
ENGINES.register("local", LocalEngine.create, description=LocalEngine.description)
ENGINES.register(
    "spark",
    _spark_engine,
    description="Apache Spark (pip install 'synthetic-data-agent[spark]'): local[*], a cluster or Spark Connect; "
    "Parquet, CSV or JSON Lines part files per table plus a manifest",
)

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Engine",
    "EngineJob",
    "EngineOptions",
    "EngineRegistry",
    "LocalEngine",
    "ProgressCallback",
    "Tap",
    "engine_name",
]
