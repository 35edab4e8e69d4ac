"""Benchmark: the 12-column user_profile to Parquet by sdga, a per-row Faker loop and Mimesis columns.

Run from the repository root (not part of the test suite)::

    python bench/bench_generate.py --rows 1000000            # also measures peak memory at 10M rows
    python bench/bench_generate.py --rows 200000 --memory-rows 0 --no-write   # quick look
    python bench/bench_generate.py --rows 1000000 --formats all --repeat 3     # every output format

``--formats`` (``all`` or a comma-separated list of parquet, csv, json, jsonl, sql, xml) measures sdga end
to end to each format, and the baselines where the comparison is fair: to CSV with the ``csv`` module and to
JSON Lines with ``json.dumps`` per row, as a Faker or Mimesis user would write them (there is no such
obvious baseline for a JSON array, SQL or XML). That table goes to ``bench/results/formats.md``; the default
(Parquet only) to ``bench/results/generate.md``. ``--repeat N`` runs every measurement N times and reports
the median (by wall-clock time), which matters on a shared machine.

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
* ``sdga coherent``: the engine on a related request that uses the coherence features (``COHERENT_SCHEMA``):
  customers in five countries (geography: city, postcode, phone and currency from one real city per row,
  a time profile on the signup) with aggregates of their orders (count, filtered count, sum), and ten orders
  per customer that come after the signup (a lookup and a lag), take the customer's currency (a lookup),
  derive their amount and a flag (expressions) and carry a refund only when refunded, never above the amount
  (``when`` and ``max_expr``). ``--rows`` counts its orders; the customers are a tenth of that. Its rate
  counts every row written (customers and orders) and is reported beside the plain one.

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
RESULTS_FORMATS = HERE / "results" / "formats.md"
FORMATS = ("parquet", "csv", "json", "jsonl", "sql", "xml")
# Formats the Faker/Mimesis baselines write (Parquet with pyarrow, CSV with csv, JSON Lines with json.dumps).
BASELINE_FORMATS = ("parquet", "csv", "jsonl")

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


COHERENT_ORDERS_PER_CUSTOMER = 10
COHERENT_SCHEMA: dict[str, Any] = {
    "tables": [
        {
            "name": "customers",
            "fields": [
                {"name": "customer_id", "type": "uuid", "primary_key": True},
                {"name": "full_name", "type": "full_name"},
                {"name": "country_code", "type": "country_code",
                 "constraints": {"enum": ["US", "DE", "FR", "GB", "JP"], "weights": [4, 2, 2, 1, 1]}},
                {"name": "city", "type": "city"},
                {"name": "postal_code", "type": "postal_code"},
                {"name": "phone", "type": "phone"},
                {"name": "currency", "type": "currency_code"},
                {"name": "signup_date", "type": "date",
                 "constraints": {"min": "2020-01-01", "max": "2024-06-30", "profile": "consumer_evenings"}},
                {"name": "order_count", "type": "integer", "expression": "count(orders)"},
                {"name": "refunded_orders", "type": "integer",
                 "expression": "count(orders, where=\"status == 'refunded'\")"},
                {"name": "lifetime_value", "type": "amount", "expression": "sum(orders.amount)"},
            ],
        },
        {
            "name": "orders",
            "fields": [
                {"name": "order_id", "type": "uuid", "primary_key": True},
                {"name": "customer_id", "type": "reference", "references": "customers.customer_id",
                 "cardinality": {"min": COHERENT_ORDERS_PER_CUSTOMER, "max": COHERENT_ORDERS_PER_CUSTOMER}},
                {"name": "ordered_at", "type": "datetime", "after": "customer_id.signup_date",
                 "lag": {"min": "1h", "max": "400d"}, "constraints": {"max": "2025-06-30T23:59:59"}},
                {"name": "currency", "type": "currency_code", "expression": "customer_id.currency"},
                {"name": "quantity", "type": "integer",
                 "constraints": {"min": 1, "max": 9, "distribution": {"kind": "zipf", "exponent": 2.0}}},
                {"name": "unit_price", "type": "amount",
                 "constraints": {"min": 1, "max": 900, "precision": 2,
                                 "distribution": {"kind": "lognormal", "mean": 40, "std": 50}}},
                {"name": "amount", "type": "amount", "expression": "quantity * unit_price"},
                {"name": "status", "type": "category",
                 "constraints": {"enum": ["paid", "shipped", "refunded", "cancelled"], "weights": [50, 38, 7, 5]}},
                {"name": "is_open", "type": "boolean", "expression": "status in ('paid', 'shipped')"},
                {"name": "refund", "type": "amount", "when": "status == 'refunded'",
                 "constraints": {"min": 0.01, "precision": 2, "max_expr": "amount"}},
                {"name": "shipping_fee", "type": "amount", "when": "amount < 50", "otherwise": "0",
                 "constraints": {"min": 2.5, "max": 9.9, "precision": 2}},
            ],
        },
    ]
}  # fmt: skip


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ------------------------------------------------------------------------------------------- methods


def run_sdga(rows: int, out: Path, workers: int, batch_size: int, fmt: str = "parquet") -> None:
    from sdga.generation import generate_to_path
    from sdga.models import GenerateDataRequest

    request = GenerateDataRequest.model_validate(
        {"data_type": "custom", "volume": rows, "schema": USER_PROFILE_SCHEMA, "output_format": fmt, "seed": 7}
    )
    generate_to_path(request, out, workers=workers, batch_size=batch_size)


def run_sdga_coherent(orders: int, out: Path, workers: int, batch_size: int) -> None:
    """The coherent request: ``orders`` orders and a tenth as many customers, one Parquet file per table."""
    from sdga.generation import generate_to_path
    from sdga.models import GenerateDataRequest

    customers = max(1, orders // COHERENT_ORDERS_PER_CUSTOMER)
    schema = json.loads(json.dumps(COHERENT_SCHEMA))
    schema["tables"][0]["volume"] = customers
    request = GenerateDataRequest.model_validate(
        {"schema": schema, "volume": customers, "output_format": "parquet", "seed": 7}
    )
    generate_to_path(request, out, workers=workers, batch_size=batch_size)


def _json_default(value: Any) -> Any:
    """What a baseline passes to ``json.dumps`` for dates and datetimes: ISO 8601 text."""
    return value.isoformat()


def write_rows(names: list[str], rows: Any, out: Path, fmt: str) -> None:
    """The baselines' text output: ``rows`` (tuples in ``names`` order) with the csv module or json.dumps."""
    import csv

    with open(out, "w", encoding="utf-8", newline="") as f:
        if fmt == "csv":
            writer = csv.writer(f)
            writer.writerow(names)
            writer.writerows(rows)
        elif fmt == "jsonl":
            dumps = json.dumps
            for row in rows:
                f.write(dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=_json_default))
                f.write("\n")
        else:
            raise ValueError(f"no baseline writer for {fmt}")


