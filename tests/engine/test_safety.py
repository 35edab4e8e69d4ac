"""Personal-data types never leave the reserved ranges, for every locale and many seeds."""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.engine.conftest import field, generate

from sdga.engine import safety
from sdga.engine.templates import get_template, list_templates
from sdga.errors import SchemaError
from sdga.models import SUPPORTED_LOCALES

PII = [
    field("email", "email"),
    field("uemail", "email", unique=True),
    field("phone", "phone"),
    field("intl", "phone", format="international"),
    field("e164", "phone", format="e164"),
    field("ssn", "ssn"),
    field("card", "credit_card"),
    field("v4", "ipv4"),
    field("v6", "ipv6"),
    field("mac", "mac_address"),
    field("iban", "iban"),
    field("domain", "domain"),
    field("url", "url"),
]


def _check_row(r: dict[str, str], locale: str) -> None:
    assert safety.is_safe_email(r["email"]) and safety.is_safe_email(r["uemail"]), r
    for key in ("phone", "intl", "e164"):
        assert safety.is_safe_phone(r[key], locale), (key, r[key])
    assert r["e164"].startswith("+") and r["e164"][1:].isdigit()
    assert safety.is_safe_ssn(r["ssn"]), r["ssn"]
    assert safety.is_safe_card(r["card"]) and safety.luhn_valid(r["card"])
    assert safety.is_safe_ip(r["v4"]) and safety.is_safe_ip(r["v6"])
    assert safety.is_locally_administered_mac(r["mac"])
    assert safety.iban_valid(r["iban"]), r["iban"]
    assert safety.is_safe_domain(r["domain"])
    assert r["url"].startswith("https://") and safety.is_safe_domain(r["url"].split("/")[2])


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_locale_stays_in_safe_ranges(locale: str) -> None:
    for r in generate(PII, volume=400, locale=locale, seed=11).to_pylist():
        _check_row(r, locale)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63 - 1), locale=st.sampled_from(SUPPORTED_LOCALES))
def test_safe_ranges_hold_for_any_seed(seed: int, locale: str) -> None:
    for r in generate(PII, volume=60, locale=locale, seed=seed).to_pylist():
        _check_row(r, locale)


def test_safety_constants_are_what_they_claim() -> None:
    assert all(safety.luhn_valid(n) for _, n in safety.TEST_CARD_NUMBERS)
    assert len({n for _, n in safety.TEST_CARD_NUMBERS}) == len(safety.TEST_CARD_NUMBERS)
    for net in safety.IPV4_NETWORKS:
        assert ipaddress.ip_network(net).is_private or ipaddress.ip_network(net).is_reserved or True
        assert str(ipaddress.ip_network(net)) in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
    assert all(safety.is_safe_domain(d) for d in safety.EMAIL_DOMAINS)
    for r in safety.phone_ranges("en_US"):
        assert "555-01" in r.national and r.free_digits == 2
    assert all(r.national.startswith(("07700 900", "0")) for r in safety.phone_ranges("en_GB"))


def test_checkers_reject_real_looking_values() -> None:
    assert not safety.is_safe_email("someone@gmail.com")
    assert not safety.is_safe_email("no-at-sign")
    assert not safety.is_safe_ip("8.8.8.8") and not safety.is_safe_ip("2001:4860::8888")
    assert not safety.is_safe_ssn("123-45-6789") and not safety.is_safe_ssn("900-00-1234")
    # Area 9XX with group 50-65, 70-88, 90-92 or 94-99 is a valid ITIN format: never generated.
    assert not safety.is_safe_ssn("912-70-1234") and not safety.is_safe_ssn("955-50-0001")
    assert not safety.is_safe_card("4539578763621486")
    assert not safety.is_safe_phone("(212) 555-1234", "en_US")
    assert not safety.is_locally_administered_mac("00:1a:2b:3c:4d:5e")
    assert not safety.iban_valid("DE00000000000000000000")
    assert not safety.luhn_valid("4111111111111112")


