"""Benchmark: every built-in template at a large volume (default 1,000,000 rows), rows per second each.

Run from the repository root (not part of the test suite)::

    python bench/bench_volumes.py                      # 1,000,000 rows, Parquet in a temporary directory
    python bench/bench_volumes.py --rows 100000 --sink null --only hr,finance

For each template the request's volume is ``--rows``: the plan is made (it refuses up front any unique
field that cannot hold its table's volume, derived child tables included), then every table streams its
first ``--rows`` rows (the tables the volume sizes: exactly ``--rows``; a child table may be larger in
full, e.g. ~100 meter readings per meter) into a snappy Parquet file per table (``--sink parquet``,
deleted afterwards) or nowhere (``--sink null``: generation alone). Each template runs in its own
process (so its peak memory is its own), one worker: the rates are per core, and rows per CPU-second
are steadier than wall-clock rates on a shared machine. The table goes to ``bench/results/volumes.md``
(``--no-save`` to only print it).
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
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "volumes.md"


def run_template(name: str, rows: int, sink: str, directory: Path) -> dict[str, object]:
    import pyarrow.parquet as pq

    from sdga.engine import iter_batches, plan_generation
    from sdga.engine.templates import get_template
    from sdga.models import GenerateDataRequest

    started = time.perf_counter()
    cpu = time.process_time()
    request = GenerateDataRequest.model_validate({"schema": get_template(name), "volume": rows, "seed": 1})
    plan = plan_generation(request)
    planned = time.perf_counter() - started
    counts: dict[str, int] = {}
    for table in plan.tables:
        written = 0
        writer = (
            pq.ParquetWriter(directory / f"{name}.{table.name}.parquet", table.arrow_schema)
            if sink == "parquet"
            else None
        )
        try:
            for batch in iter_batches(plan, table.name, batch_size=65_536):
                batch = batch.slice(0, rows - written)
                if writer is not None:
                    writer.write_batch(batch)
                written += batch.num_rows
                if written >= rows:
                    break
        finally:
            if writer is not None:
                writer.close()
        counts[table.name] = written
    for path in directory.glob(f"{name}.*.parquet"):
        path.unlink()
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    return {
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "template": name,
        "tables": len(plan.tables),
        "rows": total,
        "plan_s": planned,
        "seconds": elapsed,
        "cpu_s": time.process_time() - cpu,
        "rows_per_s": total / elapsed if elapsed else 0.0,
        "full_rows": plan.total_records,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="the request's volume (default 1,000,000)")
    parser.add_argument("--sink", choices=("parquet", "null"), default="parquet")
    parser.add_argument("--only", help="comma-separated template names")
    parser.add_argument("--no-save", action="store_true", help="print only; do not write bench/results/volumes.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # run one template in this process, print JSON
    args = parser.parse_args(argv)
    if args.child:
        with tempfile.TemporaryDirectory(prefix="sdga-bench-") as tmp:
            print(json.dumps(run_template(args.child, args.rows, args.sink, Path(tmp))))
        return 0

    import numpy
    import pyarrow

    import sdga
    from sdga.engine.templates import list_templates

    names = sorted(t.name for t in list_templates())
    if args.only:
        names = [n for n in names if n in set(args.only.split(","))]
    results: list[dict[str, object]] = []
    failures: list[str] = []
    for name in names:
        command = [sys.executable, __file__, "--child", name, "--rows", str(args.rows), "--sink", args.sink]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:  # a template that cannot be generated is the finding, not a crash
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            failures.append(f"{name}: {reason}")
            print(f"{name:18s} FAILED {reason}", flush=True)
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{name:18s} {result['rows']:>11,} rows in {result['seconds']:7.2f} s "
            f"({result['rows_per_s']:>11,.0f} rows/s; plan {result['plan_s']:.2f} s)",
            flush=True,
        )
    total_rows = sum(int(r["rows"]) for r in results)  # type: ignore[call-overload]
    total_s = sum(float(r["seconds"]) for r in results)  # type: ignore[arg-type]
    total_cpu = sum(float(r["cpu_s"]) for r in results)  # type: ignore[arg-type]
    peak = max((float(r["peak_mib"]) for r in results), default=0.0)  # type: ignore[arg-type]
    lines = [
        f"# Every template at {args.rows:,} rows",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} with {len(os.sched_getaffinity(0))} CPUs "
        f"(shared), Python {platform.python_version()}; synthetic-data-agent {sdga.__version__}, "
        f"pyarrow {pyarrow.__version__}, numpy {numpy.__version__}.",
        f"Command: `python bench/bench_volumes.py --rows {args.rows} --sink {args.sink}`",
        "",
        f"The request's volume is {args.rows:,}; each table streams its first {args.rows:,} rows "
        f"({'into Parquet' if args.sink == 'parquet' else 'to no sink'}), one process, one worker. "
        "The tables the volume sizes are exactly that long; derived child tables are cut at the same count "
        '("rows in full" is what the whole plan holds). Wall-clock rates on a shared machine vary; '
        "CPU time is steadier.",
        "",
        "| Template | Tables | Rows written | Rows in full | Plan | Time | CPU | Rows/s | Rows per CPU-s | Peak memory |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        per_cpu = float(r["rows"]) / float(r["cpu_s"]) if float(r["cpu_s"]) else 0.0  # type: ignore[arg-type]
        lines.append(
            f"| {r['template']} | {r['tables']} | {r['rows']:,} | {r['full_rows']:,} | {r['plan_s']:.2f} s "
            f"| {r['seconds']:.1f} s | {r['cpu_s']:.1f} s | {r['rows_per_s']:,.0f} | {per_cpu:,.0f} "
            f"| {r['peak_mib']:,.0f} MiB |"
        )
    lines += [
        "",
        f"All {len(results)} templates: {total_rows:,} rows in {total_s:.0f} s "
        f"({total_rows / total_s if total_s else 0:,.0f} rows/s; "
        f"{total_rows / total_cpu if total_cpu else 0:,.0f} rows per CPU-second); "
        f"largest peak memory {peak:,.0f} MiB.",
    ]
    if failures:
        lines += ["", "Failed:", *[f"- {f}" for f in failures]]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if not args.no_save:
        RESULTS.write_text(text, encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
