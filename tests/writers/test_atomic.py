"""Atomicity: a failure at any point leaves the output location exactly as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from sdga.errors import DestinationError
from sdga.models import OutputFormat
from sdga.writers import open_writer, write_plan

from .conftest import Plan, orders_batches, orders_table, users_batches, users_table


class Boom(RuntimeError):
    pass


def _failing(batches: list[pa.RecordBatch], after: int) -> Iterator[pa.RecordBatch]:
    for i, batch in enumerate(batches):
        if i == after:
            raise Boom("engine failed mid-stream")
        yield batch


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_single_file_failure_leaves_nothing(tmp_path: Path, fmt: OutputFormat) -> None:
    out = tmp_path / f"users.{fmt.value}"
    with pytest.raises(Boom):
        write_plan(Plan([users_table()]), out, fmt, batches=lambda _n: _failing(users_batches(batch_size=3), 2))
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_failure_keeps_previous_file_intact(tmp_path: Path, fmt: OutputFormat) -> None:
    out = tmp_path / f"users.{fmt.value}"
    out.write_bytes(b"previous run")
    with pytest.raises(Boom):
        write_plan(Plan([users_table()]), out, fmt, batches=lambda _n: _failing(users_batches(batch_size=3), 1))
    assert out.read_bytes() == b"previous run"
    assert _listing(tmp_path) == [out.name]


@pytest.mark.parametrize("fmt", [OutputFormat.CSV, OutputFormat.PARQUET, OutputFormat.SQL])
def test_multi_table_failure_in_second_table_leaves_nothing(tmp_path: Path, fmt: OutputFormat) -> None:
    def batches(name: str) -> Iterator[pa.RecordBatch]:
        if name == "users":
            return iter(users_batches())
        return _failing(orders_batches(12), 1)

    with pytest.raises(Boom):
        write_plan(Plan([users_table(), orders_table()]), tmp_path / "out", fmt, batches=batches)
    assert _listing(tmp_path) == []


def test_multi_table_failure_keeps_existing_directory_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "users.csv").write_text("old users")
    (out / "notes.txt").write_text("mine")

    def batches(name: str) -> Iterator[pa.RecordBatch]:
        return iter(users_batches()) if name == "users" else _failing(orders_batches(12), 1)

    with pytest.raises(Boom):
        write_plan(Plan([users_table(), orders_table()]), out, "csv", batches=batches)
    assert _listing(tmp_path) == ["out", "out/notes.txt", "out/users.csv"]
    assert (out / "users.csv").read_text() == "old users"


def test_multi_table_success_replaces_files_in_existing_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "users.csv").write_text("old users")
    result = write_plan(
        Plan([users_table(), orders_table()]),
        out,
        "csv",
        batches=lambda n: iter(users_batches() if n == "users" else orders_batches(12)),
    )
    assert (out / "users.csv").read_text() != "old users"
    assert result.records == {"users": 12, "orders": 30}
    assert _listing(tmp_path) == ["out", "out/orders.csv", "out/users.csv"]


def test_writer_context_aborts_on_exception(tmp_path: Path) -> None:
    out = tmp_path / "u.jsonl"
    with pytest.raises(Boom), open_writer(out, users_table(), "jsonl") as writer:
        writer.write_batch(users_batches()[0])
        raise Boom("caller failed")
    assert _listing(tmp_path) == []


def test_temp_file_is_hidden_and_in_the_same_directory(tmp_path: Path) -> None:
    out = tmp_path / "u.csv"
    writer = open_writer(out, users_table(), "csv")
    writer.write_batch(users_batches()[0])
    names = os.listdir(tmp_path)
    assert len(names) == 1 and names[0].startswith(".u.csv.") and not out.exists()
    writer.close()
    assert os.listdir(tmp_path) == ["u.csv"]


def test_unwritable_location_is_a_destination_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a directory")
    for out in (blocker / "sub" / "u.csv", blocker / "dir"):
        with pytest.raises(DestinationError, match="cannot write output"):
            write_plan(Plan([users_table(), orders_table()]), out, "csv", batches=lambda _n: iter(users_batches()))
    assert _listing(tmp_path) == ["file.txt"]


def test_disk_error_mid_write_is_a_destination_error_and_leaves_nothing(tmp_path: Path) -> None:
    def batches(_name: str) -> Iterator[pa.RecordBatch]:
        yield users_batches()[0]
        raise OSError(28, "No space left on device")

    with pytest.raises(DestinationError, match="No space left on device"):
        write_plan(Plan([users_table()]), tmp_path / "u.parquet", "parquet", batches=batches)
    assert _listing(tmp_path) == []


def test_published_outputs_have_ordinary_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    single = write_plan(Plan([users_table()]), tmp_path / "u.csv", "csv", batches=lambda _n: iter(users_batches()))
    assert single.files["users"].stat().st_mode & 0o777 == 0o666 & ~mask
    multi = write_plan(
        Plan([users_table(), orders_table()]),
        tmp_path / "d",
        "csv",
        batches=lambda n: iter(users_batches() if n == "users" else orders_batches(12)),
    )
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o777 & ~mask
    assert multi.files["orders"].stat().st_mode & 0o777 == 0o666 & ~mask
