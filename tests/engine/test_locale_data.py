"""Locale data files: every locale has its address data, layouts parse, and generated values follow them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.engine.conftest import field, generate

from sdga.engine.fields import location
from sdga.engine.locale_data import locale_data
from sdga.models.generation import SUPPORTED_LOCALES


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_locale_has_its_own_address_data(locale: str) -> None:
    data = locale_data(locale, "address")
    assert {"postal_code", "street_address", "address"} <= set(data)
    re.compile(data["postal_code"])
    names = [s.name for s in location.layout(locale, "address")]
    assert {"street_address", "city", "postal_code"} <= set(names)


def _shape(locale: str) -> re.Pattern[str]:
    """A regex for whole addresses of ``locale``: its layout with each placeholder as one part."""
    data = locale_data(locale, "address")
    street = re.escape(data["street_address"]).replace(r"\{number\}", r"\d{1,4}").replace(r"\{street\}", ".+")
    parts = {
        "street_address": street,
        "city": ".+",
        "state": ".+",
        "state_code": "[A-Z0-9]{1,3}",
        "postal_code": data["postal_code"],
    }
    text = re.escape(data["address"])
    for name, pattern in parts.items():
        text = text.replace(re.escape("{" + name + "}"), f"(?:{pattern})")
    return re.compile(text)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_addresses_follow_the_locale_layout(locale: str) -> None:
    t = generate(
        [field("a", "address"), field("s", "street_address"), field("p", "postal_code")], volume=300, locale=locale
    )
    data = locale_data(locale, "address")
    shape = _shape(locale)
    assert all(shape.fullmatch(v) for v in t.column("a").to_pylist())
    assert all(re.fullmatch(data["postal_code"], v) for v in t.column("p").to_pylist())
    number_first = data["street_address"].startswith("{number}")
    assert all(v[0].isdigit() == number_first for v in t.column("s").to_pylist())


def test_a_locale_without_files_falls_back_to_its_language_then_the_defaults(monkeypatch: Any) -> None:
    from sdga.engine import locale_data as module

    files = {
        ("default", "address"): {"postal_code": r"\d{5}", "address": "default"},
        ("en", "address"): {"address": "english"},
        ("en_GB", "address"): {"postal_code": "GB"},
    }
    monkeypatch.setattr(module, "_read", lambda folder, name: dict(files.get((folder, name), {})))
    module.locale_data.cache_clear()
    try:
        assert module.locale_data("en_GB", "address") == {"postal_code": "GB", "address": "english"}
        assert module.locale_data("en_AU", "address") == {"postal_code": r"\d{5}", "address": "english"}
        assert module.locale_data("xx_YY", "address") == {"postal_code": r"\d{5}", "address": "default"}
        with pytest.raises(KeyError):
            module.locale_data("en_GB", "nothing")
    finally:
        module.locale_data.cache_clear()


def test_a_layout_with_an_unknown_placeholder_is_refused(monkeypatch: Any) -> None:
    monkeypatch.setattr(location, "locale_data", lambda _l, _n: {"address": "{street_address}, {planet}"})
    location.layout.cache_clear()
    try:
        with pytest.raises(ValueError, match="planet"):
            location.layout("en_US", "address")
    finally:
        location.layout.cache_clear()


def test_separators_join_the_word_lists_next_to_them() -> None:
    """A separator is baked into the part before it, else the one after (postcodes take none)."""
    slots = location.layout("de_DE", "address")
    assert [(s.name, s.prefix, s.suffix) for s in slots] == [
        ("street_address", "", ", "),
        ("postal_code", "", ""),
        ("city", " ", ""),
    ]
    us = location.layout("en_US", "address")
    assert [(s.name, s.suffix) for s in us] == [
        ("street_address", ", "),
        ("city", ", "),
        ("state_code", " "),
        ("postal_code", ""),
    ]
