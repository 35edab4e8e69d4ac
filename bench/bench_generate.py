"""Benchmark: the 12-column user_profile to Parquet by sdga, a per-row Faker loop and Mimesis columns.

Run from the repository root (not part of the test suite)::

    python bench/bench_generate.py --rows 1000000            # also measures peak memory at 10M rows
    python bench/bench_generate.py --rows 200000 --memory-rows 0 --no-write   # quick look

Every measurement runs in its own subprocess, so the peak resident memory reported (``ru_maxrss`` of that
process) belongs to that measurement alone, and one method's imports or caches cannot help another.
Each method does the same job end to end: generate the 12 columns below and write a snappy Parquet file.

* ``sdga``: the engine, streamed in batches into the Parquet writer (``sdga.generation.generate_to_path``).
* ``faker loop``: what a typical user writes: one dict per row from Faker calls, then
  ``pa.Table.from_pylist`` and ``pq.write_table``. It is measured on ``--faker-rows`` rows (default 20,000)
  and its rate extrapolated, because a million rows takes several minutes; the report says so.
* ``mimesis columns``: Mimesis's column API (``Fieldset``, one call per column), derived columns with
  pyarrow compute, then ``pq.write_table``; measured on ``--mimesis-rows`` (default 200,000) rows.
* ``mimesis direct``: the same with direct provider calls (Mimesis's fastest path: no ``Fieldset`` dispatch).

Columns: id (uuid), first_name, last_name, email (from the row's names, unique), phone, address,
date_of_birth (1940-2007), age (18-90), balance (0-100000, 2 decimals), is_active, status
(active/inactive/suspended weighted 0.7/0.2/0.1), created_at (the last 3 years).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "generate.md"

STATUS_WEIGHTS = OrderedDict([("active", 0.7), ("inactive", 0.2), ("suspended", 0.1)])

USER_PROFILE_SCHEMA: dict[str, Any] = {
    "name": "user_profile",
    "fields": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {"name": "first_name", "type": "first_name"},
        {"name": "last_name", "type": "last_name"},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "phone", "type": "phone"},
        {"name": "address", "type": "address"},
        {"name": "date_of_birth", "type": "date", "constraints": {"min": "1940-01-01", "max": "2007-12-31"}},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}},
        {"name": "balance", "type": "decimal", "constraints": {"min": 0, "max": 100000, "precision": 2}},
        {"name": "is_active", "type": "boolean"},
        {
            "name": "status",
            "type": "category",
            "constraints": {"enum": list(STATUS_WEIGHTS), "weights": list(STATUS_WEIGHTS.values())},
        },
        {"name": "created_at", "type": "datetime", "constraints": {"min": "-3y", "max": "now"}},
    ],
}


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ------------------------------------------------------------------------------------------- methods


def run_sdga(rows: int, out: Path, workers: int, batch_size: int) -> None:
    from sdga.generation import generate_to_path
    from sdga.models import GenerateDataRequest

    request = GenerateDataRequest.model_validate(
        {"data_type": "custom", "volume": rows, "schema": USER_PROFILE_SCHEMA, "output_format": "parquet", "seed": 7}
    )
    generate_to_path(request, out, workers=workers, batch_size=batch_size)


def run_faker(rows: int, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from faker import Faker

    fake = Faker("en_US")
    Faker.seed(7)
    records = []
    for i in range(rows):
        first, last = fake.first_name(), fake.last_name()
        records.append(
            {
                "id": fake.uuid4(),
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}.{i}@example.com".lower(),
                "phone": fake.phone_number(),
                "address": fake.address().replace("\n", ", "),
                "date_of_birth": fake.date_between(date(1940, 1, 1), date(2007, 12, 31)),
                "age": fake.random_int(18, 90),
                "balance": round(fake.pyfloat(min_value=0, max_value=100000), 2),
                "is_active": fake.boolean(),
                "status": fake.random_element(STATUS_WEIGHTS),
                "created_at": fake.date_time_between(start_date="-3y", end_date="now", tzinfo=UTC),
            }
        )
    pq.write_table(pa.Table.from_pylist(records), out, compression="snappy")


def run_mimesis(rows: int, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from mimesis import Fieldset, Locale

    fs = Fieldset(locale=Locale.EN, i=rows, seed=7)
    first = pa.array(fs("person.first_name"))
    last = pa.array(fs("person.last_name"))
    index = pc.cast(pa.array(range(rows), type=pa.int64()), pa.string())
    email = pc.utf8_lower(pc.binary_join_element_wise(first, ".", last, ".", index, "@example.com", ""))
    now = datetime.now(UTC)
    table = pa.table(
        {
            "id": pa.array(fs("uuid")),
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": pa.array(fs("person.telephone")),
            "address": pa.array(fs("address.address")),
            "date_of_birth": pa.array(fs("datetime.date", start=1940, end=2007), type=pa.date32()),
            "age": pa.array(fs("numeric.integer_number", start=18, end=90), type=pa.int64()),
            "balance": pa.array(fs("finance.price", minimum=0, maximum=100000), type=pa.float64()),
            "is_active": pa.array(fs("development.boolean"), type=pa.bool_()),
            "status": pa.array(fs("random.weighted_choice", choices=dict(STATUS_WEIGHTS))),
            "created_at": pa.array(fs("datetime.datetime", start=now.year - 3, end=now.year), type=pa.timestamp("us")),
        }
    )
    pq.write_table(table, out, compression="snappy")


def run_mimesis_direct(rows: int, out: Path) -> None:
    """Mimesis's fastest path: direct provider calls, one list comprehension per column.

    ``Fieldset`` dispatches every call through a name lookup; calling the providers directly skips that,
    so this is the hardest Mimesis baseline.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from mimesis import Address, Cryptographic, Datetime, Development, Finance, Locale, Numeric, Person
    from mimesis.random import Random

    person, address, dt = Person(Locale.EN, seed=7), Address(Locale.EN, seed=7), Datetime(Locale.EN, seed=7)
    numeric, finance, dev, crypto, rnd = (
        Numeric(seed=7),
        Finance(seed=7),
        Development(seed=7),
        Cryptographic(seed=7),
        Random(7),
    )
    r = range(rows)
    first = pa.array([person.first_name() for _ in r])
    last = pa.array([person.last_name() for _ in r])
    index = pc.cast(pa.array(range(rows), type=pa.int64()), pa.string())
    email = pc.utf8_lower(pc.binary_join_element_wise(first, ".", last, ".", index, "@example.com", ""))
    now = datetime.now(UTC)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    table = pa.table(
        {
            "id": pa.array([crypto.uuid() for _ in r]),
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": pa.array([person.telephone() for _ in r]),
            "address": pa.array([address.address() for _ in r]),
            "date_of_birth": pa.array([dt.date(start=1940, end=2007) for _ in r], type=pa.date32()),
            "age": pa.array([numeric.integer_number(18, 90) for _ in r], type=pa.int64()),
            "balance": pa.array([finance.price(minimum=0, maximum=100000) for _ in r], type=pa.float64()),
            "is_active": pa.array([dev.boolean() for _ in r], type=pa.bool_()),
            "status": pa.array(rnd.choices(statuses, weights=weights, k=rows)),
            "created_at": pa.array([dt.datetime(start=now.year - 3, end=now.year) for _ in r], type=pa.timestamp("us")),
        }
    )
    pq.write_table(table, out, compression="snappy")


