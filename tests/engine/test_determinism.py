"""Same request and seed, same bytes: whatever the batch size, the worker count or today's date."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from tests.engine.conftest import field, request, table

from sdga.engine import BLOCK_ROWS, iter_batches, plan_generation
from sdga.engine.temporal import ANCHOR
from sdga.models import GenerateDataRequest


def _digest(t: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, t.schema) as w:
        w.write_table(t.combine_chunks())
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


MIXED = [
    field("id", "uuid"),
    field("n", "integer", min=-5, max=500_000, unique=True),
    field("f", "float", distribution={"kind": "normal", "mean": 50, "std": 10}, nullable=True),
    field("s", "string", edge_cases=["empty", "unicode", "very_long"], edge_case_rate=0.05),
    field("e", "email", unique=True),
    field("when", "datetime", min="-2y", max="now"),
    field("tags", "array", items=field("t", "word"), max_length=3),
    field("o", "object", fields=[field("a", "city"), field("b", "amount")]),
    field("k", "faker:color_name"),
]


def test_batch_size_does_not_change_bytes() -> None:
    plan = plan_generation(request(MIXED, volume=BLOCK_ROWS + 1234, seed=9))
    ref = _digest(table(plan))
    for bs in (1000, 7777, BLOCK_ROWS * 2):
        batches = list(iter_batches(plan, plan.tables[0].name, batch_size=bs))
        assert all(b.num_rows == bs for b in batches[:-1])
        assert _digest(pa.Table.from_batches(batches)) == ref


def test_workers_do_not_change_bytes() -> None:
    plan = plan_generation(GenerateDataRequest(data_type="user_profile", volume=2 * BLOCK_ROWS + 17, seed=4))
    one = _digest(table(plan, workers=1))
    two = _digest(table(plan, workers=2, batch_size=50_000))
    assert one == two


def test_seed_matters_and_repeats() -> None:
    a = _digest(table(plan_generation(request(MIXED, volume=300, seed=1))))
    b = _digest(table(plan_generation(request(MIXED, volume=300, seed=1))))
    c = _digest(table(plan_generation(request(MIXED, volume=300, seed=2))))
    assert a == b != c


def test_default_seed_is_reported() -> None:
    plan = plan_generation(request(MIXED[:2], volume=10))
    assert plan.seed == 42
    assert _digest(table(plan)) == _digest(table(plan_generation(request(MIXED[:2], volume=10, seed=42))))


def test_dates_follow_the_anchor_not_the_clock() -> None:
    rows = table(plan_generation(request([field("d", "datetime", min="-3y", max="now")], volume=2000))).to_pylist()
    lo = ANCHOR.replace(year=ANCHOR.year - 3)
    assert all(lo.timestamp() - 86400 <= r["d"].timestamp() <= ANCHOR.timestamp() for r in rows)


def test_relative_to_now_uses_the_clock() -> None:
    spec = field("d", "datetime", min="-1d", max="now", relative_to_now=True)
    rows = table(plan_generation(request([spec], volume=200))).to_pylist()
    now = datetime.now(UTC).timestamp()
    assert all(now - 2 * 86400 <= r["d"].timestamp() <= now + 5 for r in rows)


@pytest.mark.parametrize("data_type", ["user_profile", "transaction", "log_event"])
def test_templates_are_deterministic(data_type: str) -> None:
    def run() -> list[str]:
        plan = plan_generation(GenerateDataRequest(data_type=data_type, volume=500, seed=7))
        return [_digest(table(plan, t.name)) for t in plan.tables]

    assert run() == run()


def test_concurrent_generations_in_threads_stay_deterministic() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def run(seed: int) -> str:
        return _digest(table(plan_generation(request(MIXED, volume=3000, seed=seed))))

    expected = [run(s) for s in (1, 2, 3, 4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(run, (1, 2, 3, 4))) == expected


def test_word_lists_do_not_depend_on_string_hashing() -> None:
    """Faker builds some lists (Italian cities) from a set; each process must still draw the same words."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json; from sdga.engine.vocab import vocabulary_list, faker_for; "
        "print(json.dumps([vocabulary_list('it_IT', 'city')[:50], faker_for('it_IT').provider('faker.providers.address').cities[:50]]))"
    )
    runs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "SDGA_VOCAB_CACHE": "0"}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