def test_unique_ssn_and_phone_capacity_are_the_reserved_ranges() -> None:
    from sdga.engine.fields import unique_capacity
    from sdga.models import FieldSpec

    assert unique_capacity(FieldSpec(name="s", type="ssn"), "en_US") == 100 * 49 * 9999  # areas x groups x serials
    assert unique_capacity(FieldSpec(name="p", type="phone"), "en_GB") == 15 * 1000
    assert unique_capacity(FieldSpec(name="c", type="credit_card"), "en_US") == len(safety.TEST_CARD_NUMBERS)
    assert unique_capacity(FieldSpec(name="i", type="ipv4"), "en_US") == 3 * 254


_CHECKS = {
    "email": safety.is_safe_email,
    "ssn": safety.is_safe_ssn,
    "credit_card": safety.is_safe_card,
    "iban": safety.is_safe_iban,
    "ipv4": safety.is_safe_ip,
    "ipv6": safety.is_safe_ip,
    "mac_address": safety.is_locally_administered_mac,
    "domain": safety.is_safe_domain,
    "url": lambda v: v.startswith("https://") and safety.is_safe_domain(v.split("/")[2]),
}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _check_column(typ: str, values: list[object], locale: str, where: str) -> None:
    check = _CHECKS.get(typ)
    for v in values:
        if v is None:
            continue
        if typ == "phone":
            assert isinstance(v, str) and safety.is_safe_phone(v, locale), (where, v)
        elif check is not None:
            assert isinstance(v, str) and check(v), (where, v)
        # Any other text (patterns, nested fields, json) is no real identifier either. Card numbers are
        # checked by type only: one random digit string in ten passes Luhn (hex span ids included).
        for s in _strings(v):
            assert safety.real_identifier_kind(s) in (None, "credit_card"), (where, s)


@pytest.mark.parametrize("name", [t.name for t in list_templates()])
def test_every_template_field_stays_in_safe_ranges(name: str) -> None:
    from sdga.engine import iter_batches, plan_generation
    from sdga.models import GenerateDataRequest

    schema = get_template(name).model_dump(by_alias=True, exclude_none=True)
    for locale in ("en_US", "en_GB", "de_DE"):
        plan = plan_generation(
            GenerateDataRequest.model_validate(
                {"data_type": "custom", "volume": 600, "locale": locale, "seed": 9, "schema": schema}
            )
        )
        for t in plan.tables:
            for batch in iter_batches(plan, t.name):
                for f in t.arrow_schema:
                    typ = (f.metadata or {}).get(b"sdga_type", b"").decode()
                    _check_column(typ, batch.column(f.name).to_pylist(), locale, f"{name}:{t.name}.{f.name}")


def test_real_identifier_shapes_are_recognised() -> None:
    real = {"123-45-6789": "ssn", "4539578763621486": "credit_card", "a.b@gmail.com": "email"}
    real |= {"8.8.8.8": "ipv4", "(212) 555-1234": "phone", "+12125550342": "phone", "212-867-5309": "phone"}
    for value, kind in real.items():
        assert safety.real_identifier_kind(value) == kind, value
    safe = ["912-34-5678", "4111 1111 1111 1111", "a@example.com", "198.51.100.7", "10.1.2.3", "(212) 555-0142"]
    safe += ["+1 212-555-0199", "2125551234", "ORD-1234-5678", "000-12-3456", "4111111111111112"]
    assert all(safety.real_identifier_kind(v) is None for v in safe)


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        (r"[a-z]{6}@(gmail|yahoo)\.com", "email"),
        (r"\(\d{3}\) \d{3}-\d{4}", "phone"),
        (r"(8|9)\.\d\.\d\.\d", "ipv4"),
    ],
)
def test_pattern_that_produces_real_identifiers_is_warned(pattern: str, kind: str) -> None:
    from tests.engine.conftest import request

    from sdga.engine import plan_generation

    fields = [
        field("x", "pattern", pattern=pattern),
        field("o", "object", fields=[field("y", "string", pattern=pattern)]),
    ]
    plan = plan_generation(request(fields, volume=10))
    assert any("'data.x'" in w and f"real {kind}" in w for w in plan.warnings), plan.warnings
    assert any("'data.o.y'" in w for w in plan.warnings), plan.warnings
    assert not plan_generation(request([field("x", "pattern", pattern=r"ORD-\d{8}")], volume=10)).warnings


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [(r"\d{3}-\d{2}-\d{4}", "ssn"), (r"(00[1-9]|[1-5]\d\d)-[1-9]\d-\d{4}", "ssn")],
)
def test_pattern_that_produces_ssns_is_refused(pattern: str, kind: str) -> None:
    """Real-looking SSNs are refused (scanners flag them wherever the data goes), nested fields too."""
    from tests.engine.conftest import request

    from sdga.engine import plan_generation
    from sdga.validation import validate_schema

    for fields in (
        [field("x", "pattern", pattern=pattern)],
        [field("o", "object", fields=[field("y", "string", pattern=pattern)])],
    ):
        with pytest.raises(SchemaError, match=f"use type '{kind}'") as refused:
            plan_generation(request(fields, volume=10))
        assert refused.value.details and refused.value.details["kind"] == kind
        checked = validate_schema(request(fields, volume=10).schema_)
        assert not checked.valid and any(f"type '{kind}'" in e.message for e in checked.errors)
    # inside the reserved ranges: accepted, with no warning
    safe = plan_generation(request([field("x", "pattern", pattern=r"9\d{2}-[0-4][1-9]-\d{4}")], volume=10))
    assert not safe.warnings


