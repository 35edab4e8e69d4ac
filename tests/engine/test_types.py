"""Every type of the catalogue generates values of its Arrow type, and unique types stay unique."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pytest
from tests.engine.conftest import field, generate

from sdga.engine.fields import REGISTRY, describe_types, is_known_type, unique_capacity
from sdga.errors import SchemaError
from sdga.models import FIELD_TYPES, FieldSpec

# A field spec for every type (types that need extra keys get them here).
SPECS = {
    "category": field("x", "category", enum=["a", "b", "c"]),
    "pattern": field("x", "pattern", pattern=r"[A-Z]{2}-\d{4}"),
    "hostname": field("x", "hostname", format="pod"),  # short host names repeat roles: unique needs ec2 or pod
    "object": field("x", "object", fields=[field("a", "integer"), field("b", "city")]),
    "array": field("x", "array", items=field("i", "word"), min_length=1, max_length=4),
    "json": field("x", "json", fields=[field("a", "integer"), field("tags", "array", items=field("t", "word"))]),
    "phrase": field("x", "phrase", format="ticket_subject"),
}

SIMPLE = sorted(t for t in FIELD_TYPES if t not in ("reference",))


def test_catalogue_covers_every_model_type() -> None:
    assert set(FIELD_TYPES) == set(REGISTRY)
    names = {d["name"] for d in describe_types()}
    assert set(FIELD_TYPES) <= names and "faker:<method>" in names
    assert all(d["description"] for d in describe_types())
    assert is_known_type("EMAIL") and is_known_type("faker:license_plate") and not is_known_type("nope")


@pytest.mark.parametrize("type_name", SIMPLE)
def test_every_type_generates(type_name: str) -> None:
    spec = SPECS.get(type_name, field("x", type_name))
    t = generate([spec], volume=300, seed=3)
    col = t.column("x")
    assert t.num_rows == 300 and col.null_count == 0
    values = col.to_pylist()
    if pa.types.is_string(col.type):
        assert all(isinstance(v, str) for v in values)
        # one country per request locale by default: its country, code and currency are the same in every row
        single = ("http_method", "log_level", "country", "country_code", "currency_code")
        assert len(set(values)) > 1 or type_name in single
    assert col.type == t.schema.field("x").type


def test_value_shapes() -> None:
    fields = [
        field("u", "uuid"),
        field("d", "date"),
        field("dt", "datetime"),
        field("ts", "timestamp"),
        field("tm", "time"),
        field("dec", "decimal", min=1, max=2, precision=3),
        field("seq", "sequence", min=100),
        field("js", "json"),
        field("mac", "mac_address"),
        field("v6", "ipv6"),
        field("cc", "country_code"),
        field("cur", "currency_code"),
        field("pw", "password_hash"),
        field("col", "color", format="hex"),
        field("lat", "latitude"),
        field("lon", "longitude"),
    ]
    rows = generate(fields, volume=100).to_pylist()
    for i, r in enumerate(rows):
        assert uuid.UUID(r["u"]).version == 4
        assert isinstance(r["d"], date) and isinstance(r["dt"], datetime) and r["dt"].microsecond == 0
        assert r["ts"].microsecond % 1000 == 0
        assert 1 <= float(r["dec"]) <= 2 and r["dec"].as_tuple().exponent == -3
        assert r["seq"] == 100 + i
        assert isinstance(json.loads(r["js"]), dict)
        assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", r["mac"])
        assert r["v6"].startswith("2001:db8:")
        assert re.fullmatch(r"[A-Z]{2}", r["cc"]) and re.fullmatch(r"[A-Z]{3}", r["cur"])
        assert re.fullmatch(r"\$2b\$12\$[./A-Za-z0-9]{53}", r["pw"])
        assert re.fullmatch(r"#[0-9a-f]{6}", r["col"])
        assert -90 <= r["lat"] <= 90 and -180 <= r["lon"] <= 180


def test_nested_types() -> None:
    spec = SPECS["object"] | {"name": "o"}
    arr = SPECS["array"] | {"name": "a"}
    t = generate([spec, arr], volume=50)
    assert pa.types.is_struct(t.schema.field("o").type)
    assert pa.types.is_list(t.schema.field("a").type)
    for r in t.to_pylist():
        assert set(r["o"]) == {"a", "b"}
        assert 1 <= len(r["a"]) <= 4 and all(isinstance(w, str) for w in r["a"])
    js = generate([SPECS["json"]], volume=20).column("x").to_pylist()
    for text in js:
        doc = json.loads(text)
        assert isinstance(doc["a"], int) and isinstance(doc["tags"], list)


def test_related_fields_agree() -> None:
    fields = [
        field("first", "first_name"),
        field("last", "last_name"),
        field("full", "full_name"),
        field("email", "email", unique=True),
        field("user", "username"),
    ]
    rows = generate(fields, volume=500, locale="de_DE").to_pylist()
    from sdga.engine.vocab import ascii_slug

    for r in rows:
        assert r["full"] == f"{r['first']} {r['last']}"
        local = r["email"].split("@")[0]
        assert ascii_slug(r["last"]) in local
        assert local.startswith(ascii_slug(r["first"])[:1])
        assert ascii_slug(r["last"]) in r["user"]
    assert len({r["email"] for r in rows}) == len(rows)


UNIQUE_TYPES = sorted(
    t
    for t in FIELD_TYPES
    if t not in ("reference", "object", "array", "json", "sentence", "text", "boolean", "http_method", "log_level")
    and REGISTRY[t].capacity is not None
)


@pytest.mark.parametrize("type_name", UNIQUE_TYPES)
def test_unique_types_are_unique(type_name: str) -> None:
    spec = SPECS.get(type_name, field("x", type_name))
    spec = {**spec, "constraints": {**spec["constraints"], "unique": True}}
    fs = FieldSpec.model_validate(spec)
    cap = unique_capacity(fs, "en_US")
    volume = 3000 if cap is None else min(3000, cap)
    values = generate([spec], volume=volume).column("x").to_pylist()
    assert len(set(map(str, values))) == volume


def test_unique_covers_whole_small_domain() -> None:
    values = generate([field("x", "integer", min=10, max=19, unique=True)], volume=10).column("x").to_pylist()
    assert sorted(values) == list(range(10, 20))
    assert values != sorted(values)  # a permutation, not a counter


def test_faker_escape_hatch_is_deterministic() -> None:
    a = generate([field("x", "faker:license_plate")], volume=30, seed=5).column("x").to_pylist()
    b = generate([field("x", "faker:license_plate")], volume=30, seed=5).column("x").to_pylist()
    c = generate([field("x", "faker:license_plate")], volume=30, seed=6).column("x").to_pylist()
    assert a == b and a != c and all(isinstance(v, str) and v for v in a)


@pytest.mark.parametrize(
    ("method", "check"),
    [
        ("email", "is_safe_email"),
        ("free_email", "is_safe_email"),
        ("ipv4_public", "is_safe_ip"),
        ("ipv6", "is_safe_ip"),
        ("credit_card_number", "is_safe_card"),
        ("ssn", "is_safe_ssn"),
        ("itin", "is_safe_ssn"),
        ("phone_number", "is_safe_phone"),
        ("iban", "iban_valid"),
        ("mac_address", "is_locally_administered_mac"),
    ],
)
def test_faker_methods_that_emit_identifiers_use_the_safe_generators(method: str, check: str) -> None:
    from sdga.engine import safety

    values = generate([field("x", f"faker:{method}")], volume=300, seed=3).column("x").to_pylist()
    assert all(getattr(safety, check)(v) for v in values), values[:5]


def test_faker_substitution_is_reported_and_reaches_nested_fields() -> None:
    from sdga.engine import plan_generation
    from sdga.models import GenerateDataRequest

    request = GenerateDataRequest.model_validate(
        {
            "volume": 10,
            "schema": {
                "fields": [
                    {"name": "who", "type": "object", "fields": [{"name": "mail", "type": "faker:email"}]},
                    {"name": "plate", "type": "faker:license_plate"},
                ]
            },
        }
    )
    plan = plan_generation(request)
    (who,) = [f for f in plan.tables[0].fields if f.name == "who"]
    assert who.fields is not None and who.fields[0].type == "email"
    assert any("who.mail" in w and "faker:email" in w for w in plan.warnings)
    assert not any("plate" in w for w in plan.warnings)  # harmless Faker methods stay as asked


def test_integer_bounds_beyond_float_precision_are_exact() -> None:
    """Bounds above 2**53 are not rounded through float: values stay in [min, max], int64 limits work."""
    big = 10_000_000_000_000_001
    fields = [
        field("one", "integer", min=big, max=big),
        field("near", "integer", min=2**53 + 1, max=2**53 + 3),
        field("full", "integer", min=-(2**63), max=2**63 - 1, edge_cases=["min", "max"], edge_case_rate=0.2),
        field("top", "integer", min=2**63 - 10, max="9223372036854775807", unique=True),
        field("shaped", "integer", min=0, max=2**63 - 1, distribution={"kind": "normal", "mean": 9e18, "std": 1e18}),
    ]
    t = generate(fields, volume=10, seed=5)
    assert set(t.column("one").to_pylist()) == {big}
    assert all(2**53 + 1 <= v <= 2**53 + 3 for v in t.column("near").to_pylist())
    assert sorted(t.column("top").to_pylist()) == list(range(2**63 - 10, 2**63))
    assert all(0 <= v <= 2**63 - 1 for v in t.column("shaped").to_pylist())
    assert all(-(2**63) <= v < 2**63 for v in t.column("full").to_pylist())


def test_shaped_integers_near_int64_limits_stay_in_bounds() -> None:
    from sdga.engine.dist import shape_discrete

    u = np.array([0.0, 0.5, 1.0 - 2.0**-53])
    for lo, hi in [(0, 2**63 - 1), (-(2**63), 2**63 - 1), (2**62, 2**63 - 1)]:
        k = shape_discrete(u, lo, hi, None)
        assert k.dtype == np.int64 and all(lo <= int(v) <= hi for v in k), (lo, hi, k)


def test_decimal_bounds_are_exact() -> None:
    """Decimal bounds are read as written: 16+ digit bounds hold, and unique capacity counts real values."""
    from decimal import Decimal

    fields = [
        field("a", "decimal", min="1234567890123456.78", max="1234567890123456.78", edge_cases=["min", "max"]),
        field("b", "decimal", min=0.15, max=0.3, precision=1, unique=True),
    ]
    t = generate(fields, volume=2, seed=1)
    assert set(t.column("a").to_pylist()) == {Decimal("1234567890123456.78")}
    assert sorted(t.column("b").to_pylist()) == [Decimal("0.2"), Decimal("0.3")]
    spec = FieldSpec.model_validate(field("b", "decimal", min=0.15, max=0.3, precision=1))
    assert unique_capacity(spec, "en_US") == 2
    with pytest.raises(SchemaError, match="decimal places"):
        generate([field("c", "decimal", min=0.11, max=0.12, precision=1)], volume=2)


def test_float_precision_with_bounds_off_the_grid() -> None:
    """min/max that are not multiples of 10**-precision: values stay inside and unique ones do not repeat."""
    fields = [
        field("u", "float", min=0.15, max=0.3, precision=1, unique=True),
        field("r", "float", min=0.15, max=0.34, precision=1),
    ]
    t = generate(fields, volume=2, seed=3)
    assert sorted(t.column("u").to_pylist()) == [0.2, 0.3]
    assert set(generate(fields[1:], volume=500, seed=3).column("r").to_pylist()) <= {0.2, 0.3}
    assert unique_capacity(FieldSpec.model_validate(fields[0]), "en_US") == 2


def test_max_length_alone_below_the_default_minimum() -> None:
    """`max_length: 5` alone caps the length; the default minimum (8 for strings, 1 item for arrays) yields."""
    t = generate(
        [
            field("code", "string", max_length=5),
            field("blank", "string", max_length=0),
            field("none", "array", items=field("i", "word"), max_length=0),
        ],
        volume=200,
        seed=2,
    )
    codes = t.column("code").to_pylist()
    assert all(1 <= len(c) <= 5 for c in codes)
    assert set(t.column("blank").to_pylist()) == {""}
    assert set(map(len, t.column("none").to_pylist())) == {0}


def test_float_bounds_wider_than_the_float_range_stay_finite() -> None:
    """min -1e308, max 1e308: max - min overflows to inf; values must still be finite and in bounds."""
    t = generate([field("f", "float", min=-1e308, max=1e308, edge_cases=["min", "max"])], volume=500, seed=4)
    values = t.column("f").to_pylist()
    assert t.column("f").null_count == 0
    assert all(np.isfinite(v) and -1e308 <= v <= 1e308 for v in values)
    assert len(set(values)) > 400


def test_uuid_hex_format_is_a_trace_context_id() -> None:
    t = generate([field("x", "uuid", format="hex"), field("y", "uuid")], volume=2000, seed=3)
    hexes, canon = t.column("x").to_pylist(), t.column("y").to_pylist()
    assert all(re.fullmatch(r"[0-9a-f]{32}", v) for v in hexes) and len(set(hexes)) == 2000
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", v) for v in canon)
    assert len({v[:4] for v in hexes}) > 1000  # spread over the whole id, no common prefix
