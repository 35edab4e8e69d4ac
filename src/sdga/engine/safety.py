"""Safe ranges: every value of a personal-data type is drawn from a range reserved for tests or fiction.

One module so that reviewers (and compliance checks) can audit the whole list in one place, and so that
the checker functions below can prove generated data never leaves it.

Sources: RFC 2606 / RFC 6761 (reserved domains), RFC 5737 (IPv4 documentation ranges), RFC 3849
(IPv6 documentation prefix), IEEE 802 (locally administered MAC addresses), the North American
Numbering Plan's 555-0100..0199 fictional range, Ofcom's drama numbers (UK), the Bundesnetzagentur's
"Drama Numbers" (Germany), the SSA's never-issued SSN areas 900-999, and card issuers'/payment
processors' published test card numbers.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# --- e-mail, domains, URLs ---------------------------------------------------------------------------
#: Second-level domains reserved by RFC 2606 for documentation.
RESERVED_SECOND_LEVEL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")
#: Top-level domains reserved by RFC 2606 / 6761 that never resolve.
RESERVED_TLDS: tuple[str, ...] = ("test", "example", "invalid")
#: Domains e-mail addresses are built on (all on reserved names).
EMAIL_DOMAINS: tuple[str, ...] = (
    "example.com",
    "example.net",
    "example.org",
    "mail.example.com",
    "corp.example",
    "inbox.test",
)

# --- network -----------------------------------------------------------------------------------------
#: RFC 5737 IPv4 documentation networks (TEST-NET-1/2/3).
IPV4_NETWORKS: tuple[str, ...] = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
#: RFC 3849 IPv6 documentation prefix.
IPV6_NETWORK = "2001:db8::/32"

# --- government identifiers ---------------------------------------------------------------------------
#: SSN areas 900-999 have never been issued as SSNs. The IRS uses them for ITINs, but only with group
#: numbers 50-65, 70-88, 90-92 and 94-99; groups 01-49 are therefore neither an SSN nor an ITIN.
SSN_AREA_MIN = 900
SSN_AREA_MAX = 999
SSN_GROUP_MIN = 1
SSN_GROUP_MAX = 49

# --- payment cards ------------------------------------------------------------------------------------
#: Published issuer / processor test card numbers (all Luhn-valid; none is a real account).
TEST_CARD_NUMBERS: tuple[tuple[str, str], ...] = (
    ("visa", "4111111111111111"),
    ("visa", "4242424242424242"),
    ("visa", "4012888888881881"),
    ("visa", "4000056655665556"),
    ("visa", "4000000000000002"),
    ("visa", "4000000000000077"),
    ("visa", "4000000000003220"),
    ("visa", "4000000000009995"),
    ("mastercard", "5555555555554444"),
    ("mastercard", "5105105105105100"),
    ("mastercard", "5200828282828210"),
    ("mastercard", "2223003122003222"),
    ("mastercard", "2223000048400011"),
    ("amex", "378282246310005"),
    ("amex", "371449635398431"),
    ("amex", "378734493671000"),
    ("discover", "6011111111111117"),
    ("discover", "6011000990139424"),
    ("diners", "3056930009020004"),
    ("diners", "36227206271667"),
    ("jcb", "3566002020360505"),
    ("unionpay", "6200000000000005"),
)

# --- IBAN ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IbanFormat:
    """A country's IBAN layout with a bank code that is not assigned to any bank (all zeros).

    ``national`` names the country's own check inside the BBAN, which national validators verify on top of
    the IBAN's ISO 7064 digits: Spain's two "digitos de control" after bank and branch, France's two-digit
    RIB key after the account, Italy's CIN letter before the bank code.
    """

    country: str
    bank_code: str
    account_digits: int
    suffix: str = ""  # fixed trailing characters (Brazil: account type and holder)
    national: str = ""  # "es", "fr", "it": the national check digits the BBAN carries

    @property
    def bban_length(self) -> int:
        extra = NATIONAL_CHECK_LENGTH.get(self.national, 0)
        return len(self.bank_code) + self.account_digits + len(self.suffix) + extra

    def bban(self, account: str) -> str:
        """The BBAN for an account number of ``account_digits`` digits, national check digits included."""
        if self.national == "es":
            return self.bank_code + es_control_digits(self.bank_code, account) + account + self.suffix
        if self.national == "fr":
            return self.bank_code + account + fr_rib_key(self.bank_code, account) + self.suffix
        if self.national == "it":
            return it_cin(self.bank_code + account) + self.bank_code + account + self.suffix
        return self.bank_code + account + self.suffix

    def matches_bban(self, bban: str) -> bool:
        """True if ``bban`` is this layout with its unassigned bank code and valid national check digits."""
        if len(bban) != self.bban_length or not bban.endswith(self.suffix):
            return False
        head = 1 if self.national == "it" else 0
        if not bban[head:].startswith(self.bank_code):
            return False
        start = head + len(self.bank_code) + (2 if self.national == "es" else 0)
        account = bban[start : start + self.account_digits]
        return account.isdigit() and self.bban(account) == bban


NATIONAL_CHECK_LENGTH = {"es": 2, "fr": 2, "it": 1}
_ES_WEIGHTS = (1, 2, 4, 8, 5, 10, 9, 7, 3, 6)
#: Italy's CIN: the value of a digit in an odd position (1st, 3rd, ...); in even positions a digit is itself.
IT_CIN_ODD = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21)


def es_control_digits(bank_branch: str, account: str) -> str:
    """Spain's two control digits: one over bank and branch, one over the ten-digit account (mod 11)."""

    def digit(text: str) -> str:
        d = 11 - sum(int(c) * w for c, w in zip(text.rjust(10, "0"), _ES_WEIGHTS, strict=True)) % 11
        return str({11: 0, 10: 1}.get(d, d))

    return digit(bank_branch) + digit(account)