@pytest.mark.parametrize("unique", [False, True])
@pytest.mark.parametrize("pattern", [r"[0-9a-f]{16}", r"4\d{15}", r"5[1-5]\d{2}( \d{4}){3}", r"\d{13}"])
def test_patterns_never_emit_luhn_valid_card_numbers(pattern: str, unique: bool) -> None:
    """Span ids, barcodes, card-shaped test ids: all-digit values of card length never pass the Luhn check."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from tests.engine.conftest import request

    from sdga.engine import iter_batches, plan_generation
    from sdga.engine.safety import card_number_mask

    volume = 400_000 if pattern.startswith("[0-9a-f]") else 20_000
    f = field("x", "pattern", pattern=pattern)
    f["constraints"]["unique"] = unique
    plan = plan_generation(request([f], volume=volume))
    assert not plan.warnings
    column = pa.chunked_array([b.column(0) for b in iter_batches(plan, plan.tables[0].name, batch_size=65_536)])
    values = column.combine_chunks()
    digits = values.filter(pc.ascii_is_decimal(pc.replace_substring(values, " ", "")))
    assert len(digits) > 0  # the pattern does give all-digit values of card length...
    assert not card_number_mask(values).any()  # ...and none of them is Luhn-valid
    assert all(safety.real_identifier_kind(v) != "credit_card" for v in digits.to_pylist()[:5000])
    if unique:
        assert pc.count_distinct(values).as_py() == volume
    assert all(re.fullmatch(pattern, v) for v in values.to_pylist()[:20_000])


def test_references_to_a_rewritten_unique_pattern_key_find_their_rows() -> None:
    """A child's foreign key recomputes the parent's key by row: it gets the same replaced value."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from tests.engine.conftest import request

    from sdga.engine import iter_batches, plan_generation
    from sdga.engine.safety import card_number_mask

    req = request([field("x", "integer")], volume=10)
    req.schema_ = type(req.schema_).model_validate(
        {
            "tables": [
                {
                    "name": "p",
                    "volume": 20_000,
                    "fields": [field("id", "pattern", pattern=r"\d{13}", primary_key=True)],
                },
                {"name": "c", "volume": 40_000, "fields": [field("pid", "reference", references="p.id")]},
            ]
        }
    )
    plan = plan_generation(req)
    parents = pa.concat_arrays([b.column(0) for b in iter_batches(plan, "p")])
    children = pa.concat_arrays([b.column(0) for b in iter_batches(plan, "c")])
    assert not card_number_mask(parents).any() and not card_number_mask(children).any()
    assert pc.all(pc.is_in(children, value_set=parents)).as_py()
