"""Safe replacements installed into the Faker used by ``faker:<method>`` fields.

Planning already routes ``faker:email``, ``faker:ipv4``, ... to the safe built-in types. But many other
Faker methods build their values from those same primitives: ``profile`` and ``simple_profile`` hold an
e-mail on a real free-mail domain, a random (possibly issued) SSN and websites on real TLDs; ``pydict``,
``pylist``, ``xml``, ... embed e-mails and URLs; ``dga`` makes domains under ``.com``. Replacing the
primitives on the Faker generator itself (``set_formatter``) makes every composite method draw them from
the reserved ranges of :mod:`sdga.engine.safety` too, whatever its name.

Every replacement draws from the Faker's own seeded ``random``, so ``faker:`` output stays deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from faker import Faker

from sdga.engine import safety

_SAFE_SECOND_LEVEL = safety.RESERVED_SECOND_LEVEL_DOMAINS
_SAFE_TLDS = ("example", "test")


def _iban(rnd: random.Random, locale: str) -> str:
    fmt = safety.iban_format(locale)
    account = "".join(rnd.choice("0123456789") for _ in range(fmt.account_digits))
    bban = fmt.bban(account)
    check = 98 - int("".join(str(int(c, 36)) for c in bban + fmt.country + "00")) % 97
    return f"{fmt.country}{check:02d}{bban}"


def _phone(rnd: random.Random, locale: str, form: str = "national") -> str:
    r = rnd.choice(safety.phone_ranges(locale))
    return getattr(r, form) + "".join(rnd.choice("0123456789") for _ in range(r.free_digits))


def _ssn(rnd: random.Random) -> str:
    area = rnd.randint(safety.SSN_AREA_MIN, safety.SSN_AREA_MAX)
    group = rnd.randint(safety.SSN_GROUP_MIN, safety.SSN_GROUP_MAX)
    return f"{area:03d}-{group:02d}-{rnd.randint(1, 9999):04d}"


def _ipv4(rnd: random.Random, network: bool = False) -> str:
    net = rnd.choice(safety.IPV4_NETWORKS)
    return net if network else f"{net.rsplit('.', 1)[0]}.{rnd.randint(1, 254)}"


def _ipv6(rnd: random.Random, network: bool = False) -> str:
    groups = ":".join(format(rnd.getrandbits(16), "x") for _ in range(6))
    return f"2001:db8:{groups}" + ("/64" if network else "")


def _mac(rnd: random.Random) -> str:
    first = (rnd.getrandbits(6) << 2) | 0b10  # locally administered, unicast
    return ":".join(f"{b:02x}" for b in [first, *(rnd.getrandbits(8) for _ in range(5))])


def make_safe(fake: Faker, locale: str) -> Faker:
    """Replace every identifier-emitting primitive of ``fake`` (one locale) with a reserved-range one."""
    gen = fake[locale]

    def rnd() -> random.Random:
        return gen.random  # type: ignore[no-any-return]

    def word() -> str:
        return str(gen.domain_word())

    def domain_name(levels: int = 1, *_a: Any, **_k: Any) -> str:
        labels = [word() for _ in range(max(levels, 1))]
        return ".".join(labels) + "." + rnd().choice(_SAFE_SECOND_LEVEL + _SAFE_TLDS)

    def user() -> str:
        return str(gen.user_name())

    def free_domain(*_a: Any, **_k: Any) -> str:
        return rnd().choice(safety.EMAIL_DOMAINS)

    def email(*_a: Any, **_k: Any) -> str:
        return f"{user()}@{free_domain()}"

    def company_email(*_a: Any, **_k: Any) -> str:
        return f"{user()}@{domain_name()}"

    def url(schemes: list[str] | None = None, *_a: Any, **_k: Any) -> str:
        scheme = rnd().choice(schemes) if schemes else "https"
        return f"{scheme}://www.{domain_name()}/"

    def tld(*_a: Any, **_k: Any) -> str:
        return rnd().choice(_SAFE_TLDS)

    def ipv4(network: bool = False, *_a: Any, **_k: Any) -> str:
        return _ipv4(rnd(), network)

    def ipv6(network: bool = False, *_a: Any, **_k: Any) -> str:
        return _ipv6(rnd(), network)

    def card(*_a: Any, **_k: Any) -> str:
        return rnd().choice(safety.TEST_CARD_NUMBERS)[1]

    def iban(*_a: Any, **_k: Any) -> str:
        return _iban(rnd(), locale)

    def bban(*_a: Any, **_k: Any) -> str:
        return _iban(rnd(), locale)[4:]

    def phone(*_a: Any, **_k: Any) -> str:
        return _phone(rnd(), locale)

    def msisdn(*_a: Any, **_k: Any) -> str:
        return _phone(rnd(), locale, "e164").lstrip("+")

    replacements: dict[str, Callable[..., str]] = {
        "tld": tld,
        "domain_name": domain_name,
        "hostname": lambda levels=1, *_a, **_k: "www." + domain_name(levels),
        "safe_domain_name": lambda *_a, **_k: "example." + rnd().choice(("com", "net", "org")),
        "free_email_domain": free_domain,
        "dga": lambda *_a, **_k: (
            "".join(rnd().choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12)) + "." + rnd().choice(_SAFE_TLDS)
        ),
        **dict.fromkeys(
            ("email", "free_email", "safe_email", "ascii_email", "ascii_free_email", "ascii_safe_email"), email
        ),
        **dict.fromkeys(("company_email", "ascii_company_email"), company_email),
        "url": url,
        "uri": lambda *_a, **_k: url() + word(),
        **dict.fromkeys(("ipv4", "ipv4_public", "ipv4_private"), ipv4),
        "ipv6": ipv6,
        "mac_address": lambda *_a, **_k: _mac(rnd()),
        **dict.fromkeys(("phone_number", "cellphone_number", "basic_phone_number"), phone),
        "msisdn": msisdn,
        **dict.fromkeys(("ssn", "itin"), lambda *_a, **_k: _ssn(rnd())),
        "credit_card_number": card,
        "iban": iban,
        "bban": bban,
    }
    for name, fn in replacements.items():
        if hasattr(gen, name):  # replace only: a locale must not gain methods it does not have
            gen.set_formatter(name, fn)
    return fake
