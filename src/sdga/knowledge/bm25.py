"""Lexical retrieval: BM25+ over a small corpus, in plain Python.

Why BM25+ and not plain Okapi: with Okapi's IDF a term that occurs in half of the documents gets weight 0
(or negative), so on a small knowledge base a query word shared by two of four documents stops counting.
BM25+ uses a strictly positive IDF, ``log((N + 1) / df)``, and adds ``delta`` for every matching term so a
match in a long document still beats no match at all (Lv & Zhai, 2011).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

# Words that carry no topic: they would only add noise to the scores.
STOPWORDS: frozenset[str] = frozenset(
    """a an and are as at be by for from has have i in into is it its me my of on or our please so some that the
    their them then there these this those to us was we were what with without you your can could would should
    will shall may might do does did done just also want need needs like give get make made let lets use using
    via each per all any only very much many more most other than too up out about over under""".split()  # noqa: SIM905
)

_TOKEN = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")


def _stem(token: str) -> str:
    """A deliberately light English stemmer: plurals and a few verb endings (enough for matching)."""
    if len(token) <= 3 or token.isdigit():
        return token
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if token.endswith(suffix):
            return token[: -len(suffix)] + repl
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-case word tokens; snake_case and hyphenated words also yield their parts."""
    out: list[str] = []
    for raw in _TOKEN.findall(text.lower().replace("_", " ")):
        parts = [raw, *re.split(r"[.-]", raw)] if ("-" in raw or "." in raw) else [raw]
        for part in parts:
            if not part or (not keep_stopwords and part in STOPWORDS):
                continue
            out.append(_stem(part))
    return out


class BM25Index:
    """An immutable BM25+ index: build once from token lists, query many times.

    Postings are stored per term (document indices, term frequencies), so a query touches only the
    documents that contain its terms. The corpus is small (the shipped documents plus remembered runs),
    so plain Python is fast and the planner needs no NumPy import (which would cost more than a query).
    """

    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        *,
        k1: float = 1.2,
        b: float = 0.75,
        delta: float = 0.5,
        statistics_from: int | None = None,
    ):
        """``statistics_from``: only the first N documents define IDF and the average length.

        The knowledge base puts the shipped documents first and the remembered generations after them:
        with statistics from the shipped part only, a hundred remembered "user profile" runs cannot make
        the words "user" and "profile" common and so push the user_profile template below the match
        threshold. The more the tool is used, the better it should plan, never worse.
        """
        self.k1, self.b, self.delta = k1, b, delta
        self.n_docs = len(documents)
        n_stats = self.n_docs if statistics_from is None else max(0, min(statistics_from, self.n_docs))
        self.doc_len = [float(len(d)) for d in documents]
        total = math.fsum(self.doc_len[:n_stats])
        self.avgdl = total / n_stats if n_stats and total else 1.0
        self._n_stats = n_stats
        postings: dict[str, tuple[list[int], list[int]]] = {}
        self._df: Counter[str] = Counter()
        for i, doc in enumerate(documents):
            counts = Counter(doc)
            if i < n_stats:
                self._df.update(counts.keys())
            for term, tf in counts.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self._postings = postings
        self._norm = [k1 * (1.0 - b + b * n / self.avgdl) for n in self.doc_len]

    def idf(self, term: str) -> float:
        """Strictly positive IDF for an indexed term (never 0, however common); 0 for an unknown one.

        A term that occurs only outside the statistics documents counts as seen once there: rare, so
        it weighs a lot, as a word no shipped document uses should.
        """
        if term not in self._postings:
            return 0.0
        df = max(self._df.get(term, 0), 1)
        return math.log((max(self._n_stats, df) + 1.0) / (df + 0.5))

    def scores(self, query: Iterable[str]) -> list[float]:
        """BM25+ score of every document for the query tokens (repeated tokens count once)."""
        out = [0.0] * self.n_docs
        k1, delta, norm = self.k1, self.delta, self._norm
        for term in dict.fromkeys(query):
            posting = self._postings.get(term)
            if posting is None:
                continue
            ids, tfs = posting
            weight = self.idf(term)
            for i, tf in zip(ids, tfs, strict=True):
                out[i] += weight * ((tf * (k1 + 1.0)) / (tf + norm[i]) + delta)
        return out

    def top(self, query: Iterable[str], k: int = 5) -> list[tuple[int, float]]:
        """The k best (document index, score) pairs with a positive score, best first, ties by index."""
        s = self.scores(query)
        order = sorted(range(self.n_docs), key=lambda i: (-s[i], i))[:k]
        return [(i, s[i]) for i in order if s[i] > 0]
