"""Stage 1, normalise: one clean line of text the other stages can read.

Pasted bullet lists become clauses, typographic characters plain ones, numbers digits ("two hundred
and fifty" -> 250, "1.5M" -> 1500000, "2^20" -> 1048576) and misspelt domain words the words they most
likely are ("shipmnts" -> shipments, "parqet" -> parquet), each correction said in the plan.
"""

from __future__ import annotations

import re
import unicodedata

from sdga.agent.planning.model import EXAMPLES, PlanningError
from sdga.agent.planning.numbers import normalize_numbers
from sdga.agent.planning.state import PlanState
from sdga.agent.planning.text import WORD_RE, Text, stem

_BULLET = re.compile(r"^\s*(?:[-*•·▪‣◦–—>]+|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+", re.IGNORECASE)
_TYPO = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "´": "'", "`": "'", "×": "x", "…": "...",
                       "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " "})  # fmt: skip


def clean(prompt: str) -> str:
    """Bullets and lines to clauses, typographic characters to plain ones, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", prompt or "").translate(_TYPO)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 or (lines and _BULLET.match(lines[0])):
        parts = []
        for ln in lines:
            item = _BULLET.sub("", ln).strip().rstrip(";,")
            if item:
                parts.append(item)
        text = "; ".join(parts)
    text = re.sub(r"(?<=\d)\s*[–—]\s*(?=\d)", "-", text)  # "18–65" -> "18-65"
    return " ".join(text.split())


def run(state: PlanState) -> None:
    text = clean(state.prompt)
    if not text:
        raise PlanningError("the request is empty: describe the data you need", details={"examples": EXAMPLES})
    text = normalize_numbers(text)
    state.raw_text = text
    text = _correct(state, text)
    state.text = Text(text)


def _correct(state: PlanState, text: str) -> str:
    """Misspelt words to the vocabulary word they most likely are (only unknown words of 5+ letters)."""
    known = state.ctx.known_words
    fuzzy = None
    out: list[str] = []
    pos = 0
    for m in WORD_RE.finditer(text):
        word = m.group(0)
        low = word.lower()
        if len(low) < 5 or not low.isalpha() or stem(low) in known or low in known:
            continue
        if low.endswith(("ed", "ing", "ly", "ful", "ous", "ive", "able", "ible", "ism", "ist")):
            continue  # an inflected English word ("published", "sending") is rarely a misspelt table name
        if word[:1].isupper() and m.start() > 0 and text[max(0, m.start() - 2) : m.start()] not in ("; ", ". "):
            continue  # a proper name in the middle of a sentence ("flights out of Frankfurt")
        fuzzy = fuzzy or state.ctx.fuzzy
        fixed = fuzzy.correct(low)
        if fixed is None or stem(fixed) == stem(low):
            continue
        out.append(text[pos : m.start()])
        out.append(fixed)
        pos = m.end()
        state.corrections[low] = fixed
    if not state.corrections:
        return text
    out.append(text[pos:])
    fixes = ", ".join(f"'{a}' as '{b}'" for a, b in state.corrections.items())
    state.understood.append(f"read {fixes}")
    return "".join(out)