METHODS = {"sdga": run_sdga, "faker": run_faker, "mimesis": run_mimesis, "mimesis-direct": run_mimesis_direct}
PRELOAD = {
    "sdga": ["sdga.generation", "sdga.engine", "sdga.writers", "sdga.models"],
    "faker": ["faker"],
    "mimesis": ["mimesis", "pyarrow.compute"],
    "mimesis-direct": ["mimesis", "pyarrow.compute"],
}


def child(method: str, rows: int, workers: int, batch_size: int) -> dict[str, Any]:
    """One measurement, inside its own process."""
    with tempfile.TemporaryDirectory(prefix="sdga-bench-") as tmp:
        out = Path(tmp) / f"{method}.parquet"
        # Library imports are not generation work: load them before the clock starts, for every method.
        import importlib

        import pyarrow.parquet  # noqa: F401

        for module in PRELOAD[method]:
            importlib.import_module(module)
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        if method == "sdga":
            run_sdga(rows, out, workers, batch_size)
        else:
            METHODS[method](rows, out)  # type: ignore[operator]
        seconds = time.perf_counter() - start
        cpu_seconds = _cpu_seconds() - cpu_start
        size = out.stat().st_size
        import pyarrow.parquet as pq

        written = pq.ParquetFile(out).metadata.num_rows
        columns = pq.ParquetFile(out).schema_arrow.names
    if written != rows or len(columns) != 12:
        raise SystemExit(f"{method}: wrote {written} rows x {len(columns)} columns, expected {rows} x 12")
    return {
        "method": method,
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "bytes": size,
    }


