"""Text helpers shared by the planning stages: words and their stems, spans a stage has read, and fuzzy
matching (a misspelt word to the word it most likely means).

A request is read by several stages in turn; each one *consumes* the characters it used, so a later one
(the count reader in particular) never re-reads "18 to 65" or "10%" as a number of rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

WORD_RE = re.compile(r"[a-z][a-z0-9_'’]*(?:-[a-z0-9_]+)*", re.IGNORECASE)
NUMBER_RE = r"-?\d+(?:\.\d+)?"

_KEEP = frozenset({"status", "bus", "gas", "series", "news", "species", "analysis", "this", "its", "his", "yes",
                   "plus", "less", "class", "address", "business", "process", "access", "always", "sms", "ms",
                   "cdrs", "kids", "ios", "os", "vs", "alias", "canvas", "campus", "census", "corpus", "iris",
                   "basis", "axis", "thesis", "chassis", "diagnosis", "gps", "aws", "dns", "kudos", "pros",
                   "cons", "atlas", "bonus", "virus", "focus", "radius", "consensus", "surplus", "lens"})  # fmt: skip
_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman", "mice": "mouse",
              "geese": "goose", "feet": "foot", "teeth": "tooth", "indices": "index", "matrices": "matrix",
              "analyses": "analysis", "diagnoses": "diagnosis", "criteria": "criterion", "data": "data",
              "media": "media", "staff": "staff", "cdrs": "cdr", "sms": "sms", "lives": "life", "wives": "wife",
              "leaves": "leave", "knives": "knife", "halves": "half", "shelves": "shelf", "series": "series",
              "species": "species", "statuses": "status", "addresses": "address", "businesses": "business",
              "classes": "class", "processes": "process", "buses": "bus", "gases": "gas", "taxes": "tax",
              "boxes": "box", "matches": "match", "batches": "batch", "branches": "branch", "searches": "search",
              "dispatches": "dispatch", "watches": "watch", "purchases": "purchase", "courses": "course",
              "houses": "house", "licenses": "license", "expenses": "expense", "responses": "response",
              "phases": "phase", "cases": "case", "databases": "database", "releases": "release",
              "invoices": "invoice", "services": "service", "devices": "device", "prices": "price",
              "sources": "source", "resources": "resource", "pages": "page", "messages": "message",
              "packages": "package", "images": "image", "languages": "language", "stages": "stage",
              "wages": "wage", "mileages": "mileage", "changes": "change", "charges": "charge",
              "exchanges": "exchange", "ranges": "range", "edges": "edge", "badges": "badge",
              "judges": "judge", "bridges": "bridge", "policies": "policy", "movies": "movie",
              "cookies": "cookie", "series'": "series"}  # fmt: skip


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English singular: "shipments" -> "shipment", "policies" -> "policy", "addresses" -> "address"."""
    w = word.lower().strip("'’")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w in _KEEP or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("sses", "shes", "ches", "xes", "zzes"):
        if w.endswith(suffix):
            return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is", "ys'")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case words of a text, underscores read as spaces ("order_items" -> ["order", "items"])."""
    return list(_words(text))


@lru_cache(maxsize=16384)
def _words(text: str) -> tuple[str, ...]:
    return tuple(m.group(0).lower().strip("'’") for m in WORD_RE.finditer(text.replace("_", " ")))


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def snake(phrase: str) -> str:
    """A phrase as a snake_case name ("Signup Date" -> "signup_date")."""
    ws = re.findall(r"[a-z0-9]+", phrase.lower())
    return "_".join(w for w in ws if w not in {"a", "an", "the", "new"}) or "field"


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    kind: str  # word | number | punct

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def stem(self) -> str:
        return stem(self.text) if self.kind == "word" else self.text


_TOKEN_RE = re.compile(
    r"(?P<number>(?<![\d.])-?\d+(?:\.\d+)?%?)|(?P<word>[A-Za-z][A-Za-z0-9_'’]*(?:-[A-Za-z0-9_]+)*)|(?P<punct>[^\sA-Za-z0-9])"
)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "punct"
        out.append(Token(m.group(0), m.start(), m.end(), kind))
    return out


class Text:
    """The request being read, with the character spans already consumed by a stage."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = text.lower()
        self.used = [False] * len(text)

    def free(self, start: int, end: int) -> bool:
        return not any(self.used[start:end])

    def consume(self, start: int, end: int) -> None:
        for i in range(max(0, start), min(end, len(self.used))):
            self.used[i] = True

    def masked(self) -> str:
        """The text with consumed characters replaced by a mark that no word, space or digit matches."""
        return "".join("\x1f" if u else c for c, u in zip(self.text, self.used, strict=True))

    def finditer(self, pattern: str | re.Pattern[str], flags: int = re.IGNORECASE) -> list[re.Match[str]]:
        """Matches of ``pattern`` in the unconsumed text (a match never runs into a consumed word)."""
        rx = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
        return [m for m in rx.finditer(self.masked()) if self.free(m.start(), m.end())]

    def remaining(self) -> str:
        """The text with consumed characters blanked (positions are kept)."""
        return "".join(" " if u else c for c, u in zip(self.text, self.used, strict=True))


# ----------------------------------------------------------------------------------------------------
# Fuzzy matching: Damerau-Levenshtein (optimal string alignment) with an early exit, and an index of
# single deletions so a misspelt word finds its candidates without a scan of the vocabulary.
# ----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def distance(a: str, b: str, limit: int = 2) -> int:
    """Edit distance with transpositions; anything above ``limit`` is reported as ``limit + 1``."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[len(b)], limit + 1)


class FuzzyIndex:
    """Closest vocabulary word to a misspelling: distance 1 for words of 5+ letters, 2 for 9+.

    Candidates are taken from the words of similar length only, so a lookup costs a few hundred
    bounded distance computations and nothing has to be built up front.
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.words = frozenset(w for w in vocabulary if w.isalpha() and len(w) >= 4)
        self._by_len: dict[int, list[str]] = {}
        for w in sorted(self.words):
            self._by_len.setdefault(len(w), []).append(w)

    def correct(self, word: str) -> str | None:
        """The one vocabulary word the misspelling most likely means, or None (unknown or ambiguous)."""
        w = word.lower()
        if w in self.words or len(w) < 5 or not w.isalpha():
            return None
        limit = 2 if len(w) >= 9 else 1
        scored: list[tuple[int, str]] = []
        for n in range(len(w) - limit, len(w) + limit + 1):
            for c in self._by_len.get(n, ()):
                d = distance(w, c, limit)
                if d <= limit:
                    scored.append((d, c))
        if not scored:
            return None
        low = min(d for d, _ in scored)
        best = [c for d, c in scored if d == low]
        # Same first letter breaks ties ("shipmnts" -> shipments, not a word that differs up front).
        if len(best) > 1:
            same = [c for c in best if c[0] == w[0]]
            best = same if len(same) == 1 else best
        return best[0] if len(best) == 1 else None
