"""Benchmark: quality metrics over 1M rows x 12 columns by sdga, pandas and ydata-profiling (minimal).

Run from the repository root (not part of the test suite)::

    python bench/bench_metrics.py                       # 1,000,000 rows, results in bench/results/metrics.md
    python bench/bench_metrics.py --rows 200000 --repeat 1 --ydata-python none     # quick look

The data is the engine's 12-column ``user_profile`` template (uuid, names, e-mail, phone, address, date of
birth, age, decimal balance, boolean, weighted category, timestamp), written once to Parquet. Each method
does the same job: per-column null count, distinct count, min, max, mean string length, mean/median/std
of numeric columns, and the share of duplicate rows.

* ``sdga``: ``calculate_quality_metrics`` on the in-memory Arrow table, without and with the template
  schema (the schema adds the validity check of every constraint and per-key uniqueness), and from the
  Parquet file (read included). The distribution test runs on every numeric column in all cases.
* ``pandas``: the same statistics with pandas (``isna``, ``nunique``, ``min``/``max``, ``str.len``,
  ``agg(mean, median, std)``, ``duplicated``) on a DataFrame converted beforehand (conversion not timed).
* ``ydata-profiling``: ``ProfileReport(df, minimal=True).to_json()``. It pins its own pandas/numpy, so it
  runs in a separate interpreter given by ``--ydata-python`` (default: ``$SDGA_BENCH_YDATA_PYTHON``); the
  report says when it was not available.

Timings are the best of ``--repeat`` runs after one warm-up, wall clock, on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "metrics.md"

YDATA_SCRIPT = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from ydata_profiling import ProfileReport
import ydata_profiling
df = pd.read_parquet(sys.argv[1])
best = None
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    ProfileReport(df, minimal=True, progress_bar=False).to_json()
    elapsed = time.perf_counter() - t0
    best = elapsed if best is None else min(best, elapsed)
print(json.dumps({"seconds": best, "version": ydata_profiling.__version__, "pandas": pd.__version__}))
"""


def _best(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up: imports, caches, thread pools
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def make_data(rows: int, path: Path) -> pa.Table:
    from sdga.engine import iter_batches, plan_generation
    from sdga.models import GenerateDataRequest

    plan = plan_generation(GenerateDataRequest.model_validate({"data_type": "user_profile", "volume": rows, "seed": 1}))
    table = pa.Table.from_batches(list(iter_batches(plan, plan.tables[0].name, batch_size=262_144)))
    pq.write_table(table, path)
    return table


def pandas_stats(df: Any) -> dict[str, Any]:
    """What the metrics compute, done the usual pandas way."""
    out: dict[str, Any] = {}
    for col in df.columns:
        s = df[col]
        present = s.dropna()
        stats: dict[str, Any] = {"nulls": int(s.isna().sum()), "unique": int(present.nunique())}
        try:
            stats["min"], stats["max"] = present.min(), present.max()
        except TypeError:
            stats["min"] = stats["max"] = None
        if s.dtype == object or str(s.dtype).startswith("string"):
            stats["avg_length"] = float(present.astype(str).str.len().mean())
        out[col] = stats
    numeric = df.select_dtypes("number")
    out["_numeric"] = numeric.agg(["mean", "median", "std"]).to_dict()
    out["_duplicate_share"] = float(df.duplicated().mean())
    return out


def run_ydata(python: str | None, path: Path, repeat: int) -> dict[str, Any]:
    if not python or python == "none":
        return {"error": "not run (no --ydata-python given)"}
    try:
        proc = subprocess.run(
            [python, "-c", YDATA_SCRIPT, str(path), str(repeat)],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"could not run: {exc}"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        return {"error": f"failed: {last}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ydata-python", default=os.environ.get("SDGA_BENCH_YDATA_PYTHON"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import pandas as pd
    import polars as pl

    from sdga.engine.templates import get_template
    from sdga.quality import calculate_quality_metrics

    with tempfile.TemporaryDirectory(prefix="sdga-bench-metrics-") as tmp:
        path = Path(tmp) / "user_profile.parquet"
        t0 = time.perf_counter()
        table = make_data(args.rows, path)
        made = time.perf_counter() - t0
        schema = get_template("user_profile")
        print(f"data: {table.num_rows:,} rows x {table.num_columns} columns ({made:.1f} s to generate)", flush=True)

        results: list[tuple[str, float, str]] = []
        sec = _best(lambda: calculate_quality_metrics(table), args.repeat)
        results.append(("sdga, no schema (Arrow table in memory)", sec, "statistics, distributions, row uniqueness"))
        print(f"sdga no schema: {sec:.3f} s", flush=True)
        sec = _best(lambda: calculate_quality_metrics(table, schema=schema), args.repeat)
        results.append(
            ("sdga, with schema (Arrow table in memory)", sec, "+ validity of every constraint, key uniqueness")
        )
        print(f"sdga schema: {sec:.3f} s", flush=True)
        sec = _best(lambda: calculate_quality_metrics(path, schema=schema), args.repeat)
        results.append(("sdga, with schema, from the Parquet file", sec, "read included"))
        print(f"sdga parquet: {sec:.3f} s", flush=True)

        metrics = calculate_quality_metrics(table, schema=schema)
        df = table.to_pandas()
        sec = _best(lambda: pandas_stats(df), args.repeat)
        results.append(("pandas, same statistics (DataFrame in memory)", sec, "no validity, no distribution test"))
        print(f"pandas: {sec:.3f} s", flush=True)

        ydata = run_ydata(args.ydata_python, path, 1)
        if "seconds" in ydata:
            results.append(
                (
                    f"ydata-profiling {ydata['version']} minimal report",
                    float(ydata["seconds"]),
                    "separate interpreter, one run",
                )
            )
            print(f"ydata: {ydata['seconds']:.1f} s", flush=True)
        else:
            print(f"ydata: {ydata['error']}", flush=True)

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    lines = [
        "# Quality metrics benchmark",
        "",
        f"`python bench/bench_metrics.py --rows {args.rows} --repeat {args.repeat}` on {cpu}, {os.cpu_count()} vCPU, "
        f"Python {platform.python_version()}, polars {pl.__version__}, pyarrow {pa.__version__}, pandas {pd.__version__}.",
        "",
        f"Data: the engine's `user_profile` template, {args.rows:,} rows x 12 columns (uuid, names, e-mail, phone, address,",
        "date, integer, decimal, boolean, category, timestamp). Best of the runs after a warm-up; wall clock.",
        f"Load average when the run finished (1/5/15 min): {load}; other processes share the machine.",
        "",
        "| Method | Seconds | Rows/s | Notes |",
        "|---|---:|---:|---|",
    ]
    for name, seconds, note in results:
        lines.append(f"| {name} | {seconds:.3f} | {args.rows / seconds:,.0f} | {note} |")
    if "error" in ydata:
        lines += ["", f"ydata-profiling: {ydata['error']}."]
    lines += [
        "",
        f"sdga's scores on this data: uniqueness {metrics.uniqueness_score:.4f}, validity {metrics.validity_score:.4f}, "
        f"completeness {metrics.completeness_score:.4f}.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