def fr_rib_key(bank_branch: str, account: str) -> str:
    """France's RIB key: 97 - (89 * bank + 15 * branch + 3 * account) mod 97 (accounts here are all digits)."""
    bank, branch = int(bank_branch[:5]), int(bank_branch[5:10])
    return f"{97 - (89 * bank + 15 * branch + 3 * int(account)) % 97:02d}"


def it_cin(digits: str) -> str:
    """Italy's CIN letter over ABI, CAB and account (all digits here)."""
    total = sum(IT_CIN_ODD[int(c)] if i % 2 == 0 else int(c) for i, c in enumerate(digits))
    return chr(ord("A") + total % 26)


#: Per locale: the country's IBAN shape with an all-zero (never assigned) bank identifier.
IBAN_FORMATS: dict[str, IbanFormat] = {
    "en_US": IbanFormat("DE", "00000000", 10),  # the US has no IBAN; use a German-shaped one
    "en_GB": IbanFormat("GB", "TEST000000", 8),  # GB: 4-letter bank + 6-digit sort code + 8 digits
    "de_DE": IbanFormat("DE", "00000000", 10),
    "fr_FR": IbanFormat("FR", "0000000000", 11, national="fr"),  # bank 5 + branch 5, account 11, RIB key 2
    "es_ES": IbanFormat("ES", "00000000", 10, national="es"),  # bank 4 + branch 4, control 2, account 10
    "it_IT": IbanFormat("IT", "0000000000", 12, national="it"),  # CIN 1, ABI 5 + CAB 5, account 12
    "nl_NL": IbanFormat("NL", "TEST", 10),
    "pt_BR": IbanFormat("BR", "0000000000000", 10, "C1"),  # BR: bank 8 + branch 5 + account 10 + type + owner
}


def iban_format(locale: str) -> IbanFormat:
    """The locale's IBAN layout; a German one where the locale has none of its own."""
    return IBAN_FORMATS.get(locale, IBAN_FORMATS["de_DE"])


# --- telephone numbers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneRange:
    """Numbers ``<fixed><free digits>`` of one reserved block, with its three printed forms' prefixes."""

    national: str  # printed national prefix, e.g. "(201) 555-01" or "07700 900"
    international: str  # e.g. "+1 201-555-01" or "+44 7700 900"
    e164: str  # e.g. "+120155501" or "+447700900"
    free_digits: int  # how many trailing digits vary


