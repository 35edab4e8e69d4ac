"""Hand-built tables and batches for the writer tests: tricky values in every Arrow type the engine emits.

The writers only rely on a table's ``name``, ``arrow_schema``, ``primary_key``, ``foreign_keys`` and
``fields``, so these small dataclasses stand in for the engine's plans and keep the tests independent.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pytest

from sdga.models import FieldSpec


@dataclass
class FK:
    column: str
    ref_table: str
    ref_column: str


@dataclass
class Table:
    name: str
    arrow_schema: pa.Schema
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[FK] = field(default_factory=list)
    fields: list[FieldSpec] = field(default_factory=list)


@dataclass
class Plan:
    tables: list[Table]


LONG = "x" * 70_000 + "ü"
TRICKY_STRINGS: list[str | None] = [
    "plain",
    'O\'Brien said "hi"',
    "back\\slash \\n not a newline \\",
    "line1\nline2\r\nline3\ttab",
    "",
    None,
    "日本語 テキスト, العربية, emoji 😀👍🏽",
    "<tag attr='1'>&amp; & < > ]]>",
    'comma, semicolon; pipe| "quoted, comma"',
    "trailing space ",
    LONG,
    "ctrl \x01\x02\x1f bell\x07",
]

ADDRESS = pa.struct([("street", pa.string()), ("city", pa.string()), ("zip", pa.string())])
USERS_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        ("name", pa.string()),
        ("age", pa.int64()),
        ("small", pa.int32()),
        ("score", pa.float64()),
        ("balance", pa.decimal128(12, 2)),
        ("is_active", pa.bool_()),
        ("birth_date", pa.date32()),
        ("created_at", pa.timestamp("us")),
        ("seen_at", pa.timestamp("us", tz="UTC")),
        ("wake", pa.time64("us")),
        ("address", ADDRESS),
        ("tags", pa.list_(pa.string())),
        ("events", pa.list_(pa.struct([("kind", pa.string()), ("n", pa.int64())]))),
    ]
)
USERS_FIELDS = [
    FieldSpec(name="id", type="uuid", primary_key=True),
    FieldSpec(name="name", type="text"),  # the tricky strings: any length
    FieldSpec(name="age", type="integer"),
]


def uuid_for(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def users_rows(n: int = len(TRICKY_STRINGS)) -> list[dict[str, Any]]:
    """``n`` rows cycling through the tricky strings, with nulls and boundary values in every column."""
    rows = []
    for i in range(n):
        s = TRICKY_STRINGS[i % len(TRICKY_STRINGS)]
        null = i % 6 == 5
        rows.append(
            {
                "id": uuid_for(i),
                "name": s,
                "age": None if null else [0, -1, 2**63 - 1, -(2**63), 42][i % 5],
                "small": None if null else i - 3,
                "score": None if null else [0.1, -2.5e-7, 1e20, 3.0, 123456.789][i % 5],
                "balance": None if null else decimal.Decimal(f"{(i * 1234.56) - 5000:.2f}"),
                "is_active": None if null else i % 2 == 0,
                "birth_date": None if null else dt.date(1940 + i, 1 + i % 12, 1 + i % 28),
                "created_at": None if null else dt.datetime(2023, 5, 6, 7, 8, 9, 0 if i % 2 else 123450),
                "seen_at": None if null else dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.UTC),
                "wake": None if null else dt.time(6, 30, i % 60),
                "address": None if null else {"street": s, "city": "Köln", "zip": f"{i:05d}"},
                "tags": None if null else ([] if i % 3 == 0 else [s, "b"]),
                "events": None if null else [{"kind": s, "n": i}, {"kind": None, "n": None}],
            }
        )
    return rows


def users_table(name: str = "users") -> Table:
    return Table(name=name, arrow_schema=USERS_SCHEMA, primary_key=["id"], fields=list(USERS_FIELDS))


def users_batches(rows: list[dict[str, Any]] | None = None, batch_size: int = 5) -> list[pa.RecordBatch]:
    rows = users_rows() if rows is None else rows
    table = pa.Table.from_pylist(rows, schema=USERS_SCHEMA)
    return table.to_batches(max_chunksize=batch_size)


ORDERS_SCHEMA = pa.schema(
    [pa.field("order_id", pa.int64(), nullable=False), ("user_id", pa.string()), ("amount", pa.decimal128(10, 2))]
)


def orders_table(name: str = "orders", users: str = "users") -> Table:
    return Table(
        name=name,
        arrow_schema=ORDERS_SCHEMA,
        primary_key=["order_id"],
        foreign_keys=[FK("user_id", users, "id")],
        fields=[FieldSpec(name="user_id", type="reference", references=f"{users}.id")],
    )


def orders_batches(n_users: int, n: int = 30) -> list[pa.RecordBatch]:
    rows = [
        {"order_id": i + 1, "user_id": uuid_for(i % n_users), "amount": decimal.Decimal(f"{i * 1.25:.2f}")}
        for i in range(n)
    ]
    return pa.Table.from_pylist(rows, schema=ORDERS_SCHEMA).to_batches(max_chunksize=7)


def source(mapping: dict[str, list[pa.RecordBatch]]):  # type: ignore[no-untyped-def]
    """A ``batches=`` callable for write_plan."""

    def get(name: str) -> Iterable[pa.RecordBatch]:
        return iter(mapping[name])

    return get


@pytest.fixture
def users() -> Table:
    return users_table()
