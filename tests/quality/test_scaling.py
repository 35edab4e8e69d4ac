"""Metrics grow linearly with rows and columns: wide tables, sampled column pairs, bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sdga.models import Schema
from sdga.quality import calculate_quality_metrics, compare_to_reference
from sdga.quality.pairs import _unrank, choose_pairs


def _wide(rows: int, fields: int, seed: int) -> pa.Table:
    """Columns in ten related groups (each follows its group's factor), odd ones small integers."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(0, 1, (10, rows))
    columns: dict[str, np.ndarray] = {}
    for i in range(fields):
        x = factors[i % 10] + rng.normal(0, 0.3, rows)
        columns[f"f{i}"] = np.digitize(x, [-1, 0, 1]) if i % 2 else x
    return pa.table(columns)


def test_five_rows_by_4000_fields_take_seconds_not_minutes() -> None:
    data, reference = _wide(5, 4000, 1), _wide(5, 4000, 2)
    started = time.perf_counter()
    metrics = calculate_quality_metrics(data, reference=reference, max_pairs=500)
    elapsed = time.perf_counter() - started
    # Before: 86 s for the statistics alone, and 8 million pairs scored one by one with a reference.
    assert elapsed < 30, elapsed
    assert len(metrics.field_statistics) == 4000
    fidelity = metrics.fidelity
    assert fidelity is not None and len(fidelity.column_scores) == 4000
    assert fidelity.pairs_sampled and fidelity.pairs_scored == 500
    assert fidelity.pairs_total == 4000 * 3999 // 2


def test_validity_of_the_widest_schema_allowed_is_quick() -> None:
    data = _wide(5, 1000, 1)
    schema = Schema.model_validate(
        {"fields": [{"name": f"f{i}", "type": "integer" if i % 2 else "float"} for i in range(1000)]}
    )
    started = time.perf_counter()
    metrics = calculate_quality_metrics(data, schema=schema)
    assert time.perf_counter() - started < 15
    assert metrics.validity_score == 1.0 and len(metrics.field_statistics) == 1000


def test_sampled_pairs_are_deterministic_for_a_seed_and_differ_between_seeds() -> None:
    data, reference = _wide(200, 120, 3), _wide(200, 120, 4)
    a = compare_to_reference(data, reference, seed=5, max_pairs=300)
    b = compare_to_reference(data, reference, seed=5, max_pairs=300)
    c = compare_to_reference(data, reference, seed=6, max_pairs=300)
    assert a.pair_scores == b.pair_scores and a.column_pair_trends == b.column_pair_trends
    assert set(a.pair_scores) != set(c.pair_scores)
    assert (a.pairs_scored, a.pairs_total, a.pairs_sampled) == (300, 120 * 119 // 2, True)
    # Few enough pairs: all of them, nothing sampled.
    full = compare_to_reference(data.select(["f0", "f1", "f2", "f3"]), reference.select(["f0", "f1", "f2", "f3"]))
    assert (full.pairs_scored, full.pairs_total, full.pairs_sampled) == (6, 6, False)


def test_max_pairs_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SDGA_METRICS_MAX_PAIRS", "10")
    report = compare_to_reference(_wide(50, 12, 1), _wide(50, 12, 2))
    assert (report.pairs_scored, report.pairs_total) == (10, 66)
    # ... and the Markdown report of `sdga metrics` says the pairs were a sample.
    from typer.testing import CliRunner

    from sdga.cli import app

    pq.write_table(_wide(50, 12, 1), tmp_path / "data.parquet")
    pq.write_table(_wide(50, 12, 2), tmp_path / "ref.parquet")
    args = ["metrics", str(tmp_path / "data.parquet"), "--reference", str(tmp_path / "ref.parquet"), "--markdown"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and "| Column pairs examined | 10 of 66 (a seeded sample" in res.stdout


def test_pair_unranking_covers_every_pair_once() -> None:
    for m in (2, 3, 7, 50):
        i, j = _unrank(np.arange(m * (m - 1) // 2), m)
        assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(a, b) for a in range(m) for b in range(a + 1, m)]
    # A sample from billions of pairs without listing them: valid, distinct pairs.
    cols = [object()] * 100_000
    pairs, total = choose_pairs(cols, None, 1000, seed=0)  # type: ignore[arg-type]
    assert total == 100_000 * 99_999 // 2 and len(set(pairs)) == 1000
    assert all(0 <= a < b < 100_000 for a, b in pairs)


# Peak resident memory of the measuring process alone: Linux's VmHWM. (ru_maxrss would do elsewhere, but
# on Linux it carries the forking parent's peak across exec, and this test's parent built a big table.)
MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from sdga.models import Schema
    from sdga.quality import calculate_quality_metrics
    schema = Schema.model_validate(json.loads(sys.argv[2]))
    metrics = calculate_quality_metrics(sys.argv[1], schema=schema)
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    hwm = [int(line.split()[1]) for line in lines if line.startswith("VmHWM:")]
    peak_kb = hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rss_mb": peak_kb / 1024, "rows": metrics.row_count, "validity": metrics.validity_score}))
    """
)


@pytest.mark.slow
def test_a_million_rows_by_12_columns_stay_under_500_mb(tmp_path: Path) -> None:
    rows = 1_000_000
    rng = np.random.default_rng(0)
    ids = np.char.add("id-", np.arange(rows).astype(str))
    words = np.array(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"])
    table = pa.table(
        {
            "id": ids,
            "email": np.char.add(ids, "@example.com"),
            "first_name": words[rng.integers(0, 6, rows)],
            "city": np.char.add(words[rng.integers(0, 6, rows)], rng.integers(0, 999, rows).astype(str)),
            "age": rng.integers(18, 90, rows),
            "score": rng.integers(0, 1000, rows),
            "balance": rng.normal(1000, 300, rows),
            "ratio": rng.random(rows),
            "lat": rng.uniform(-90, 90, rows),
            "active": rng.random(rows) < 0.5,
            "born": pa.array(rng.integers(0, 20_000, rows).astype("int32"), pa.int32()).cast(pa.date32()),
            "status": words[rng.integers(0, 3, rows)],
        }
    )
    path = tmp_path / "big.parquet"
    pq.write_table(table, path)
    del table
    schema = {
        "fields": [
            {"name": "id", "type": "string", "primary_key": True},
            {"name": "email", "type": "email"},
            {"name": "first_name", "type": "first_name"},
            {"name": "city", "type": "string"},
            {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}},
            {"name": "score", "type": "integer"},
            {"name": "balance", "type": "float"},
            {"name": "ratio", "type": "float", "constraints": {"min": 0, "max": 1}},
            {"name": "lat", "type": "latitude"},
            {"name": "active", "type": "boolean"},
            {"name": "born", "type": "date"},
            {"name": "status", "type": "category", "constraints": {"enum": ["alpha", "bravo", "charlie"]}},
        ]
    }
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), json.dumps(schema)],
        capture_output=True,
        text=True,
        timeout=280,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["rows"] == rows and result["validity"] == 1.0
    assert result["rss_mb"] < 500, result  # 0.94 GB before: the file was read whole, then copied per query
