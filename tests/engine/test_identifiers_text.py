"""Identifiers valid for their scheme and text that reads like real data, on 20,000 rows each.

National check digits are verified by python-stdnum where it knows them (Spain) and by the published
algorithms written out here independently of the engine (France's RIB key, Italy's CIN).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from stdnum import iban as stdnum_iban
from tests.engine.conftest import field, generate

from sdga.engine import plan_generation, safety
from sdga.engine.lexicon import lexicon
from sdga.engine.templates import get_template
from sdga.errors import SchemaError
from sdga.models import GenerateDataRequest
from sdga.models.generation import SUPPORTED_LOCALES

ROWS = 20_000


def _fr_rib_ok(bban: str) -> bool:
    """RIB key: (89 * bank + 15 * branch + 3 * account + key) is a multiple of 97."""
    bank, branch, account, key = bban[:5], bban[5:10], bban[10:21], bban[21:23]
    return (89 * int(bank) + 15 * int(branch) + 3 * int(account) + int(key)) % 97 == 0


_CIN_ODD = {str(i): v for i, v in enumerate([1, 0, 5, 7, 9, 13, 15, 17, 19, 21])}


def _it_cin_ok(bban: str) -> bool:
    """CIN: odd positions (1st, 3rd, ...) of ABI+CAB+account by the odd table, even ones by their value, mod 26."""
    rest = bban[1:]
    total = sum(_CIN_ODD[c] if i % 2 == 0 else int(c) for i, c in enumerate(rest))
    return bban[0] == chr(65 + total % 26)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_ibans_pass_the_iban_and_national_checks(locale: str) -> None:
    values = generate([field("iban", "iban", unique=True)], volume=ROWS, locale=locale, seed=2).column("iban")
    values = values.to_pylist()
    assert len(set(values)) == ROWS
    for v in values[:5000]:
        assert stdnum_iban.is_valid(v), v  # ISO 7064 digits, the registry's BBAN format, Spain's control digits
        assert safety.is_safe_iban(v), v
        if v.startswith("FR"):
            assert _fr_rib_ok(v[4:]), v
        if v.startswith("IT"):
            assert _it_cin_ok(v[4:]), v


def test_isins_have_valid_check_digits_on_a_prefix_no_security_has() -> None:
    luhn = pytest.importorskip("stdnum.luhn")
    isin = pytest.importorskip("stdnum.isin")
    values = generate([field("isin", "isin", unique=True)], volume=ROWS, seed=3).column("isin").to_pylist()
    assert len(set(values)) == ROWS
    for v in values:
        assert re.fullmatch(r"ZZ[0-9A-Z]{9}[0-9]", v), v
        assert luhn.is_valid("".join(str(int(c, 36)) for c in v)), v
    # python-stdnum knows ZZ is no country: the code can never be a real security's
    assert not isin.is_valid(values[0])
    assert isin.calc_check_digit(values[0][:-1]) == values[0][-1]


_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"


def test_host_names_are_valid_in_every_format() -> None:
    t = generate(
        [
            field("short", "hostname"),
            field("fqdn", "hostname", format="fqdn"),
            field("ec2", "hostname", format="ec2"),
            field("pod", "hostname", format="pod", unique=True),
        ],
        volume=ROWS,
        seed=4,
    )
    host = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
    for col in t.column_names:
        assert all(host.match(v) and len(v) <= 253 for v in t.column(col).to_pylist()), col
    assert all(safety.is_safe_domain(v) for v in t.column("fqdn").to_pylist())
    for v in t.column("ec2").to_pylist():
        m = re.fullmatch(r"ip-10-(\d+)-(\d+)-(\d+)\.ec2\.internal", v)
        assert m and all(0 <= int(x) <= 255 for x in m.groups()), v
    assert len(set(t.column("pod").to_pylist())) == ROWS
    with pytest.raises(SchemaError, match="unique hostname"):
        generate([field("h", "hostname", unique=True)], volume=10)


_UA = re.compile(
    r"^Mozilla/5\.0 \((Windows NT 10\.0; Win64; x64|Macintosh; Intel Mac OS X 10[._]15(_7)?|X11; Linux x86_64"
    r"|Linux; Android 1[0-4]; (K|SM-S918B)|iPhone; CPU iPhone OS 1[78]_\d like Mac OS X|iPad; CPU OS 1[78]_\d like Mac OS X)"
    r"(; rv:\d{3}\.0)?\) (AppleWebKit/(537\.36|605\.1\.15) \(KHTML, like Gecko\)|Gecko/20100101) .+$"
)


def test_user_agents_are_those_current_browsers_send() -> None:
    values = generate([field("ua", "user_agent")], volume=ROWS, seed=5).column("ua").to_pylist()
    assert all(_UA.match(v) for v in values), next(v for v in values if not _UA.match(v))
    share = {k: sum(k in v for v in values) / ROWS for k in ("Chrome/", "Firefox/", "iPhone", "Edg/")}
    assert share["Chrome/"] > 0.6 and 0.02 < share["Firefox/"] < 0.15 and share["iPhone"] > 0.05
    assert not any("MSIE" in v or "Trident" in v for v in values)


def _template_rows(name: str, table: str, volume: int = ROWS) -> list[dict[str, Any]]:
    from tests.engine.conftest import table as materialise

    schema = get_template(name).model_dump(by_alias=True, exclude_none=True)
    for t in schema.get("tables") or []:
        t["volume"] = volume if t["name"] == table else min(volume, 2000)
    body = {"data_type": "custom", "schema": schema, "volume": volume, "seed": 6}
    plan = plan_generation(GenerateDataRequest.model_validate(body))
    return materialise(plan, table).to_pylist()


def test_arrays_with_distinct_items_never_repeat_a_value() -> None:
    rows = _template_rows("log_event", "log_event")
    assert all(len(set(r["tags"])) == len(r["tags"]) for r in rows)
    assert max(len(r["tags"]) for r in rows) == 4
    t = generate(
        [
            field(
                "n", "array", min_length=3, max_length=6, distinct_items=True, items=field("x", "integer", min=1, max=8)
            )
        ],
        volume=ROWS,
    )
    assert all(len(set(v)) == len(v) for v in t.column("n").to_pylist())
    with pytest.raises(SchemaError, match="arrays only"):
        generate([field("x", "integer", distinct_items=True)], volume=10)


def test_product_names_belong_to_the_row_category_and_text_is_not_lorem_ipsum() -> None:
    rows = _template_rows("ecommerce", "products")
    cats = lexicon("products")["categories"]
    for r in rows:
        things = cats[r["category"]]["things"]
        assert any(r["product_name"].endswith(t) or f"{t} " in r["product_name"] for t in things), r
    assert len({r["product_name"] for r in rows}) > ROWS // 4
    lorem = {"lorem", "ipsum", "dolor", "consectetur", "adipiscing"}
    for name, table, column in (("ecommerce", "products", "product_name"), ("log_event", "log_event", "message")):
        words = {w.lower().strip(".,") for r in _template_rows(name, table, 2000) for w in r[column].split()}
        assert not words & lorem


def test_comments_keep_one_tone_and_never_repeat_a_sentence() -> None:
    sentences = lexicon("reviews")["sentences"]
    tone_of = {s: tone for tone, items in sentences.items() for s in items}
    values = generate([field("c", "review")], volume=ROWS, seed=7).column("c").to_pylist()
    tones = []
    for v in values:
        parts = re.findall(r"[^.!?]+[.!?]", v)
        parts = [p.strip() for p in parts]
        assert all(p in tone_of for p in parts) and len(set(parts)) == len(parts), v
        assert len({tone_of[p] for p in parts}) == 1, v
        tones.append(tone_of[parts[0]])
    assert 0.55 < tones.count("positive") / ROWS < 0.7
