"""sdga on Spark against the local engine and against dbldatagen, in one run, on one machine.

    pip install -e ".[spark,bench]"
    python bench/bench_spark.py                   # 10M rows: 2M customers + 8M orders
    python bench/bench_spark.py --rows 2000000 --cores 2

Three measurements, each generating every value (Spark's ``noop`` sink: no file is written, so the disk
does not decide):

1. the local engine (``sdga.engine.iter_batches``, ``--cores`` worker processes) on the two-table request;
2. the ``sdga`` data source in Spark local mode (``local[--cores]``) on the same request;
3. dbldatagen on the same Spark session, generating a table equivalent to the orders table: names, e-mails,
   street addresses and cities, amounts, timestamps, categories and a customer reference.

Wall time and CPU time (this process and all its children: the JVM and Spark's Python workers) are printed
with rows per second and the ratios the goals are stated in. The machine may be shared: CPU time says how
much work was done whatever else was running.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Mia", "Lucas", "Amelia", "Mateo"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Moore"]
CITIES = ["Springfield", "Portland", "Austin", "Denver", "Madison", "Raleigh", "Boise", "Tucson", "Omaha", "Akron"]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine Rd", "Elm St", "Lake Blvd", "Hill Ct"]


def request(rows: int, seed: int = 7) -> Any:
    from sdga.models import GenerateDataRequest

    customers = rows // 5
    schema = {
        "tables": [
            {
                "name": "customers",
                "volume": customers,
                "fields": [
                    {"name": "customer_id", "type": "sequence", "primary_key": True},
                    {"name": "full_name", "type": "full_name"},
                    {"name": "email", "type": "email"},
                    {"name": "city", "type": "city"},
                    {"name": "signup", "type": "timestamp"},
                ],
            },
            {
                "name": "orders",
                "volume": rows - customers,
                "fields": [
                    {"name": "order_id", "type": "uuid", "primary_key": True},
                    {"name": "customer_id", "type": "reference", "references": "customers.customer_id"},
                    {"name": "full_name", "type": "full_name"},
                    {"name": "email", "type": "email"},
                    {"name": "street", "type": "street_address"},
                    {"name": "city", "type": "city"},
                    {"name": "amount", "type": "amount", "constraints": {"min": 1, "max": 900}},
                    {"name": "placed", "type": "timestamp"},
                    {"name": "status", "type": "category", "constraints": {"enum": ["new", "paid", "shipped"]}},
                ],
            },
        ]
    }
    return GenerateDataRequest.model_validate({"schema": schema, "seed": seed, "volume": 1000})


def cpu_seconds() -> float:
    """CPU time of this process and every child process (the JVM, Spark's Python workers)."""
    import resource

    import psutil

    me = psutil.Process()
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that have exited (local worker processes)
    total = sum(me.cpu_times()[:2]) + done.ru_utime + done.ru_stime
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            continue
    return total


def measure(name: str, rows: int, action: Callable[[], None]) -> dict[str, Any]:
    cpu, wall = cpu_seconds(), time.perf_counter()
    action()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print(
        f"  {name:<34} {rows:>12,} rows  {wall:8.1f} s wall  {cpu:8.1f} s CPU  {rows / wall:>12,.0f} rows/s", flush=True
    )
    return {"name": name, "rows": rows, "wall": wall, "cpu": cpu, "rate": rows / wall}


def dbldatagen_orders(spark: Any, rows: int, customers: int, partitions: int) -> Any:
    import dbldatagen as dg

    return (
        dg.DataGenerator(spark, name="orders", rows=rows, partitions=partitions, randomSeed=7)
        .withColumn("order_id", "string", expr="uuid()")
        .withColumn("customer_id", "long", minValue=0, maxValue=customers - 1, random=True)
        .withColumn("first", "string", values=FIRST, random=True, omit=True)
        .withColumn("last", "string", values=LAST, random=True, omit=True)
        .withColumn("full_name", "string", expr="concat(first, ' ', last)", baseColumn=["first", "last"])
        .withColumn(
            "email",
            "string",
            expr="concat(lower(first), '.', lower(last), cast(id % 100000 as string), '@example.com')",
            baseColumn=["first", "last", "id"],
        )
        .withColumn("number", "int", minValue=1, maxValue=9999, random=True, omit=True)
        .withColumn("street_name", "string", values=STREETS, random=True, omit=True)
        .withColumn(
            "street",
            "string",
            expr="concat(cast(number as string), ' ', street_name)",
            baseColumn=["number", "street_name"],
        )
        .withColumn("city", "string", values=CITIES, random=True)
        .withColumn("amount", "decimal(18,2)", minValue=1, maxValue=900, step=0.01, random=True)
        .withColumn(
            "placed",
            "timestamp",
            begin="2020-01-01 00:00:00",
            end="2025-12-31 23:59:59",
            interval="1 second",
            random=True,
        )
        .withColumn("status", "string", values=["new", "paid", "shipped"], random=True)
        .build()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sdga on Spark vs the local engine vs dbldatagen")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the two-table request (1/5 customers)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2, help="local[N] and local workers")
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from sdga.engine import iter_batches, plan_generation
    from sdga.spark import read_tables, register
    from sdga.spark.session import SESSION_CONF

    req = request(args.rows)
    plan = plan_generation(req)
    orders = plan.table("orders").volume
    customers = plan.table("customers").volume
    partitions = max(args.cores * 4, -(-args.rows // 1_048_576))
    print(
        f"sdga on Spark: {args.rows:,} rows ({customers:,} customers + {orders:,} orders), {args.cores} core(s), "
        f"{os.cpu_count()} CPU(s) on the machine, load average {os.getloadavg()[0]:.1f}"
    )
    results: dict[str, dict[str, Any]] = {}

    if not args.skip_local:

        def local() -> None:
            for t in plan.tables:
                for _ in iter_batches(plan, t.name, workers=args.cores):
                    pass

        results["local"] = measure(f"local engine ({args.cores} workers)", args.rows, local)

    builder = SparkSession.builder.master(f"local[{args.cores}]").appName("sdga-bench")
    for key, value in {**SESSION_CONF, "spark.ui.enabled": "false", "spark.driver.memory": "2g"}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    register(spark)
    # Warm-up: start the Python workers and import sdga in them once, as a long-lived cluster would have.
    read_tables(spark, request(70_000), partitions=args.cores)["orders"].write.format("noop").mode("overwrite").save()

    def sdga_spark() -> None:
        for frame in read_tables(spark, req, partitions=partitions).values():
            frame.write.format("noop").mode("overwrite").save()

    def sdga_orders() -> None:
        read_tables(spark, req, partitions=partitions)["orders"].write.format("noop").mode("overwrite").save()

    def dbl() -> None:
        dbldatagen_orders(spark, orders, customers, partitions).write.format("noop").mode("overwrite").save()

    results["spark"] = measure(f"sdga data source (local[{args.cores}])", args.rows, sdga_spark)
    results["spark_orders"] = measure("sdga data source, orders only", orders, sdga_orders)
    try:
        results["dbl"] = measure("dbldatagen, orders-like table", orders, dbl)
    except ImportError as exc:
        print(f"  dbldatagen not installed ({exc}): pip install -e '.[bench]'")
    spark.stop()

    print()
    if "dbl" in results:
        ratio = results["spark_orders"]["rate"] / results["dbl"]["rate"]
        cpu_ratio = results["dbl"]["cpu"] / max(results["spark_orders"]["cpu"], 1e-9)
        print(
            f"sdga data source vs dbldatagen (orders table): {ratio:.2f}x the rows/s, {cpu_ratio:.2f}x less CPU "
            "(goal: >= 1x, aim 2x)"
        )
    if "local" in results:
        ratio = results["local"]["wall"] / results["spark"]["wall"]
        print(
            f"Spark local mode vs the local engine (same request): {ratio:.2f}x the local engine's speed "
            f"(goal: within 1.5x, i.e. >= 0.67x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
