"""Every writer's output read back by an independent parser, tricky values included."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from sdga.models import OutputFormat
from sdga.writers import open_writer, write_plan

from .conftest import (
    LONG,
    TRICKY_STRINGS,
    USERS_SCHEMA,
    Plan,
    orders_batches,
    orders_table,
    source,
    users_batches,
    users_rows,
    users_table,
)

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def _write_users(tmp_path: Path, fmt: str, rows=None, batch_size: int = 5) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / f"users.{'jsonl' if fmt == 'jsonl' else fmt}"
    with open_writer(out, users_table(), fmt) as writer:
        for batch in users_batches(rows, batch_size):
            writer.write_batch(batch)
    return out


def _json_expected(row: dict) -> dict:  # type: ignore[type-arg]
    """What a JSON reader should see for a source row (ISO text for dates, numbers for decimals)."""
    out = dict(row)
    if row["balance"] is not None:
        out["balance"] = float(row["balance"])
    for key in ("birth_date", "wake"):
        if row[key] is not None:
            out[key] = row[key].isoformat()
    if row["created_at"] is not None:
        out["created_at"] = row["created_at"].isoformat()
    if row["seen_at"] is not None:
        out["seen_at"] = row["seen_at"].replace(tzinfo=None).isoformat() + "Z"
    return out


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_round_trip(tmp_path: Path, fmt: str) -> None:
    rows = users_rows(25)
    path = _write_users(tmp_path, fmt, rows, batch_size=4)
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        parsed = json.loads(text)
        assert text.startswith("[\n") and text.endswith("\n]\n")
    else:
        lines = text.split("\n")
        assert lines[-1] == ""  # final newline, no blank record
        parsed = [json.loads(line) for line in lines[:-1]]
    assert len(parsed) == 25
    for got, row in zip(parsed, rows, strict=True):
        assert got == _json_expected(row)
        assert list(got) == USERS_SCHEMA.names  # column order kept


def test_json_float_text_is_shortest_round_trip(tmp_path: Path) -> None:
    rows = users_rows(5)
    text = _write_users(tmp_path, "jsonl", rows).read_text()
    assert '"score":0.1,' in text and '"score":1e+20,' in text
    assert '"created_at":"2023-05-06T07:08:09.123450"' in text  # the unit's digits
    assert '"created_at":"2023-05-06T07:08:09"' in text  # whole seconds: no fraction


def test_json_non_finite_floats_become_null(tmp_path: Path) -> None:
    table = users_table()
    schema = pa.schema([("x", pa.float64())])
    table.arrow_schema = schema
    out = tmp_path / "f.json"
    with open_writer(out, table, "json") as w:
        w.write_batch(pa.record_batch([pa.array([float("nan"), float("inf"), -float("inf"), 1.0])], schema=schema))
    assert json.loads(out.read_text()) == [{"x": None}, {"x": None}, {"x": None}, {"x": 1.0}]


def test_empty_outputs_are_valid(tmp_path: Path) -> None:
    for fmt in OutputFormat:
        out = tmp_path / f"empty.{fmt.value}"
        with open_writer(out, users_table(), fmt):
            pass
        assert out.exists()
    assert json.loads((tmp_path / "empty.json").read_text()) == []
    assert (tmp_path / "empty.jsonl").read_text() == ""
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0
    assert pq.read_table(tmp_path / "empty.parquet").schema.names == USERS_SCHEMA.names
    header = (tmp_path / "empty.csv").read_text().splitlines()
    assert header[0].startswith('"id","name"') and '"address.city"' in header[0] and len(header) == 1
    assert ET.parse(tmp_path / "empty.xml").getroot().tag == "users"


def test_csv_round_trip(tmp_path: Path) -> None:
    rows = users_rows(24)
    path = _write_users(tmp_path, "csv", rows, batch_size=7)
    opts = pacsv.ConvertOptions(
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        column_types={"name": pa.string(), "address.street": pa.string(), "address.zip": pa.string()},
    )
    read = pacsv.read_csv(path, convert_options=opts, read_options=pacsv.ReadOptions(block_size=1 << 22))
    assert read.column_names == [
        "id",
        "name",
        "age",
        "small",
        "score",
        "balance",
        "is_active",
        "birth_date",
        "created_at",
        "seen_at",
        "wake",
        "address.street",
        "address.city",
        "address.zip",
        "tags",
        "events",
    ]
    got = read.to_pylist()
    for g, row in zip(got, rows, strict=True):
        assert g["name"] == row["name"]  # quotes, newlines, unicode, empty vs null, 70k chars
        assert g["age"] == row["age"]
        assert g["is_active"] == row["is_active"]
        assert g["birth_date"] == row["birth_date"]
        assert g["created_at"] == row["created_at"]
        if row["balance"] is None:
            assert g["balance"] is None
        else:
            assert decimal.Decimal(str(g["balance"])).quantize(decimal.Decimal("0.01")) == row["balance"]
        if row["address"] is None:
            assert g["address.city"] is None and g["address.street"] is None
        else:
            assert g["address.street"] == row["address"]["street"]
            assert g["address.zip"] == row["address"]["zip"]  # leading zeros kept (read as string)
        assert (json.loads(g["tags"]) if g["tags"] is not None else None) == row["tags"]
        assert (json.loads(g["events"]) if g["events"] is not None else None) == row["events"]
    assert got[0]["seen_at"] == dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.UTC)


def test_csv_round_trip_with_stdlib_reader(tmp_path: Path) -> None:
    import csv

    rows = users_rows(12)
    path = _write_users(tmp_path, "csv", rows)
    with path.open(newline="", encoding="utf-8") as fh:
        csv.field_size_limit(1 << 24)
        got = list(csv.DictReader(fh))
    assert [g["name"] for g in got] == [r["name"] or "" for r in rows]


def test_parquet_round_trip_typed_snappy_fixed_row_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdga.writers import parquet

    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 10)
    rows = users_rows(24)
    path = _write_users(tmp_path, "parquet", rows, batch_size=7)
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [10, 10, 4]  # not the batches
    assert meta.row_group(0).column(0).compression == "SNAPPY"
    table = pq.read_table(path)
    assert table.schema.equals(USERS_SCHEMA)  # nested struct/list types kept, not strings
    assert table.to_pylist() == rows


def test_xml_well_formed_and_round_trips(tmp_path: Path) -> None:
    rows = users_rows(24)
    path = _write_users(tmp_path, "xml", rows)
    root = ET.parse(path).getroot()
    assert root.tag == "users"
    records = list(root)
    assert len(records) == 24 and all(r.tag == "record" for r in records)
    for rec, row in zip(records, rows, strict=True):
        name = rec.find("name")
        assert name is not None
        if row["name"] is None:
            assert name.get(XSI_NIL) == "true"
        else:
            expected = "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in row["name"])
            assert (name.text or "") == expected  # CR kept via &#13;, forbidden controls replaced
        address = rec.find("address")
        assert address is not None
        if row["address"] is None:
            assert address.get(XSI_NIL) == "true"
        else:
            assert address.findtext("city") == "Köln"
            assert address.findtext("zip") == row["address"]["zip"]
        tags = rec.find("tags")
        assert tags is not None
        if row["tags"] is not None:
            assert [(i.text or "") for i in tags.findall("item")] == [
                "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in t) for t in row["tags"]
            ]
        if row["seen_at"] is not None:
            assert rec.findtext("seen_at") == "2024-02-29T23:59:59Z"
            assert rec.findtext("is_active") in {"true", "false"}


def test_xml_names_are_sanitised(tmp_path: Path) -> None:
    schema = pa.schema([("1st name", pa.string()), ("xml", pa.int64()), ("a/b", pa.string()), ("a_b", pa.string())])
    table = users_table("2024 orders")
    table.arrow_schema = schema
    out = tmp_path / "x.xml"
    with open_writer(out, table, "xml") as w:
        w.write_batch(pa.record_batch([["x"], [1], ["y"], ["z"]], schema=schema))
    root = ET.parse(out).getroot()
    assert root.tag == "_2024_orders"
    assert [child.tag for child in root[0]] == ["_1st_name", "_xml", "a_b", "a_b_2"]


def test_multi_table_directory_one_file_per_table(tmp_path: Path) -> None:
    plan = Plan([users_table(), orders_table()])
    batches = source({"users": users_batches(users_rows(10)), "orders": orders_batches(10)})
    seen: list[tuple[str, int]] = []
    result = write_plan(plan, tmp_path / "out", "jsonl", batches=batches, progress=lambda t, n: seen.append((t, n)))
    assert result.files == {"users": tmp_path / "out" / "users.jsonl", "orders": tmp_path / "out" / "orders.jsonl"}
    assert result.records == {"users": 10, "orders": 30}
    assert sum(n for t, n in seen if t == "orders") == 30
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["orders.jsonl", "users.jsonl"]


def test_single_table_to_file_path(tmp_path: Path) -> None:
    plan = Plan([users_table()])
    out = tmp_path / "nested" / "people.csv"
    result = write_plan(plan, out, "csv", batches=source({"users": users_batches()}))
    assert result.files == {"users": out}
    assert out.is_file() and sorted(p.name for p in out.parent.iterdir()) == ["people.csv"]


def test_single_table_to_existing_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("x")
    result = write_plan(Plan([users_table()]), tmp_path / "d", "parquet", batches=source({"users": users_batches()}))
    assert result.files == {"users": tmp_path / "d" / "users.parquet"}
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["keep.txt", "users.parquet"]


def test_very_long_string_survives_every_text_format(tmp_path: Path) -> None:
    rows = [r for r in users_rows() if r["name"] == LONG]
    assert rows
    for fmt in ("json", "jsonl", "csv", "xml"):
        text = _write_users(tmp_path, fmt, rows).read_text(encoding="utf-8")
        assert LONG in text


def test_table_names_cannot_escape_the_output_directory(tmp_path: Path) -> None:
    plan = Plan([users_table("../evil"), orders_table("orders", "../evil")])
    batches = source({"../evil": users_batches(), "orders": orders_batches(12)})
    result = write_plan(plan, tmp_path / "out", "csv", batches=batches)
    assert result.files["../evil"].parent == tmp_path / "out"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_tricky_strings_cover_the_cases() -> None:
    # Guard against the fixture silently losing its hard cases.
    joined = "".join(s for s in TRICKY_STRINGS if s)
    for needle in ("'", '"', "\\", "\n", "\r", "\t", "😀", "&", "<", "\x01"):
        assert needle in joined
    assert None in TRICKY_STRINGS and "" in TRICKY_STRINGS


def test_xml_forbidden_noncharacters_are_replaced(tmp_path: Path) -> None:
    schema = pa.schema([("s", pa.string())])
    table = users_table()
    table.arrow_schema = schema
    out = tmp_path / "n.xml"
    with open_writer(out, table, "xml") as w:
        w.write_batch(pa.record_batch([["a\ufffeb\uffffc", "fine \ufffd", "\x00"]], schema=schema))
    assert [r.findtext("s") for r in ET.parse(out).getroot()] == ["a\ufffdb\ufffdc", "fine \ufffd", "\ufffd"]


def test_types_the_engine_never_emits_still_write(tmp_path: Path) -> None:
    """Dictionary, date64, non-UTC timestamps, durations, maps, uint64 and binary: readable everywhere."""
    schema = pa.schema(
        [
            ("c", pa.dictionary(pa.int8(), pa.string())),
            ("d64", pa.date64()),
            ("ts", pa.timestamp("ns", tz="Europe/Berlin")),
            ("dur", pa.duration("s")),
            ("m", pa.map_(pa.string(), pa.int64())),
            ("big", pa.uint64()),
            ("bin", pa.binary()),
        ]
    )
    batch = pa.record_batch(
        [
            pa.array(["a", None]).dictionary_encode(),
            pa.array([dt.date(2020, 1, 1)] * 2, pa.date64()),
            pa.array([dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)] * 2, pa.timestamp("ns", tz="Europe/Berlin")),
            pa.array([dt.timedelta(seconds=5)] * 2, pa.duration("s")),
            pa.array([[("k", 1)], None], pa.map_(pa.string(), pa.int64())),
            pa.array([2**64 - 1, None], pa.uint64()),
            pa.array([b"\x00\xff", None]),
        ],
        schema=schema,
    )
    table = users_table("x")
    table.arrow_schema = schema
    for fmt in OutputFormat:
        with open_writer(tmp_path / f"x.{fmt.value}", table, fmt) as writer:
            writer.write_batch(batch)
    rows = json.loads((tmp_path / "x.json").read_text())
    assert rows[0] == {
        "c": "a",
        "d64": "2020-01-01",
        "ts": "2024-01-01T12:00:00Z",  # the instant, in UTC
        "dur": "0:00:05",
        "m": {"k": 1},
        "big": 2**64 - 1,
        "bin": "AP8=",
    }
    csv_opts = pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=False)
    assert pacsv.read_csv(tmp_path / "x.csv", convert_options=csv_opts).column("bin").to_pylist() == ["AP8=", None]
    assert ET.parse(tmp_path / "x.xml").getroot()[0].findtext("m") == '{"k":1}'
    script = (tmp_path / "x.sql").read_text()
    assert "BYTEA" in script and "NUMERIC(20,0)" in script and "'\\x00ff'::bytea" in script


def test_millisecond_times_write_in_every_text_format(tmp_path: Path) -> None:
    """time32[ms] (a valid Arrow time, e.g. from Parquet or pandas input) writes; the fraction keeps its width."""
    schema = pa.schema([("t", pa.time32("ms")), ("whole", pa.time32("ms"))])
    batch = pa.record_batch(
        [
            pa.array([dt.time(6, 30, 1, 500_000), None], pa.time32("ms")),
            pa.array([dt.time(7, 0, 2), dt.time(0, 0)], pa.time32("ms")),
        ],
        schema=schema,
    )
    table = users_table("x")
    table.arrow_schema = schema
    for fmt in ("csv", "json", "jsonl", "sql", "xml"):
        with open_writer(tmp_path / f"x.{fmt}", table, fmt) as writer:
            writer.write_batch(batch)
    rows = json.loads((tmp_path / "x.json").read_text())
    assert rows == [{"t": "06:30:01.500", "whole": "07:00:02"}, {"t": None, "whole": "00:00:00"}]
    with open(tmp_path / "x.csv", newline="") as f:
        assert list(csv.reader(f)) == [["t", "whole"], ["06:30:01.500", "07:00:02"], ["", "00:00:00"]]
    assert ET.parse(tmp_path / "x.xml").getroot()[0].findtext("t") == "06:30:01.500"
    assert "('06:30:01.500', '07:00:02')" in (tmp_path / "x.sql").read_text()


def test_text_full_of_characters_to_escape_survives_every_text_format(tmp_path: Path) -> None:
    """Thousands of quotes, ampersands, backslashes and control characters in one column (the escape scan's
    many-hits path), in a column without nulls (quotes joined with the row) and one with nulls."""
    heavy = ("\"&'<>\\\n\t" * 2000) + "end"
    schema = pa.schema([pa.field("s", pa.string(), nullable=False), ("n", pa.string())])
    batch = pa.record_batch([pa.array([heavy, "x'y"]), pa.array([None, heavy])], schema=schema)
    table = users_table("x")
    table.arrow_schema = schema
    for fmt in ("csv", "json", "jsonl", "sql", "xml"):
        with open_writer(tmp_path / f"x.{fmt}", table, fmt) as writer:
            writer.write_batch(batch)
    assert json.loads((tmp_path / "x.json").read_text()) == [{"s": heavy, "n": None}, {"s": "x'y", "n": heavy}]
    lines = (tmp_path / "x.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"s": heavy, "n": None}, {"s": "x'y", "n": heavy}]
    with open(tmp_path / "x.csv", newline="") as f:
        assert list(csv.reader(f))[1:] == [[heavy, ""], ["x'y", heavy]]
    records = ET.parse(tmp_path / "x.xml").getroot()
    assert [r.findtext("s") for r in records] == [heavy, "x'y"]
    script = (tmp_path / "x.sql").read_text()
    assert "('" + heavy.replace("'", "''") + "', NULL)" in script
