"""sdga on Apache Spark: a data source, an engine for ``sdga generate --engine spark``, and the EMR job.

>>> import sdga.spark
>>> sdga.spark.register(spark)
>>> orders = (spark.read.format("sdga").option("template", "ecommerce").option("table", "orders")
...           .option("volume", 10_000_000).option("seed", 7).load())
>>> tables = sdga.spark.read_tables(spark, template="ecommerce", volume=10_000_000, seed=7)  # every table

Needs the ``spark`` extra (``pip install 'synthetic-data-agent[spark]'``); importing this package does
not import pyspark, so the rest of sdga works without it. Modules: :mod:`~sdga.spark.options` (the data
source's options), :mod:`~sdga.spark.types` (Arrow to Spark types), :mod:`~sdga.spark.source` (the data
source), :mod:`~sdga.spark.session` (sessions: local, a cluster, Spark Connect), :mod:`~sdga.spark.engine`
(writing every table with Spark's writers, plus a manifest), :mod:`~sdga.spark.job` (the entry point of a
cluster job, e.g. on EMR Serverless).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from sdga.errors import ConfigurationError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from sdga.models import GenerateDataRequest

from sdga.spark.options import SOURCE_NAME

__all__ = ["SOURCE_NAME", "read_tables", "register", "require_pyspark"]


def require_pyspark() -> None:
    """ConfigurationError with the install command when pyspark (>= 4.0) is missing or too old."""
    try:
        import pyspark
    except ImportError as exc:
        raise ConfigurationError(
            "the spark engine needs pyspark 4: pip install 'synthetic-data-agent[spark]' (and a Java 17+ runtime)"
        ) from exc
    major = int(str(pyspark.__version__).split(".", 1)[0] or 0)
    if major < 4:
        raise ConfigurationError(
            f"pyspark {pyspark.__version__} is too old: the sdga data source needs Spark 4's Python Data Source API"
        )


def register(spark: SparkSession) -> None:
    """Make ``spark.read.format("sdga")`` available in ``spark`` (local, cluster or Spark Connect).

    Also turns on Spark's TIME type for the session, so ``time`` fields keep their type.
    """
    require_pyspark()
    from sdga.spark.source import SdgaDataSource
    from sdga.spark.types import TIME_TYPE_CONF

    spark.dataSource.register(SdgaDataSource)
    # A cluster that pins its configuration keeps it; TIME columns then fail with Spark's own message.
    with contextlib.suppress(Exception):
        spark.conf.set(TIME_TYPE_CONF, "true")


def read_tables(
    spark: SparkSession,
    request: GenerateDataRequest | None = None,
    *,
    partitions: int | None = None,
    **options: Any,
) -> dict[str, DataFrame]:
    """Every table of a request as a DataFrame, parents first: ``{table name: DataFrame}``.

    Give a :class:`~sdga.models.GenerateDataRequest`, or the data source's options as keywords
    (``template=``, ``schema=``, ``volume=``, ``seed=``, ...). ``partitions`` fixes the number of partitions
    of every table (default: about a million rows each). References between the DataFrames are valid.
    """
    from sdga.engine import plan_generation
    from sdga.spark.options import parse_options

    register(spark)
    given = {k: str(v) for k, v in options.items() if v is not None}
    if request is not None:
        if given:
            raise ConfigurationError("give either a request or data source options, not both")
        given = {"request": request.model_dump_json(by_alias=True)}
    parsed = parse_options(given)
    plan = plan_generation(parsed.request)
    frames: dict[str, DataFrame] = {}
    base = {"request": parsed.request.model_dump_json(by_alias=True)}
    base.update({k: v for k, v in given.items() if k.lower() in ("numpartitions", "rowsperpartition")})
    if partitions is not None:
        base["numPartitions"] = str(partitions)
    for table in plan.tables:
        frames[table.name] = spark.read.format(SOURCE_NAME).options(**base, table=table.name).load()
    return frames
