"""Reading and editing a schema held as plain data while a plan is built (the request model is rebuilt
at the end): which table or field a phrase names, adding and removing fields, and the reference graph
(children per parent, the chain from a table up to the root its rows follow).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sdga.agent.planning.lexicon import lexicon
from sdga.agent.planning.text import distance, stem, words

Table = dict[str, Any]
Fld = dict[str, Any]
FILLER = frozenset({"the", "a", "an", "their", "with", "and", "of", "for", "all", "each", "every", "any", "only",
                    "number", "field", "column", "value", "values", "its", "his", "her", "in", "on", "to"})  # fmt: skip


def phrase_tokens(phrase: str) -> list[str]:
    """The stems of a phrase's words, synonyms folded and filler words dropped."""
    return list(_phrase_tokens(phrase))


@lru_cache(maxsize=16384)
def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    syn = _word_synonyms()
    out: list[str] = []
    for w in words(phrase):
        w = syn.get(w, w)
        if w in FILLER:
            continue
        s = stem(w)
        out.append(syn.get(s, s))
    return tuple(out)


def _word_synonyms() -> dict[str, str]:
    return lexicon().word_synonyms


@lru_cache(maxsize=65536)
def _same(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 5 and distance(a, b, 1) <= 1)


def table_tokens(name: str) -> list[str]:
    return [stem(w) for w in words(name)]