def run_faker(rows: int, out: Path, fmt: str = "parquet") -> None:
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
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(records), out, compression="snappy")
    else:
        write_rows(list(records[0]) if records else [], (tuple(r.values()) for r in records), out, fmt)


COLUMNS = [f["name"] for f in USER_PROFILE_SCHEMA["fields"]]


def _write_columns(columns: dict[str, Any], out: Path, fmt: str) -> None:
    """Mimesis's Python-list columns to ``out``: Parquet through pyarrow (the email derived with pyarrow
    compute), or rows for the csv module / json.dumps (the email built per row, as a row writer would)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    first, last, rows = columns["first_name"], columns["last_name"], len(columns["id"])
    if fmt != "parquet":
        columns["email"] = [
            f"{f}.{n}.{i}@example.com".lower() for i, (f, n) in enumerate(zip(first, last, strict=True))
        ]
        write_rows(COLUMNS, zip(*(columns[name] for name in COLUMNS), strict=True), out, fmt)
        return
    first_arr, last_arr = pa.array(first), pa.array(last)
    index = pc.cast(pa.array(range(rows), type=pa.int64()), pa.string())
    types = {
        "date_of_birth": pa.date32(),
        "age": pa.int64(),
        "balance": pa.float64(),
        "is_active": pa.bool_(),
        "created_at": pa.timestamp("us"),
    }
    arrays = {name: pa.array(values, type=types.get(name)) for name, values in columns.items()}
    arrays["first_name"], arrays["last_name"] = first_arr, last_arr
    arrays["email"] = pc.utf8_lower(
        pc.binary_join_element_wise(first_arr, ".", last_arr, ".", index, "@example.com", "")
    )
    pq.write_table(pa.table({name: arrays[name] for name in COLUMNS}), out, compression="snappy")


def run_mimesis(rows: int, out: Path, fmt: str = "parquet") -> None:
    from mimesis import Fieldset, Locale

    fs = Fieldset(locale=Locale.EN, i=rows, seed=7)
    now = datetime.now(UTC)
    columns = {
        "id": fs("uuid"),
        "first_name": fs("person.first_name"),
        "last_name": fs("person.last_name"),
        "phone": fs("person.telephone"),
        "address": fs("address.address"),
        "date_of_birth": fs("datetime.date", start=1940, end=2007),
        "age": fs("numeric.integer_number", start=18, end=90),
        "balance": fs("finance.price", minimum=0, maximum=100000),
        "is_active": fs("development.boolean"),
        "status": fs("random.weighted_choice", choices=dict(STATUS_WEIGHTS)),
        "created_at": fs("datetime.datetime", start=now.year - 3, end=now.year),
    }
    _write_columns(columns, out, fmt)


def run_mimesis_direct(rows: int, out: Path, fmt: str = "parquet") -> None:
    """Mimesis's fastest path: direct provider calls, one list comprehension per column.

    ``Fieldset`` dispatches every call through a name lookup; calling the providers directly skips that,
    so this is the hardest Mimesis baseline.
    """
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
    now = datetime.now(UTC)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    columns = {
        "id": [crypto.uuid() for _ in r],
        "first_name": [person.first_name() for _ in r],
        "last_name": [person.last_name() for _ in r],
        "phone": [person.telephone() for _ in r],
        "address": [address.address() for _ in r],
        "date_of_birth": [dt.date(start=1940, end=2007) for _ in r],
        "age": [numeric.integer_number(18, 90) for _ in r],
        "balance": [finance.price(minimum=0, maximum=100000) for _ in r],
        "is_active": [dev.boolean() for _ in r],
        "status": rnd.choices(statuses, weights=weights, k=rows),
        "created_at": [dt.datetime(start=now.year - 3, end=now.year) for _ in r],
    }
    _write_columns(columns, out, fmt)


METHODS = {
    "sdga": run_sdga,
    "sdga-coherent": run_sdga_coherent,
    "faker": run_faker,
    "mimesis": run_mimesis,
    "mimesis-direct": run_mimesis_direct,
}
PRELOAD = {
    "sdga": ["sdga.generation", "sdga.engine", "sdga.writers", "sdga.models"],
    "sdga-coherent": ["sdga.generation", "sdga.engine", "sdga.writers", "sdga.models"],
    "faker": ["faker"],
    "mimesis": ["mimesis", "pyarrow.compute"],
    "mimesis-direct": ["mimesis", "pyarrow.compute"],
}


def count_output(out: Path, fmt: str) -> tuple[int, int]:
    """(rows, columns) of a written file: a check that each method did the whole job (not timed)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(out)
        return meta.metadata.num_rows, len(meta.schema_arrow.names)
    if fmt == "csv":
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(out)
        return table.num_rows, table.num_columns
    # The text formats put one row per line (the JSON array and XML by the writer's layout): count the
    # lines that open a row, and parse the first row for its columns.
    data = out.read_bytes()
    if fmt in ("json", "jsonl"):
        opener = b"\n{" if fmt == "json" else b"\n"
        first = data[data.index(b"{") : data.index(b"\n", data.index(b"{"))].rstrip(b",")
        return data.count(opener), len(json.loads(first))
    if fmt == "xml":
        import xml.etree.ElementTree as ET

        first = data[data.index(b"<record>") : data.index(b"</record>") + len(b"</record>")]
        return data.count(b"<record>"), len(ET.fromstring(first.replace(b"xsi:nil", b"nil")))
    # SQL: every row is a "(...)" line after "VALUES" or a ",": count the lines that open a row.
    columns = len(COLUMNS) if b'CREATE TABLE "user_profile"' in data else 0
    return data.count(b"\n("), columns