# NANP area codes used with the fictional 555-0100..0199 block (real geographic area codes; the 555-01xx
# exchange block is reserved for fictional use in every one of them).
NANP_AREA_CODES: tuple[str, ...] = (
    "201", "202", "203", "205", "206", "207", "208", "210", "212", "213", "214", "215", "216", "217",
    "218", "219", "224", "225", "228", "229", "231", "234", "239", "240", "248", "251", "252", "253",
    "254", "256", "260", "262", "267", "269", "270", "272", "276", "281", "301", "302", "303", "304",
    "305", "307", "308", "309", "310", "312", "313", "314", "315", "316", "317", "318", "319", "320",
    "321", "323", "325", "330", "331", "334", "336", "337", "339", "347", "351", "352", "360", "361",
    "385", "386", "401", "402", "404", "405", "406", "407", "408", "409", "410", "412", "413", "414",
    "415", "417", "419", "423", "424", "425", "430", "432", "434", "435", "440", "442", "443", "458",
    "469", "470", "475", "478", "479", "480", "484", "501", "502", "503", "504", "505", "507", "508",
    "509", "510", "512", "513", "515", "516", "517", "518", "520", "530", "531", "534", "539", "540",
    "541", "551", "559", "561", "562", "563", "567", "570", "571", "573", "574", "575", "580", "585",
    "586", "601", "602", "603", "605", "606", "607", "608", "609", "610", "612", "614", "615", "616",
    "617", "618", "619", "620", "623", "626", "630", "631", "636", "641", "646", "650", "651", "657",
    "660", "661", "662", "667", "669", "678", "681", "682", "701", "702", "703", "704", "706", "707",
    "708", "712", "713", "714", "715", "716", "717", "718", "719", "720", "724", "725", "727", "731",
    "732", "734", "737", "740", "747", "754", "757", "760", "762", "763", "765", "769", "770", "772",
    "773", "774", "775", "779", "781", "785", "786", "801", "802", "803", "804", "805", "806", "808",
    "810", "812", "813", "814", "815", "816", "817", "818", "828", "830", "831", "832", "843", "845",
    "847", "848", "850", "856", "857", "858", "859", "860", "862", "863", "864", "865", "870", "872",
    "878", "901", "903", "904", "906", "907", "908", "909", "910", "912", "913", "914", "915", "916",
    "917", "918", "919", "920", "925", "928", "929", "931", "936", "937", "938", "940", "941", "947",
    "949", "951", "952", "954", "956", "959", "970", "971", "972", "973", "978", "979", "980", "984",
    "985", "989",
)  # fmt: skip


def _nanp_ranges() -> tuple[PhoneRange, ...]:
    return tuple(PhoneRange(f"({a}) 555-01", f"+1 {a}-555-01", f"+1{a}55501", 2) for a in NANP_AREA_CODES)


def _uk_ranges() -> tuple[PhoneRange, ...]:
    # Ofcom's numbers reserved for TV and radio drama.
    mobile = (PhoneRange("07700 900", "+44 7700 900", "+447700900", 3),)
    geo = (
        ("020 7946 0", "+44 20 7946 0", "+442079460"),  # London
        ("0113 496 0", "+44 113 496 0", "+441134960"),  # Leeds
        ("0114 496 0", "+44 114 496 0", "+441144960"),  # Sheffield
        ("0115 496 0", "+44 115 496 0", "+441154960"),  # Nottingham
        ("0116 496 0", "+44 116 496 0", "+441164960"),  # Leicester
        ("0117 496 0", "+44 117 496 0", "+441174960"),  # Bristol
        ("0118 496 0", "+44 118 496 0", "+441184960"),  # Reading
        ("0121 496 0", "+44 121 496 0", "+441214960"),  # Birmingham
        ("0131 496 0", "+44 131 496 0", "+441314960"),  # Edinburgh
        ("0141 496 0", "+44 141 496 0", "+441414960"),  # Glasgow
        ("0151 496 0", "+44 151 496 0", "+441514960"),  # Liverpool
        ("0161 496 0", "+44 161 496 0", "+441614960"),  # Manchester
        ("028 9649 6", "+44 28 9649 6", "+442896496"),  # Belfast
        ("029 2018 0", "+44 29 2018 0", "+442920180"),  # Cardiff
    )
    return mobile + tuple(PhoneRange(n, i, e, 3) for n, i, e in geo)