def measure(method: str, rows: int, workers: int = 1, batch_size: int = 65_536) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", method, "--rows", str(rows)]
    cmd += ["--workers", str(workers), "--batch-size", str(batch_size)]
    print(f"  measuring {method} on {rows:,} rows ...", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = result["rows"] / result["seconds"]
    result["rows_per_cpu_s"] = result["rows"] / max(result["cpu_seconds"], 1e-9)
    print(
        f"    {result['rows_per_s']:,.0f} rows/s, {result['seconds']:.2f} s, peak {result['peak_rss_mb']:.0f} MiB",
        file=sys.stderr,
    )
    return result


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {}
    for name in ("synthetic-data-agent", "faker", "mimesis", "pyarrow", "numpy"):
        try:
            out[name] = version(name)
        except Exception:
            out[name] = "?"
    return out


def render(results: list[dict[str, Any]], memory: list[dict[str, Any]], args: argparse.Namespace) -> str:
    by = {r["method"]: r for r in results}
    sdga = by["sdga"]["rows_per_s"]
    sdga_cpu = by["sdga"]["rows_per_cpu_s"]
    lines = [
        "# Generation benchmark: 12-column user_profile to Parquet",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} with {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; " + ", ".join(f"{k} {v}" for k, v in _versions().items()) + ".",
        f"Command: `python bench/bench_generate.py {' '.join(sys.argv[1:])}`",
        "",
        "Each method generates the same 12 columns and writes a snappy Parquet file, end to end, in its own",
        "process (peak memory is that process's `ru_maxrss`). Wall-clock rates depend on what else the machine",
        "is doing; the CPU-time columns (user + system, worker processes included) are steadier on a shared host.",
        "",
        "| Method | Rows measured | Time | Rows/s | sdga speed-up | Rows per CPU-second | speed-up (CPU) | Peak memory |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "sdga": f"sdga (workers={args.workers})",
        "faker": "Faker, per-row loop",
        "mimesis": "Mimesis, column API (Fieldset) + pyarrow",
        "mimesis-direct": "Mimesis, direct provider calls per column + pyarrow",
    }
    for method in ("sdga", "faker", "mimesis", "mimesis-direct"):
        if method not in by:
            continue
        r = by[method]
        ratio = "1x" if method == "sdga" else f"**{sdga / r['rows_per_s']:,.1f}x**"
        ratio_cpu = "1x" if method == "sdga" else f"{sdga_cpu / r['rows_per_cpu_s']:,.1f}x"
        lines.append(
            f"| {labels[method]} | {r['rows']:,} | {r['seconds']:.2f} s | {r['rows_per_s']:,.0f} | {ratio} "
            f"| {r['rows_per_cpu_s']:,.0f} | {ratio_cpu} | {r['peak_rss_mb']:,.0f} MiB |"
        )
    notes = []
    if "faker" in by and by["faker"]["rows"] < by["sdga"]["rows"]:
        notes.append(
            f"The Faker loop was measured on {by['faker']['rows']:,} rows and its rate extrapolated "
            f"(at that rate {by['sdga']['rows']:,} rows would take {by['sdga']['rows'] / by['faker']['rows_per_s']:,.0f} s)."
        )
    if "mimesis" in by and by["mimesis"]["rows"] < by["sdga"]["rows"]:
        notes.append(
            f"Mimesis was measured on {by['mimesis']['rows']:,} rows (its rate is flat in the row count: "
            "one Python call per value)."
        )
    if memory:
        lines += ["", "## Peak memory (sdga, streamed to Parquet)", ""]
        lines += [
            "| Rows | Time | Rows/s | CPU time | Rows per CPU-second | Peak memory |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in memory:
            lines.append(
                f"| {r['rows']:,} | {r['seconds']:.1f} s | {r['rows_per_s']:,.0f} | {r['cpu_seconds']:.1f} s "
                f"| {r['rows_per_cpu_s']:,.0f} | {r['peak_rss_mb']:,.0f} MiB |"
            )
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for sdga (default 1,000,000)")
    parser.add_argument("--faker-rows", type=int, default=20_000, help="rows for the Faker loop (extrapolated)")
    parser.add_argument("--mimesis-rows", type=int, default=200_000, help="rows for Mimesis")
    parser.add_argument("--memory-rows", type=int, nargs="*", default=[1_000_000, 10_000_000], help="peak-memory runs")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=65_536)
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.relative_to(HERE.parent)}")
    parser.add_argument("--child", choices=sorted(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child(args.child, args.rows, args.workers, args.batch_size)))
        return

    results = [
        measure("sdga", args.rows, args.workers, args.batch_size),
        measure("faker", min(args.faker_rows, args.rows)),
        measure("mimesis", min(args.mimesis_rows, args.rows)),
        measure("mimesis-direct", min(args.mimesis_rows, args.rows)),
    ]
    memory = []
    for n in args.memory_rows or []:
        if n == args.rows:
            memory.append(results[0])
        else:
            memory.append(measure("sdga", n, args.workers, args.batch_size))
    text = render(results, memory, args)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