def _count_coherent(out: Path, orders: int) -> tuple[int, int]:
    """(bytes, rows) of the coherent request's files, after checking both tables are whole (not timed)."""
    import pyarrow.parquet as pq

    files = {f.stem: f for f in out.glob("*.parquet")}
    counts = {name: pq.ParquetFile(path).metadata.num_rows for name, path in files.items()}
    customers = max(1, orders // COHERENT_ORDERS_PER_CUSTOMER)
    expected = {"customers": customers, "orders": customers * COHERENT_ORDERS_PER_CUSTOMER}
    if counts != expected:
        raise SystemExit(f"sdga-coherent wrote {counts}, expected {expected}")
    return sum(f.stat().st_size for f in files.values()), sum(counts.values())


def child(method: str, rows: int, workers: int, batch_size: int, fmt: str = "parquet") -> dict[str, Any]:
    """One measurement, inside its own process."""
    with tempfile.TemporaryDirectory(prefix="sdga-bench-") as tmp:
        out = Path(tmp) / (method if method == "sdga-coherent" else f"{method}.{fmt}")  # a directory of tables
        # Library imports are not generation work: load them before the clock starts, for every method.
        import importlib

        import pyarrow.parquet  # noqa: F401

        for module in PRELOAD[method]:
            importlib.import_module(module)
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        if method == "sdga":
            run_sdga(rows, out, workers, batch_size, fmt)
        elif method == "sdga-coherent":
            run_sdga_coherent(rows, out, workers, batch_size)
        else:
            METHODS[method](rows, out, fmt)  # type: ignore[operator]
        seconds = time.perf_counter() - start
        cpu_seconds = _cpu_seconds() - cpu_start
        peak = _peak_rss_mb()  # before the check below reads the file back
        if method == "sdga-coherent":
            size, written = _count_coherent(out, rows)
            rows = written
        else:
            size = out.stat().st_size
            written, columns = count_output(out, fmt)
            if written != rows or columns != 12:
                raise SystemExit(f"{method} to {fmt}: wrote {written} rows x {columns} columns, expected {rows} x 12")
    return {
        "method": method,
        "format": fmt,
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mb": peak,
        "bytes": size,
    }


def measure(
    method: str, rows: int, workers: int = 1, batch_size: int = 65_536, fmt: str = "parquet", repeat: int = 1
) -> dict[str, Any]:
    """Run one measurement ``repeat`` times (each in a fresh process); the run with the median time."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", method, "--rows", str(rows)]
    cmd += ["--workers", str(workers), "--batch-size", str(batch_size), "--formats", fmt]
    runs: list[dict[str, Any]] = []
    for i in range(repeat):
        print(f"  measuring {method} to {fmt} on {rows:,} rows ({i + 1}/{repeat}) ...", file=sys.stderr, flush=True)
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        run: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"    {rows / run['seconds']:,.0f} rows/s, {run['seconds']:.2f} s", file=sys.stderr)
        runs.append(run)
    runs.sort(key=lambda r: r["seconds"])
    result = dict(runs[(len(runs) - 1) // 2])  # the median run (the lower middle one for an even count)
    result["cpu_seconds"] = sorted(r["cpu_seconds"] for r in runs)[(len(runs) - 1) // 2]
    result["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    result["repeat"] = repeat
    result["rows_per_s"] = result["rows"] / result["seconds"]
    result["rows_per_cpu_s"] = result["rows"] / max(result["cpu_seconds"], 1e-9)
    print(
        f"    median {result['rows_per_s']:,.0f} rows/s, {result['seconds']:.2f} s, "
        f"peak {result['peak_rss_mb']:.0f} MiB",
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


LOAD_AT_START = os.getloadavg() if hasattr(os, "getloadavg") else None


def _run_lines() -> list[str]:
    """Where and how the results were made (machine, its load, versions, the command)."""
    load = ""
    if LOAD_AT_START is not None and hasattr(os, "getloadavg"):
        now = os.getloadavg()[0]
        load = f" Load average (1 min) {LOAD_AT_START[0]:.1f} at the start, {now:.1f} at the end."
        if max(LOAD_AT_START[0], now) > (os.cpu_count() or 1):
            load += (
                " Above the CPU count: other work shared the machine, so wall-clock rates are lower than on a quiet"
                " one; compare the CPU-time columns."
            )
    return [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} with {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; " + ", ".join(f"{k} {v}" for k, v in _versions().items()) + "." + load,
        f"Command: `python bench/bench_generate.py {' '.join(sys.argv[1:])}`",
    ]


def render(results: list[dict[str, Any]], memory: list[dict[str, Any]], args: argparse.Namespace) -> str:
    by = {r["method"]: r for r in results}
    sdga = by["sdga"]["rows_per_s"]
    sdga_cpu = by["sdga"]["rows_per_cpu_s"]
    lines = [
        "# Generation benchmark: 12-column user_profile to Parquet, and a coherent multi-table request",
        "",
        *_run_lines(),
        "",
        "Each method generates the same 12 columns and writes a snappy Parquet file, end to end, in its own",
        "process (peak memory is that process's `ru_maxrss`). Wall-clock rates depend on what else the machine",
        "is doing; the CPU-time columns (user + system, worker processes included) are steadier on a shared host.",
        f"Every measurement ran {args.repeat} time(s); the table shows the run with the median time.",
        "",
        "| Method | Rows measured | Time | Rows/s | sdga speed-up | Rows per CPU-second | speed-up (CPU) | Peak memory |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "sdga": f"sdga (workers={args.workers})",
        "sdga-coherent": f"sdga, coherent request (workers={args.workers}): geography, derived, conditional, "
        "lookup and aggregate fields, 2 tables",
        "faker": "Faker, per-row loop",
        "mimesis": "Mimesis, column API (Fieldset) + pyarrow",
        "mimesis-direct": "Mimesis, direct provider calls per column + pyarrow",
    }
    for method in ("sdga", "sdga-coherent", "faker", "mimesis", "mimesis-direct"):
        if method not in by:
            continue
        r = by[method]
        ratio = "1x" if method == "sdga" else f"**{sdga / r['rows_per_s']:,.1f}x**"
        ratio_cpu = "1x" if method == "sdga" else f"{sdga_cpu / r['rows_per_cpu_s']:,.1f}x"
        if method == "sdga-coherent":  # its own job: its rate beside the plain one, not a speed-up
            ratio = f"{r['rows_per_s'] / sdga:.0%} of plain"
            ratio_cpu = f"{r['rows_per_cpu_s'] / sdga_cpu:.0%} of plain"
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
    if "sdga-coherent" in by:
        co = by["sdga-coherent"]
        notes.append(
            f"The coherent request (`COHERENT_SCHEMA` in the script) wrote {co['rows']:,} rows: "
            f"{co['rows'] // (COHERENT_ORDERS_PER_CUSTOMER + 1):,} customers (11 columns: country mix, city, postcode, "
            "phone and currency from one real city per row, a time-profiled signup date, three aggregates of "
            f"their orders) and {co['rows'] // (COHERENT_ORDERS_PER_CUSTOMER + 1) * COHERENT_ORDERS_PER_CUSTOMER:,} "
            "orders (12 columns: after the signup through a lookup, the customer's currency, a derived amount and "
            "flag, a conditional refund bounded by the amount, a conditional shipping fee). Its rate counts every "
            "row written; the Faker ratios compare the plain 12-column job."
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


FORMAT_LABELS = {
    "parquet": "Parquet (baselines: pyarrow)",
    "csv": "CSV (baselines: csv module)",
    "json": "JSON array",
    "jsonl": "JSON Lines (baselines: json.dumps per row)",
    "sql": "SQL (PostgreSQL INSERTs)",
    "xml": "XML",
}


def render_formats(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    """The per-format table: sdga to every format, each baseline to the formats it has a fair writer for."""
    labels = {
        "sdga": f"sdga (workers={args.workers})",
        "faker": "Faker, per-row loop",
        "mimesis": "Mimesis, column API (Fieldset)",
        "mimesis-direct": "Mimesis, direct provider calls",
    }
    sdga_by = {r["format"]: r for r in results if r["method"] == "sdga"}
    lines = [
        "# Generation benchmark: 12-column user_profile to every output format",
        "",
        *_run_lines(),
        "",
        "Each method generates the same 12 columns and writes them in the given format, end to end, in its own",
        f"process. Every measurement ran {args.repeat} time(s); the table shows the run with the median time",
        "(and the median CPU time; peak memory is the largest of the runs). Baselines write CSV with the `csv`",
        "module and JSON Lines with `json.dumps` per row, as their users would; they have no comparable",
        "one-liner for a JSON array, SQL or XML, so those rows show sdga alone. The speed-up compares with sdga",
        "writing the same format.",
        "",
        "| Format | Method | Rows measured | Time | Rows/s | sdga speed-up | Rows per CPU-second "
        "| speed-up (CPU) | File size | Peak memory |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = sdga_by[r["format"]]
        own = r["method"] == "sdga"
        ratio = "1x" if own else f"**{base['rows_per_s'] / r['rows_per_s']:,.1f}x**"
        ratio_cpu = "1x" if own else f"{base['rows_per_cpu_s'] / r['rows_per_cpu_s']:,.1f}x"
        size = f"{r['bytes'] / 2**20:,.0f} MiB" if own else f"({r['bytes'] / 2**20:,.1f} MiB)"
        lines.append(
            f"| {FORMAT_LABELS[r['format']] if own else ''} | {labels[r['method']]} | {r['rows']:,} "
            f"| {r['seconds']:.2f} s | {r['rows_per_s']:,.0f} | {ratio} | {r['rows_per_cpu_s']:,.0f} | {ratio_cpu} "
            f"| {size} | {r['peak_rss_mb']:,.0f} MiB |"
        )
    lines += [
        "",
        "- File sizes of the baselines (in parentheses) are for their smaller row counts.",
        f"- The Faker loop was measured on {min(args.faker_rows, args.rows):,} rows and Mimesis on "
        f"{min(args.mimesis_rows, args.rows):,} rows; their rates are flat in the row count (one Python call "
        "per value), so the ratios hold at sdga's row count.",
        "",
    ]
    return "\n".join(lines)


def parse_formats(value: str) -> list[str]:
    """``all`` or a comma-separated list of formats, in the order given."""
    formats = list(FORMATS) if value.strip().lower() == "all" else [f.strip().lower() for f in value.split(",")]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)} or all")
    return list(dict.fromkeys(formats))


def run_formats(args: argparse.Namespace) -> None:
    """``--formats``: sdga and the fair baselines to each format; the table goes to formats.md."""
    results: list[dict[str, Any]] = []
    for fmt in args.formats:
        results.append(measure("sdga", args.rows, args.workers, args.batch_size, fmt, args.repeat))
        if fmt in BASELINE_FORMATS and not args.no_baselines:
            results.append(measure("faker", min(args.faker_rows, args.rows), fmt=fmt, repeat=args.repeat))
            for method in ("mimesis", "mimesis-direct"):
                results.append(measure(method, min(args.mimesis_rows, args.rows), fmt=fmt, repeat=args.repeat))
    text = render_formats(results, args)
    print(text)
    if not args.no_write:
        RESULTS_FORMATS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FORMATS.write_text(text, encoding="utf-8")
        print(f"written to {RESULTS_FORMATS}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for sdga (default 1,000,000)")
    parser.add_argument("--faker-rows", type=int, default=20_000, help="rows for the Faker loop (extrapolated)")
    parser.add_argument("--mimesis-rows", type=int, default=200_000, help="rows for Mimesis")
    parser.add_argument("--memory-rows", type=int, nargs="*", default=[1_000_000, 10_000_000], help="peak-memory runs")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=65_536)
    parser.add_argument(
        "--formats",
        type=parse_formats,
        default=["parquet"],
        help=f"all, or a comma-separated list of {', '.join(FORMATS)} (default parquet). Anything but parquet "
        f"alone prints a per-format table and writes {RESULTS_FORMATS.relative_to(HERE.parent)}",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is reported")
    parser.add_argument("--no-baselines", action="store_true", help="with --formats: measure sdga only")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    parser.add_argument("--child", choices=sorted(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    if args.child:
        print(json.dumps(child(args.child, args.rows, args.workers, args.batch_size, args.formats[0])))
        return
    if args.formats != ["parquet"]:
        run_formats(args)
        return

    results = [
        measure("sdga", args.rows, args.workers, args.batch_size, repeat=args.repeat),
        measure("sdga-coherent", args.rows, args.workers, args.batch_size, repeat=args.repeat),
        measure("faker", min(args.faker_rows, args.rows), repeat=args.repeat),
        measure("mimesis", min(args.mimesis_rows, args.rows), repeat=args.repeat),
        measure("mimesis-direct", min(args.mimesis_rows, args.rows), repeat=args.repeat),
    ]
    memory = []
    for n in args.memory_rows or []:
        if n == args.rows:
            memory.append(results[0])
        else:
            memory.append(measure("sdga", n, args.workers, args.batch_size, repeat=args.repeat))
    text = render(results, memory, args)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
