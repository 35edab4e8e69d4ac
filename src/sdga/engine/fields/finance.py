"""Business and money: amounts, test card numbers, IBANs, currency codes, companies and job titles."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sdga.engine import safety
from sdga.engine.context import Draw
from sdga.engine.fields.bounds import AMOUNT_DEFAULT
from sdga.engine.fields.choice import take
from sdga.engine.fields.numeric import decimal_cap, decimal_type, decimal_values
from sdga.engine.fields.registry import const_cap, register, register_vocabulary, vocab_cap
from sdga.engine.geo.tables import geo_tables
from sdga.engine.patterns import concat, digits
from sdga.engine.vocab import vocabulary

_U64 = np.uint64

register_vocabulary("company", "company", "Company name from the locale's word lists.", "business", "Acme Ltd")
register_vocabulary("job_title", "job_title", "Job title.", "business", "Data Engineer")


@register("currency_code", "ISO 4217 code of the currency of the row's country (an `enum` picks from a list "
          "instead).", "business", pa.string(), vocab_cap("currency_code"), example="EUR")  # fmt: skip
def gen_currency_code(d: Draw) -> pa.Array:
    if d.unique:
        values = vocabulary(d.ctx.locale, "currency_code")
        return take(values, d.index(len(values)))
    return geo_tables().currency.take(pa.array(d.geo().country))


@register("amount", "Money amount: exact decimal, default 0..10,000 with 2 decimals.", "numeric",
          decimal_type, decimal_cap(AMOUNT_DEFAULT), example="249.99")  # fmt: skip
def gen_amount(d: Draw) -> pa.Array:
    return decimal_values(d, AMOUNT_DEFAULT)


@register("credit_card", "Published issuer test card number (Luhn-valid, never a real account); "
          "format 'spaced' groups digits.", "finance", pa.string(), const_cap(len(safety.TEST_CARD_NUMBERS)),
          example="4111111111111111")  # fmt: skip
def gen_credit_card(d: Draw) -> pa.Array:
    spaced = (d.spec.constraints.format or "").lower() == "spaced"
    nums = [n for _, n in safety.TEST_CARD_NUMBERS]
    if spaced:
        nums = [" ".join(n[i : i + 4] for i in range(0, len(n), 4)) for n in nums]
    return take(pa.array(nums, pa.string()), d.index(len(nums)))


def _mod97_digits(text: str) -> str:
    return "".join(str(int(c, 36)) for c in text)


@register("iban", "IBAN of the locale's country with an unassigned all-zero/TEST bank code and valid check digits.",
          "finance", pa.string(), lambda _f, loc: 10 ** safety.iban_format(loc).account_digits, example="DE80000000005928441328")  # fmt: skip
def gen_iban(d: Draw) -> pa.Array:
    fmt = safety.iban_format(d.ctx.locale)
    acct = d.index(10**fmt.account_digits)
    # mod 97 of the rearranged number: bank code, account digits, suffix, country, "00"
    r = np.full(d.n, int(_mod97_digits(fmt.bank_code)) % 97, dtype=np.int64)
    width = fmt.account_digits
    a = acct.astype(np.uint64)
    for pos in range(width - 1, -1, -1):
        digit = ((a // _U64(10**pos)) % _U64(10)).astype(np.int64)
        r = (r * 10 + digit) % 97
    for ch in _mod97_digits(fmt.suffix + fmt.country) + "00":
        r = (r * 10 + int(ch)) % 97
    check = 98 - r
    return concat([fmt.country, digits(check, 2), fmt.bank_code, digits(acct, width), fmt.suffix], d.n)
