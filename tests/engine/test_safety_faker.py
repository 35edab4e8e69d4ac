"""The ``faker:<method>`` escape hatch stays inside the reserved ranges, whatever method is named."""

from __future__ import annotations

import re

import pytest
from faker import Faker
from tests.engine.conftest import field, generate, request

from sdga.engine import plan_generation, safety
from sdga.engine.fields.faker_escape import _private_faker
from sdga.errors import SchemaError
from sdga.models import SUPPORTED_LOCALES

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,15}://([^/\s\"'<>:\\]+)")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
# Browser versions look like dotted quads; random bytes and image placeholders are not identifiers.
_VERSIONS = re.compile(r"user_agent|chrome|firefox|opera|safari|internet_explorer|_platform_token|_processor")
_SKIP = {"image", "binary", "zip", "tar", "json_bytes", "image_url", "invalid_ssn"}


def _methods(locale: str) -> list[str]:
    fake = Faker(locale)
    names = {n for p in fake.get_providers() for n in dir(p) if not n.startswith("_")}
    return sorted(n for n in names if n not in safety.FAKER_SAFE_EQUIVALENTS and n not in _SKIP)


def _leaks(method: str, value: str) -> list[str]:
    out = [m.group(0) for m in _EMAIL.finditer(value) if not safety.is_safe_email(m.group(0))]
    out += [m.group(0) for m in _URL.finditer(value) if not safety.is_safe_domain(m.group(1))]
    if not _VERSIONS.search(method):
        out += [m.group(0) for m in _IPV4.finditer(value) if not safety.is_safe_ip(m.group(0))]
    out += [m.group(0) for m in _SSN.finditer(value) if not safety.is_safe_ssn(m.group(0))]
    return out


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_faker_method_emits_real_emails_urls_ips_or_ssns(locale: str) -> None:
    """Composite methods (profile, simple_profile, pydict, xml, dga, ...) reuse the safe primitives."""
    leaks: dict[str, list[str]] = {}
    generated = 0
    for method in _methods(locale):
        try:
            table = generate([field("x", f"faker:{method}")], volume=25, locale=locale, seed=2)
        except SchemaError:
            continue  # not a no-argument value method (attributes, helpers, Faker-side failures)
        generated += 1
        for value in table.column("x").to_pylist():
            if found := _leaks(method, value):
                leaks.setdefault(method, []).extend(found)
    assert generated > 150
    assert not leaks, {k: v[:3] for k, v in leaks.items()}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_private_faker_primitives_are_reserved(locale: str) -> None:
    fake = _private_faker(locale)
    fake.seed_instance(7)
    for _ in range(200):
        assert safety.is_safe_email(fake.free_email()) and safety.is_safe_email(fake.company_email())
        assert safety.is_safe_domain(fake.domain_name(2)) and safety.is_safe_domain(fake.hostname())
        assert safety.is_safe_domain(fake.dga()) and safety.is_safe_domain(fake.tld())
        assert safety.is_safe_domain(fake.url().split("/")[2]) and safety.is_safe_domain(fake.uri().split("/")[2])
        assert safety.is_safe_ip(fake.ipv4()) and safety.is_safe_ip(fake.ipv4_public())
        assert safety.is_safe_ip(fake.ipv6()) and fake.ipv4(network=True) in safety.IPV4_NETWORKS
        assert safety.is_locally_administered_mac(fake.mac_address())
        assert safety.is_safe_phone(fake.phone_number(), locale) and safety.is_safe_phone(fake.msisdn(), locale)
        assert safety.is_safe_ssn(fake.ssn()) and safety.is_safe_card(fake.credit_card_number())
        fmt = safety.IBAN_FORMATS[locale]
        assert safety.is_safe_iban(fake.iban()) and fmt.matches_bban(fake.bban())
    assert not hasattr(Faker(locale), "itin") or safety.is_safe_ssn(fake.itin())


def test_profile_is_safe_and_still_deterministic() -> None:
    a = generate([field("p", "faker:profile")], volume=50, seed=4).column("p").to_pylist()
    b = generate([field("p", "faker:profile")], volume=50, seed=4).column("p").to_pylist()
    assert a == b
    assert all('"ssn": "9' in v and "@" in v for v in a)


@pytest.mark.parametrize("method", ["passport_number", "ein", "aba", "swift"])
def test_unreserved_identifier_methods_run_with_a_warning(method: str) -> None:
    plan = plan_generation(request([field("doc", f"faker:{method}")], volume=5))
    assert plan.tables[0].fields[0].type == f"faker:{method}"
    assert any("doc" in w and "no range reserved" in w for w in plan.warnings), plan.warnings


def test_faker_method_needing_arguments_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="needs arguments"):
        plan_generation(request([field("x", "faker:enum")], volume=5))


def test_faker_failure_is_a_schema_error_naming_the_field() -> None:
    with pytest.raises(SchemaError, match=r"x.*faker:bank failed"):
        plan_generation(request([field("x", "faker:bank")], volume=5, locale="it_IT"))


def test_faker_generator_values_are_materialised() -> None:
    values = generate([field("x", "faker:time_series")], volume=3).column("x").to_pylist()
    assert all(v.startswith("[[") and "generator object" not in v for v in values)
