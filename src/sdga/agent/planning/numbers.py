"""Numbers as people type them: "5,000", "10k", "2.5 million", "five thousand", "a dozen", "1e6", "10^6",
"2^20", "a trillion", "5 mil", "fifteen hundred", "a quarter million".

:func:`normalize_numbers` rewrites every such phrase in a text into plain digits so the planner's patterns
only ever see ``5000``; :func:`parse_number` reads one phrase. A minus sign in front of a count stays
("-50 users"), so the planner can say that a negative count is an error instead of ignoring it.
"""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}
_SUFFIX = {
    "k": 1_000, "m": 1_000_000, "mm": 1_000_000, "mil": 1_000_000, "mio": 1_000_000, "mln": 1_000_000,
    "b": 1_000_000_000, "bn": 1_000_000_000, "t": 1_000_000_000_000, "tn": 1_000_000_000_000,
}  # fmt: skip
_SPECIAL = {"dozen": 12, "hundred": 100, **_SCALES}

_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", *_SCALES, "dozen"], key=len, reverse=True))
# A run of number words: "two hundred and fifty thousand", "twenty-five", "a million", "half a million",
# "a quarter of a million", "three quarters of a million".
_WORDS_RE = re.compile(
    rf"\b(?:(?:a|an|one)\s+)?(?:(?:half|a\s+quarter|quarter|three\s+quarters)(?:\s+of)?(?:\s+an?)?\s+)?(?:{_WORD})"
    rf"(?:(?:\s+and\s+|[\s-]+)(?:{_WORD}))*\b",
    re.IGNORECASE,
)
# Digits with separators / decimals / scale word or suffix: "5,000", "5 000", "1.000.000", "2.5 million",
# "10k", "1.2M", "1e6".
_DIGITS_RE = re.compile(
    r"(?<![\w.^*])(\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?![\d.,]\d)|\d{1,3}(?:\.\d{3}){2,}(?![\d,]\d)|\d+(?:\.\d+)?(?:e\d+)?)"
    r"(?:\s*(k|mm|mil|mio|mln|m|bn|b|tn|t)\b|\s+(thousand|million|billion|trillion|hundred|dozen)\b)?",
    re.IGNORECASE,
)
# Powers: "10^6", "2^20", "10**6".
_POWER_RE = re.compile(r"(?<![\w.])(\d{1,3})\s*(?:\^|\*\*)\s*(\d{1,2})\b")
_VAGUE = {"a few": 3, "few": 3, "a couple of": 2, "a couple": 2, "couple of": 2, "several": 5, "some": 3}
_VAGUE_RE = re.compile(
    r"\b(a few|few|a couple(?: of)?|couple of|several|some)\s+(hundred|thousand|million)\b", re.IGNORECASE
)
# Approximation marks before a number: "~600", "≈ 2k", "approx. 500".
_APPROX_RE = re.compile(r"(?:~|≈|\bca\.|\bapprox\.)\s*(?=\d)", re.IGNORECASE)


def _vague_key(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def _fraction(words: list[str]) -> tuple[float, list[str]]:
    """A leading "half a", "a quarter of a", "three quarters of a" and the words after it."""
    for prefix, value in ((["three", "quarters"], 0.75), (["a", "quarter"], 0.25), (["quarter"], 0.25),
                          (["half"], 0.5)):  # fmt: skip
        if words[: len(prefix)] == prefix:
            rest = words[len(prefix) :]
            if rest[:1] == ["of"]:
                rest = rest[1:]
            if rest[:1] in (["a"], ["an"]):
                rest = rest[1:]
            return value, rest
    return 1.0, words


def _words_value(phrase: str) -> int | None:
    words = [w for w in re.split(r"[\s-]+", phrase.lower()) if w and w != "and"]
    if not words:
        return None
    fraction, words = _fraction(words)
    if words and words[0] in {"a", "an"}:
        words = ["one", *words[1:]]
    if not words:
        return None
    if words == ["one"]:
        return 1 if fraction == 1.0 else None
    total, current, seen = 0, 0, False
    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "dozen":
            current = (current or 1) * 12
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _SCALES:
            total += (current or 1) * _SCALES[w]
            current = 0
        else:
            return None
        seen = True
    if not seen:
        return None
    return round((total + current) * fraction)


def parse_number(text: str) -> int | float | None:
    """One number phrase to a value (int when whole); None when it is not a number."""
    t = text.strip()
    m = _POWER_RE.fullmatch(t)
    if m:
        return int(m.group(1)) ** int(m.group(2))
    m = _DIGITS_RE.fullmatch(t)
    if m:
        raw = m.group(1)
        if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", raw):
            raw = raw.replace(".", "")
        base = float(re.sub(r"[,\u202f\u00a0 ]", "", raw))
        scale = _SUFFIX.get((m.group(2) or "").lower()) or _SPECIAL.get((m.group(3) or "").lower(), 1)
        value = base * scale
        return round(value) if abs(value - round(value)) < 1e-9 else value
    if _WORDS_RE.fullmatch(t):
        return _words_value(t)
    return None


def normalize_numbers(text: str) -> str:
    """Rewrite number phrases into digits ("five thousand" -> "5000", "2.5 million" -> "2500000").

    Percentages and decimals without a scale ("12.5%", "0.3") keep their decimal point; only separators,
    powers and scales are resolved. Lone "a"/"one" are left as words (they are rarely quantities).
    """

    def words(m: re.Match[str]) -> str:
        phrase = m.group(0)
        if phrase.lower() in {"a", "an", "one"}:
            return phrase
        value = _words_value(phrase)
        return str(value) if value is not None else phrase

    def digits(m: re.Match[str]) -> str:
        raw, suffix, scale = m.group(1), m.group(2), m.group(3)
        separated = re.fullmatch(r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+|\d{1,3}(?:\.\d{3}){2,}", raw) is not None
        if not suffix and not scale and not separated and "e" not in raw.lower():
            return m.group(0)
        # "5 m" after a number is more often metres than millions; "5m", "1.5M" are millions.
        if suffix and suffix in {"m", "b", "t"} and "." not in raw and re.search(r"\s", m.group(0)):
            return m.group(0)
        value = parse_number(m.group(0))
        return str(value) if value is not None else m.group(0)

    out = _APPROX_RE.sub("", text)
    out = _POWER_RE.sub(lambda m: str(int(m.group(1)) ** int(m.group(2))), out)
    # Vague amounts as the middle of what people mean by them: "a few hundred" -> 300.
    out = _VAGUE_RE.sub(lambda m: str(_VAGUE[_vague_key(m.group(1))] * _SPECIAL[m.group(2).lower()]), out)
    # Digits first, so "2.5 million" is read as one phrase before "million" alone becomes a number.
    out = _DIGITS_RE.sub(digits, out)
    return _WORDS_RE.sub(words, out)