class SchemaEditor:
    """Field and table lookups and edits on a schema held as plain data."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.single = not schema.get("tables")
        if self.single:
            schema["tables"] = [
                {"name": schema.pop("name", None) or "records", "fields": schema.pop("fields", []) or []}
            ]
            for key in ("correlations", "description"):
                if key in schema:
                    schema["tables"][0][key] = schema.pop(key)

    # ------------------------------------------------------------------------------------ tables
    @property
    def tables(self) -> list[Table]:
        return list(self.schema["tables"])

    def names(self) -> list[str]:
        return [str(t["name"]) for t in self.schema["tables"]]

    def table_named(self, name: str | None) -> Table | None:
        return next((t for t in self.schema["tables"] if t["name"] == name), None)

    def root(self) -> Table:
        """The first table whose rows follow no other table (the request's volume sizes it)."""
        for t in self.schema["tables"]:
            if not any(f.get("type") == "reference" and f.get("cardinality") for f in t["fields"]):
                return t
        return self.schema["tables"][0]

    def match_table(self, phrase_words: list[str]) -> tuple[Table | None, float]:
        """The table a noun phrase names and how surely: 4 every word, 3 its head, 2.5 a synonym's head,
        1.5 a word of a longer table name ("stock" for stock_items); (None, 0) when none fits. A generic last
        word ("staff records", "reservation data") is tried without it too."""
        ws = [w for w in phrase_words if w not in FILLER]
        found = self._match_table(ws)
        while found[1] < 2.5 and len(ws) > 1 and is_generic(ws[-1]):
            ws = ws[:-1]
            shorter = self._match_table(ws)
            if shorter[1] > found[1]:
                found = shorter
        return found

    def _match_table(self, ws: list[str]) -> tuple[Table | None, float]:
        if not ws:
            return None, 0.0
        st = [stem(w) for w in ws]
        head = st[-1]
        best: tuple[float, int, Table] | None = None
        lx = lexicon()
        heads = lx.entity_heads(ws)
        generic_head = is_generic(head)
        for i, t in enumerate(self.schema["tables"]):
            tt = table_tokens(str(t["name"]))
            if not tt:
                continue
            score = 0.0
            shared = sum(1 for s in st[:-1] if any(_same(s, x) for x in tt[:-1]))
            # "microservices" ends in the table's head "services": a compound of it.
            compound = len(tt[-1]) >= 4 and head != tt[-1] and head.endswith(tt[-1]) and len(head) > len(tt[-1]) + 2
            if (_same(head, tt[-1]) or compound) and not (generic_head and not shared):
                extra = [x for x in tt[:-1] if not any(_same(x, s) for s in st[:-1])]
                score = 4.0 if not extra else 3.0 - 0.1 * len(extra)
                score += 0.2 * shared
                # A modifier that names another entity ("user accounts", "account transactions") that the
                # table's name lacks makes the match less sure.
                foreign = [s for s in st[:-1] if s in lx.entity_synonyms and not any(_same(s, x) for x in tt)]
                score -= 0.5 * len(foreign)
                if compound:
                    score = min(score, 2.6)
            for h in heads:
                ht = table_tokens(h)
                if ht == tt:
                    score = max(score, 3.6)
                elif ht and ht[-1] == tt[-1] and set(ht) <= set(tt):
                    score = max(score, 2.5)
            if not score and any(_same(head, x) for x in tt[:-1]):
                score = 1.5
            if score and (best is None or (score, -i) > (best[0], -best[1])):
                best = (score, i, t)
        return (best[2], best[0]) if best else (None, 0.0)

    # ------------------------------------------------------------------------------------ fields
    def _scored(self, phrase: str, tables: list[Table] | None = None) -> list[tuple[float, Table, Fld]]:
        tokens = phrase_tokens(phrase)
        if not tokens:
            return []
        joined = "_".join(tokens)
        scored: list[tuple[float, Table, Fld]] = []
        for table in tables if tables is not None else self.schema["tables"]:
            t_tokens = set(phrase_tokens(str(table["name"]).replace("_", " ")))
            for fld in table["fields"]:
                if fld.get("type") == "reference":
                    continue
                if (fld.get("primary_key") or fld.get("type") == "uuid") and not {"id", "uuid", "key"} & set(tokens):
                    continue  # "reservations" is the table, not its reservation_id
                name = str(fld["name"]).lower()
                n_list = phrase_tokens(name.replace("_", " "))
                n_tokens = set(n_list)
                hit = [t for t in tokens if any(_same(t, n) for n in n_tokens)]
                score = 0.0
                if joined == name or "_".join(n_list) == joined:
                    score = 3.0
                elif len(hit) == len(tokens):
                    score = 2.0 - 0.1 * (len(n_tokens) - len(tokens))
                elif n_tokens and all(any(_same(n, t) for t in tokens) for n in n_tokens):
                    score = 1.5
                if score and t_tokens & set(tokens):
                    score += 0.5
                if score:
                    scored.append((score, table, fld))
        return scored

    def score(self, phrase: str, tables: list[Table] | None = None) -> tuple[float, list[tuple[Table, Fld]]]:
        """Best match score (3 exact, ~2 phrase within a name, 1.5 name within the phrase) and the fields."""
        found = self._scored(phrase, tables)
        if not found:
            return 0.0, []
        best = max(s for s, _, _ in found)
        return best, [(t, f) for s, t, f in found if s == best]

    def resolve(self, phrase: str, tables: list[Table] | None = None) -> list[tuple[Table, Fld]]:
        return self.score(phrase, tables)[1]

    def _best_of(self, candidates: list[str], tables: list[Table] | None) -> tuple[str, list[tuple[Table, Fld]]]:
        best: tuple[float, int, str, list[tuple[Table, Fld]]] | None = None
        for cand in candidates:
            score, found = self.score(cand, tables)
            if found and (best is None or score > best[0] or (score == best[0] and len(cand) < best[1])):
                best = (score, len(cand), cand, found)
        return (best[2], best[3]) if best else ("", [])

    def resolve_suffix(self, text: str, tables: list[Table] | None = None) -> tuple[str, list[tuple[Table, Fld]]]:
        """The field a phrase ends with: the best-scoring of its last 1..3 words (shorter wins ties)."""
        parts = text.split()
        return self._best_of([" ".join(parts[-n:]) for n in range(1, min(3, len(parts)) + 1)], tables)

    def resolve_prefix(self, text: str, tables: list[Table] | None = None) -> tuple[str, list[tuple[Table, Fld]]]:
        """The field a phrase starts with: the best-scoring of its first 1..3 words (shorter wins ties)."""
        parts = text.split()
        return self._best_of([" ".join(parts[:n]) for n in range(1, min(3, len(parts)) + 1)], tables)

    def table(self, name_phrase: str | None) -> Table:
        """The table a phrase names, else the first (root) table."""
        if name_phrase:
            found, strength = self.match_table(words(name_phrase))
            if found is not None and strength >= 2.5:
                return found
        return self.schema["tables"][0]

    @staticmethod
    def constraints(fld: Fld) -> dict[str, Any]:
        return fld.setdefault("constraints", {})

    def add(self, table: Table, spec: Fld) -> None:
        names = {f["name"] for f in table["fields"]}
        base, i = spec["name"], 2
        while spec["name"] in names:
            spec["name"] = f"{base}_{i}"
            i += 1
        table["fields"].append(spec)

    def remove(self, table: Table, fld: Fld) -> bool:
        if len(table["fields"]) <= 1 or fld.get("primary_key"):
            return False
        if fld.get("type") == "reference":
            return False
        referenced = any(
            f.get("references") == f"{table['name']}.{fld['name']}" for t in self.schema["tables"] for f in t["fields"]
        )
        if referenced:
            return False
        table["fields"].remove(fld)
        return True

    # ---------------------------------------------------------------------------- references
    @staticmethod
    def references(table: Table) -> list[Fld]:
        return [f for f in table["fields"] if f.get("type") == "reference" and f.get("references")]

    @staticmethod
    def parent_name(ref: Fld) -> str:
        return str(ref.get("references", "")).split(".")[0]

    def reference_to(self, child: Table, parent: Table) -> Fld | None:
        return next((f for f in self.references(child) if self.parent_name(f) == parent["name"]), None)

    def chain_to_root(self, table: str) -> tuple[list[str], float]:
        """The tables from ``table`` up to the root its rows follow (through references with a cardinality),
        and how many ``table`` rows one root row yields on average."""
        tables = {str(tb["name"]): tb for tb in self.schema["tables"]}
        factor, chain, name = 1.0, [table], table
        while name in tables:
            ref = next((f for f in self.references(tables[name]) if f.get("cardinality")), None)
            if ref is None or (name != table and tables[name].get("volume") is not None):
                break
            mean = cardinality_mean(ref["cardinality"])
            parent = self.parent_name(ref)
            if parent not in tables or parent in chain:
                break
            factor *= max(float(mean), 1e-6)
            chain.append(parent)
            name = parent
        return chain, factor

    def result(self) -> dict[str, Any]:
        if len(self.schema["tables"]) == 1 and self.single:
            table = self.schema["tables"][0]
            out: dict[str, Any] = {"name": table["name"], "fields": table["fields"]}
            if table.get("correlations"):
                out["correlations"] = table["correlations"]
            if table.get("description") or self.schema.get("description"):
                out["description"] = table.get("description") or self.schema.get("description")
            return out
        return self.schema


def cardinality_mean(card: dict[str, Any]) -> float:
    mean = card.get("mean")
    if mean is None:
        lo, hi = float(card.get("min") or 0), card.get("max")
        mean = (lo + float(hi)) / 2 if hi is not None else max(lo, 1.0)
    return float(mean)


def is_generic(word: str) -> bool:
    return stem(word) in lexicon().generic_nouns or word.lower() in lexicon().generic_nouns


def field_words(fld: Fld) -> set[str]:
    return set(phrase_tokens(re.sub(r"_", " ", str(fld.get("name", "")))))