def _de_ranges() -> tuple[PhoneRange, ...]:
    # Bundesnetzagentur "Drama Numbers" (Amtsblatt 7/2021, Mitteilung 148/2021): 1000 numbers per city.
    cities: tuple[tuple[str, str, str], ...] = (
        ("030", "30", "23125"),
        ("069", "69", "90009"),
        ("040", "40", "66969"),
        ("0221", "221", "4710"),
        ("089", "89", "99998"),
    )
    return tuple(PhoneRange(f"{t} {s}", f"+49 {a} {s}", f"+49{a}{s}", 3) for t, a, s in cities)


#: Canadian area codes: the NANP 555-0100..0199 block is reserved for fiction in every NANP area code.
CANADA_AREA_CODES: tuple[str, ...] = (
    "204", "226", "236", "249", "250", "289", "306", "343", "365", "403", "416", "418", "431", "437", "438",
    "450", "506", "514", "519", "548", "579", "581", "587", "604", "613", "639", "647", "672", "705", "709",
    "778", "780", "782", "807", "819", "825", "867", "873", "902", "905",
)  # fmt: skip


def _au_ranges() -> tuple[PhoneRange, ...]:
    # ACMA's numbers for use in radio, film and television: (0X) 5550 xxxx and (0X) 7010 xxxx, X = 2, 3, 7, 8.
    return tuple(PhoneRange(f"(0{a}) {b} ", f"+61 {a} {b} ", f"+61{a}{b}", 4) for a in "2378" for b in ("5550", "7010"))


#: Reserved fictional telephone ranges per country (ISO 3166-1 code).
COUNTRY_PHONE_RANGES: dict[str, tuple[PhoneRange, ...]] = {
    "US": _nanp_ranges(),
    "CA": tuple(PhoneRange(f"({a}) 555-01", f"+1 {a}-555-01", f"+1{a}55501", 2) for a in CANADA_AREA_CODES),
    "GB": _uk_ranges(),
    "DE": _de_ranges(),
    "AU": _au_ranges(),
}
#: Countries without a published fiction range get the NANP fictional block in international form: a
#: number that can never ring anyone, though not one of the row's country (documented in docs/engine.md).
FALLBACK_PHONE_RANGES: tuple[PhoneRange, ...] = tuple(
    PhoneRange(r.international, r.international, r.e164, r.free_digits) for r in _nanp_ranges()
)
#: The same, per locale (the locale's country).
PHONE_RANGES: dict[str, tuple[PhoneRange, ...]] = {
    "en_US": COUNTRY_PHONE_RANGES["US"],
    "en_GB": COUNTRY_PHONE_RANGES["GB"],
    "de_DE": COUNTRY_PHONE_RANGES["DE"],
}


def phone_ranges(locale: str) -> tuple[PhoneRange, ...]:
    return PHONE_RANGES.get(locale, FALLBACK_PHONE_RANGES)


def country_phone_ranges(country: str) -> tuple[PhoneRange, ...]:
    """The reserved ranges of a country (ISO 3166-1 alpha-2), else the fallback block."""
    return COUNTRY_PHONE_RANGES.get(country.upper(), FALLBACK_PHONE_RANGES)


# --- checkers (used by tests and by output validation) -------------------------------------------------
_V4 = tuple(ipaddress.ip_network(n) for n in IPV4_NETWORKS)
_V6 = ipaddress.ip_network(IPV6_NETWORK)
_SSN = re.compile(r"^(9\d\d)-(\d\d)-(\d{4})$")


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_safe_email(value: str) -> bool:
    """True if the address is on a reserved domain (example.com/.net/.org, or a reserved TLD)."""
    _, sep, domain = value.rpartition("@")
    return bool(sep) and is_safe_domain(domain)


