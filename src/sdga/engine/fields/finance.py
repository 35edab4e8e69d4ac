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
from sdga.engine.patterns import ascii_fixed
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


def _digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """The decimal digits of each value, most significant first, as an (n, width) int64 matrix."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.uint64)
    return ((values.astype(np.uint64)[:, None] // powers) % _U64(10)).astype(np.int64)


def _const(text: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode("ascii"), dtype=np.uint8), (n, len(text)))


def _bban_matrix(fmt: safety.IbanFormat, acct: np.ndarray) -> np.ndarray:
    """The BBANs of the account numbers as an (n, length) ASCII matrix, national check digits included."""
    n = len(acct)
    digits = _digit_matrix(acct, fmt.account_digits)
    account = (digits + ord("0")).astype(np.uint8)
    parts: list[np.ndarray] = []
    if fmt.national == "es":
        first = safety.es_control_digits(fmt.bank_code, "0" * 10)[0]  # over bank and branch: the same in every row
        weights = np.asarray(safety._ES_WEIGHTS[-fmt.account_digits :], dtype=np.int64)
        d = 11 - (digits @ weights) % 11
        second = np.where(d == 11, 0, np.where(d == 10, 1, d))
        parts = [_const(fmt.bank_code + first, n), (second + ord("0")).astype(np.uint8)[:, None], account]
    elif fmt.national == "fr":
        key = int(fmt.bank_code[:5]) * 89 + int(fmt.bank_code[5:10]) * 15
        rib = 97 - (key + 3 * (acct.astype(np.int64) % 97)) % 97
        parts = [
            _const(fmt.bank_code, n),
            account,
            (_digit_matrix(rib.astype(np.uint64), 2) + ord("0")).astype(np.uint8),
        ]
    elif fmt.national == "it":
        odd = np.asarray(safety.IT_CIN_ODD, dtype=np.int64)
        bank = [int(c) for c in fmt.bank_code]
        total = sum(odd[c] if i % 2 == 0 else c for i, c in enumerate(bank))
        pos = len(bank) + np.arange(fmt.account_digits)
        total = total + np.where(pos % 2 == 0, odd[digits], digits).sum(axis=1)
        cin = (total % 26 + ord("A")).astype(np.uint8)[:, None]
        parts = [cin, _const(fmt.bank_code, n), account]
    else:
        parts = [_const(fmt.bank_code, n), account]
    if fmt.suffix:
        parts.append(_const(fmt.suffix, n))
    return np.hstack(parts)


@register("iban", "IBAN of the locale's country with an unassigned all-zero/TEST bank code, valid check digits "
          "and the country's own BBAN check digits (Spain's control digits, France's RIB key, Italy's CIN).",
          "finance", pa.string(), lambda _f, loc: 10 ** safety.iban_format(loc).account_digits, example="DE80000000005928441328")  # fmt: skip
def gen_iban(d: Draw) -> pa.Array:
    fmt = safety.iban_format(d.ctx.locale)
    bban = _bban_matrix(fmt, d.index(10**fmt.account_digits))
    # ISO 7064 mod 97-10 over BBAN, country, "00": a digit counts as one decimal digit, a letter as two (A=10)
    tail = np.frombuffer((fmt.country + "00").encode("ascii"), dtype=np.uint8)
    r = np.zeros(d.n, dtype=np.int64)
    for col in [*bban.T, *(np.full(d.n, c, dtype=np.uint8) for c in tail)]:
        v = col.astype(np.int64)
        letter = v >= ord("A")
        v = np.where(letter, v - ord("A") + 10, v - ord("0"))
        r = np.where(letter, r * 100 + v, r * 10 + v) % 97
    check = (_digit_matrix((98 - r).astype(np.uint64), 2) + ord("0")).astype(np.uint8)
    return ascii_fixed(np.hstack([_const(fmt.country, d.n), check, bban]))


#: ISINs are drawn under "ZZ": a code ISO 3166 leaves to private use, never a country's and never given out
#: by a numbering agency, so a generated ISIN cannot name a real security (whatever its check digit).
ISIN_PREFIX = "ZZ"
_ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_NSIN_LEN = 9


def isin_check_digits(codes: np.ndarray) -> np.ndarray:
    """The ISIN check digit of each row of an (n, 11) ASCII matrix: letters become two digits (A=10), then Luhn."""
    n = codes.shape[0]
    total = np.zeros(n, dtype=np.int64)
    double = np.ones(n, dtype=bool)  # the rightmost digit of the payload is doubled
    for col in codes[:, ::-1].T:
        v = col.astype(np.int64)
        letter = v >= ord("A")
        v = np.where(letter, v - ord("A") + 10, v - ord("0"))
        for digit, present in ((v % 10, np.ones(n, dtype=bool)), (v // 10, letter)):  # right digit, then left
            d2 = np.where(double, digit * 2, digit)
            total += np.where(present, np.where(d2 > 9, d2 - 9, d2), 0)
            double = np.where(present, ~double, double)
    return (10 - total % 10) % 10


@register("isin", "ISIN with a valid check digit under the private-use prefix ZZ, so never a real security.",
          "finance", pa.string(), const_cap(36**_NSIN_LEN), example="ZZ0A1B2C3D44")  # fmt: skip
def gen_isin(d: Draw) -> pa.Array:
    idx = d.index(36**_NSIN_LEN)
    codes = np.empty((d.n, 2 + _NSIN_LEN), dtype=np.uint8)
    codes[:, :2] = np.frombuffer(ISIN_PREFIX.encode("ascii"), dtype=np.uint8)
    rest = idx.astype(np.uint64)
    for i in range(_NSIN_LEN - 1, -1, -1):
        codes[:, 2 + i] = _ALNUM[(rest % _U64(36)).astype(np.intp)]
        rest = rest // _U64(36)
    check = (isin_check_digits(codes) + ord("0")).astype(np.uint8)[:, None]
    return ascii_fixed(np.hstack([codes, check]))