def is_safe_domain(domain: str) -> bool:
    d = domain.lower().rstrip(".")
    if any(d == s or d.endswith("." + s) for s in RESERVED_SECOND_LEVEL_DOMAINS):
        return True
    return d.rsplit(".", 1)[-1] in RESERVED_TLDS


def is_safe_ip(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    if ip.version == 4:
        return any(ip in n for n in _V4)
    return ip in _V6


def is_safe_ssn(value: str) -> bool:
    m = _SSN.match(value)
    return m is not None and SSN_GROUP_MIN <= int(m.group(2)) <= SSN_GROUP_MAX and m.group(3) != "0000"


def is_safe_card(value: str) -> bool:
    digits = "".join(c for c in value if c.isdigit())
    return any(digits == n for _, n in TEST_CARD_NUMBERS)


def is_locally_administered_mac(value: str) -> bool:
    try:
        first = int(value.replace("-", ":").split(":")[0], 16)
    except ValueError:
        return False
    return bool(first & 0b10) and not first & 0b01


def is_safe_phone(value: str, locale: str | None = "en_US") -> bool:
    """True if the number lies in one of the reserved ranges of ``locale`` (any printed form); with
    ``locale`` None, in any reserved range of any country."""
    digits = "".join(c for c in value if c.isdigit())
    ranges = phone_ranges(locale) if locale is not None else _ALL_RANGES
    for r in ranges:
        for prefix in (r.national, r.international, r.e164):
            p = "".join(c for c in prefix if c.isdigit())
            if digits.startswith(p) and len(digits) == len(p) + r.free_digits:
                return True
    return False


def is_safe_iban(value: str) -> bool:
    """True if the IBAN has valid check digits, national ones included, and an unassigned bank code."""
    s = value.replace(" ", "").upper()
    return iban_valid(s) and any(s[:2] == f.country and f.matches_bban(s[4:]) for f in IBAN_FORMATS.values())


_ALL_RANGES: tuple[PhoneRange, ...] = tuple(
    r for ranges in (*COUNTRY_PHONE_RANGES.values(), FALLBACK_PHONE_RANGES) for r in ranges
)
_SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_CARD_SHAPE = re.compile(r"^[2-6]\d{3}([ -]?\d{4}){2}[ -]?\d{1,7}$")
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_IPV4_SHAPE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# printed NANP numbers: "(212) 555-1234", "212-555-1234", "+1 212 555 1234", "+12125551234" (bare 10-digit
# strings are too common as other identifiers to be called phone numbers)
_NANP_SHAPE = re.compile(
    r"^(?:(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])(\d{3})[ .-](\d{4})|\+1(?:\d{3})(\d{3})(\d{4}))$"
)


def real_identifier_kind(value: str) -> str | None:
    """The kind of real-world identifier ``value`` could be (outside the reserved ranges), else None.

    Shape-based: it tells whether a free-form value (from a ``pattern``, an ``enum``, ...) has the exact
    printed form of an SSN, a Luhn-valid card number, an e-mail, an IPv4 address or a NANP phone number and
    is not one of the reserved values above. Planning uses it on samples of ``pattern`` fields.
    """
    v = value.strip()
    if _SSN_SHAPE.match(v):
        area = int(v[:3])
        return None if is_safe_ssn(v) or area in (0, 666) or v[4:6] == "00" or v[7:] == "0000" else "ssn"
    if _CARD_SHAPE.match(v):
        return "credit_card" if luhn_valid(v) and not is_safe_card(v) else None
    if _EMAIL_SHAPE.match(v):
        return None if is_safe_email(v) else "email"
    if _IPV4_SHAPE.match(v):
        try:
            ip = ipaddress.ip_address(v)
        except ValueError:
            return None
        return None if is_safe_ip(v) or not ip.is_global else "ipv4"
    m = _NANP_SHAPE.match(v)
    if m:
        exchange, line = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return None if exchange == "555" and line.startswith("01") else "phone"
    return None


def iban_valid(value: str) -> bool:
    s = value.replace(" ", "").upper()
    if len(s) < 15 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in moved)
    return int(num) % 97 == 1


# --- the Faker escape hatch -------------------------------------------------------------------------------
#: ``faker:<method>`` types whose Faker output could be a real identifier (Faker's emails use real free-mail
#: domains, its IPs are public addresses, its card numbers are random Luhn-valid PANs, ...). Planning replaces
#: them with the built-in generator named here, which draws only from the reserved ranges above, and says so
#: in the plan's warnings.
FAKER_SAFE_EQUIVALENTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "email",
            "free_email",
            "company_email",
            "safe_email",
            "ascii_email",
            "ascii_free_email",
            "ascii_company_email",
            "ascii_safe_email",
        ),
        "email",
    ),
    **dict.fromkeys(("phone_number", "msisdn", "cellphone_number", "basic_phone_number"), "phone"),
    **dict.fromkeys(("ssn", "itin"), "ssn"),
    **dict.fromkeys(("credit_card_number", "credit_card_full"), "credit_card"),
    **dict.fromkeys(("iban", "bban"), "iban"),
    **dict.fromkeys(("ipv4", "ipv4_public", "ipv4_private", "ipv4_network_class"), "ipv4"),
    "ipv6": "ipv6",
    "mac_address": "mac_address",
    **dict.fromkeys(("url", "uri"), "url"),
    **dict.fromkeys(("domain_name", "hostname", "free_email_domain", "safe_domain_name"), "domain"),
}

#: ``faker:<method>`` types that emit government, tax, bank or travel-document identifiers for which no
#: range is reserved for tests: a value can be a real person's or company's number. They run as asked (there
#: is no safe equivalent of the same shape) but planning warns about each one. Vehicle plates and VINs are
#: not listed: they identify a vehicle, not a person, without a registry lookup.
FAKER_UNRESERVED_IDENTIFIERS: frozenset[str] = frozenset(
    {
        "passport_number", "passport_full",  # travel documents
        "cpf", "rg", "cin", "nif", "nie", "nuss", "kvnr", "rvnr", "cie",  # national person / insurance ids
        "ein", "vat_id", "company_vat", "siren", "siret", "cnpj", "cif", "company_id", "rcs_number",  # tax ids
        "aba", "swift", "swift8", "swift11",  # bank routing numbers and BICs of real banks
    }
)  # fmt: skip


# --- identifiers that card scanners would flag ---------------------------------------------------------------
CARD_LENGTHS = range(13, 20)


def card_number_mask(values: pa.Array) -> np.ndarray:
    """Which values a card scanner would flag: 13 to 19 digits (spaces and dashes between them ignored),
    Luhn-valid. Vectorised: the Luhn sum is taken over a digit matrix per length, never per row in Python."""
    n = len(values)
    flagged = np.zeros(n, dtype=bool)
    if n == 0:
        return flagged
    text = pc.fill_null(pc.cast(values, pa.string()), "")
    bare = pc.replace_substring_regex(text, r"[ -]", "")
    lengths = pc.utf8_length(bare).to_numpy(zero_copy_only=False)
    digits_only = pc.fill_null(pc.ascii_is_decimal(bare), False).to_numpy(zero_copy_only=False)
    candidates = digits_only & (lengths >= CARD_LENGTHS.start) & (lengths < CARD_LENGTHS.stop)
    for length in np.unique(lengths[candidates]):
        rows = np.flatnonzero(candidates & (lengths == length))
        raw = pc.take(bare, pa.array(rows)).to_pylist()
        matrix = np.frombuffer("".join(raw).encode("ascii"), dtype=np.uint8).reshape(len(rows), int(length)) - 48
        doubled = matrix[:, ::-1].astype(np.int64)
        doubled[:, 1::2] *= 2
        doubled[doubled > 9] -= 9
        flagged[rows] = doubled.sum(axis=1) % 10 == 0
    return flagged
