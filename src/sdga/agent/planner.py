"""The offline planner: a plain-English request to a :class:`GenerateDataRequest`, deterministically.

It reads what the user said (volume, format, domain, locale, field constraints, null rates, compliance,
destination, explicit field lists, added or removed fields, seed), fills everything else from the best
template in the knowledge base and says what it assumed. A follow-up ("make it 10k and add a loyalty
tier") changes the previous plan instead of starting over. Requests it cannot serve are refused with a
:class:`PlanningError` that says what it can do instead.

No model, no network: the same words always give the same plan (``today`` fixes date arithmetic).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sdga.agent.lexicon import category_values, detect_locale, field_from_phrase, field_name
from sdga.agent.numbers import normalize_numbers
from sdga.errors import InvalidInputError
from sdga.knowledge.corpus import TemplateEntry, load_templates
from sdga.knowledge.retriever import MEMORY_GROUP, Retriever, TemplateMatch
from sdga.models import (
    MAX_VOLUME,
    ComplianceRequirement,
    DataType,
    Destination,
    DestinationType,
    GenerateDataRequest,
    OutputFormat,
    Schema,
    SqlDialect,
)

DEFAULT_VOLUME = 1000
MIN_DOMAIN_SCORE = 3.0  # below this nothing matched; below 2.5x it needs a clear data-request wording
STRONG_DOMAIN_SCORE = 7.5
CORE_TYPES = {t.value for t in DataType if t is not DataType.CUSTOM}

EXAMPLES = [
    "Generate 5,000 GDPR-compliant user profiles for a German shop as CSV, ages 18 to 65, 10% without phone",
    "10k e-commerce orders with order items as parquet",
    "2 million application log events as JSON lines to s3://my-bucket/logs/",
    "500 records with fields name, email and signup date",
]


def _label(match: str) -> str:
    """How a match is named to the user: a template by name, a remembered custom schema as such."""
    return "an earlier generation's schema" if match.startswith(MEMORY_GROUP) else f"'{match}'"


class PlanningError(InvalidInputError):
    """The request could not be turned into a plan; the message says why and what would work."""

    code = "request_not_understood"


@dataclass
class Plan:
    """A runnable request plus the reasoning a reviewer needs to trust it."""

    request: GenerateDataRequest
    prompt: str
    template: str | None = None
    assumptions: list[str] = field(default_factory=list)
    understood: list[str] = field(default_factory=list)
    reused_generation: str | None = None
    history: list[str] = field(default_factory=list)

    def request_json(self) -> dict[str, Any]:
        """The request as JSON-ready data (aliases used: ``schema``)."""
        return self.request.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "template": self.template,
            "understood": self.understood,
            "assumptions": self.assumptions,
            "reused_generation": self.reused_generation,
            "request": self.request_json(),
        }

    def explain(self) -> str:
        """Markdown: what was read from the request and what was assumed."""
        lines = ["**Understood**"] + [f"- {u}" for u in self.understood or ["(nothing specific)"]]
        if self.assumptions:
            lines += ["", "**Assumed**"] + [f"- {a}" for a in self.assumptions]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Text with consumed spans: each extractor claims the characters it used, so a later one (the volume
# reader in particular) never re-reads "18 to 65" or "10%" as a record count.
# --------------------------------------------------------------------------------------------------
class _Text:
    def __init__(self, text: str) -> None:
        self.text = text
        self.low = text.lower()
        self.used = [False] * len(text)

    def free(self, start: int, end: int) -> bool:
        return not any(self.used[start:end])

    def consume(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.used[i] = True

    def finditer(self, pattern: str, flags: int = re.IGNORECASE) -> list[re.Match[str]]:
        return [m for m in re.finditer(pattern, self.text, flags) if self.free(m.start(), m.end())]

    def remaining(self) -> str:
        return "".join(" " if u else c for c, u in zip(self.text, self.used, strict=True))


_NUM = r"-?\d+(?:\.\d+)?"
_WORDS3 = r"(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*"
_SYNONYMS = {
    "aged": "age", "ages": "age", "old": "age", "e-mail": "email", "mail": "email", "emails": "email",
    "telephone": "phone", "mobile": "phone", "phones": "phone", "cell": "phone", "salaries": "salary",
    "wage": "salary", "pay": "salary", "prices": "price", "cost": "price", "amounts": "amount",
    "quantities": "quantity", "qty": "quantity", "temperatures": "temperature", "temp": "temperature",
    "zip": "postal", "postcode": "postal", "surname": "last", "dob": "birth", "birthday": "birth",
    "tenant": "organization", "tenants": "organization", "org": "organization", "orgs": "organization",
}  # fmt: skip
_FILLER = {"the", "a", "an", "their", "with", "and", "of", "for", "all", "each", "every", "any", "only", "number"}
_FORMATS: list[tuple[str, OutputFormat]] = [
    (r"json ?lines|jsonl|ndjson|newline[- ]delimited json", OutputFormat.JSONL),
    (r"parquet", OutputFormat.PARQUET),
    (r"\bxml\b", OutputFormat.XML),
    (r"\bsql\b|insert statements|\binserts\b|\bddl\b", OutputFormat.SQL),
    (r"\bcsv\b|comma[- ]separated", OutputFormat.CSV),
    (r"\bjson\b", OutputFormat.JSON),
]
_COMPLIANCE: list[tuple[str, ComplianceRequirement]] = [
    (r"\bgdpr\b|\bdsgvo\b", ComplianceRequirement.GDPR),
    (r"\bhipaa\b", ComplianceRequirement.HIPAA),
    (r"\bpci(?:[- ]?dss)?\b", ComplianceRequirement.PCI_DSS),
    (r"\bsoc ?2\b|\bsoc-2\b", ComplianceRequirement.SOC2),
    (r"\bccpa\b|\bcpra\b", ComplianceRequirement.CCPA),
]
_REFUSE = [
    (
        r"\b(?:real|actual|production|live|genuine|existing|leaked|stolen)\s+(?:\w+\s+){0,2}"
        r"(?:customers?|patients?|users?|employees?|people|persons?|personal|pii|phi|credit cards?|card numbers?|ssns?"
        r"|social security|data|records|identities)\b",
        "I only generate synthetic data; I cannot provide, copy or look up real people's data. Ask for synthetic "
        "records instead (they look real but are safe: reserved e-mail domains, test card numbers, SSN area 9xx).",
    ),
    (
        r"\b(?:scrape|de-?anonymi[sz]e|re-?identify|dox|steal|exfiltrate|hack|phish)\w*",
        "I cannot help with that. I generate synthetic, compliant test data only.",
    ),
    (
        r"\b(?:delete|drop|truncate|wipe|erase)\s+(?:\w+\s+){0,2}(?:database|db|tables?|bucket|production)\b",
        "I never delete or modify existing data; I only write newly generated synthetic data to a destination.",
    ),
    (
        r"\b(?:valid|working|usable|live)\s+(?:credit\s+card|card|cc)\s*(?:numbers?)?\b",
        "I only produce issuer test card numbers that pass the Luhn check but can never be charged.",
    ),
]
_INTENT = (
    r"\b(?:generate|create|make|produce|give|need|want|build|fake|mock|synthesi[sz]e|synthetic|populate|seed|fill"
    r"|prepare|dataset|data ?set|test ?data|records?|rows?|sample|simulate|dummy|example)\b"
)
_GENERIC = (
    r"\b(?:generate|create|make|produce|give|need|want|build|fake|mock|synthesi[sz]e|synthetic|populate|prepare"
    r"|datasets?|data ?sets?|test ?data|data|records?|rows?|entries|samples?|simulate|dummy|examples?|realistic"
    r"|random|quick|demo|testing|tests?|some|lots|bunch|please|them|for|me|of)\b"
)
_RECORD_NOUN = (
    r"(?:records?|rows?|entries|items?|samples?|users?|profiles?|customers?|orders?|patients?|employees?|people"
    r"|persons?|transactions?|payments?|events?|logs?|lines?|readings?|devices?|accounts?|trades?|subscriptions?"
    r"|tenants?|organi[sz]ations?|visits?|encounters?|spans?|traces?|invoices?|products?|members?|contacts?"
    r"|messages?|sessions?|staff|documents?|datapoints?|points?|measurements?|requests?)"
)


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _fmt_ratio(x: float) -> str:
    return f"{round(x):,}" if x >= 100 else f"{x:.3g}"


def _phrase_tokens(phrase: str) -> list[str]:
    out: list[str] = []
    for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)?", phrase.lower()):
        w = _SYNONYMS.get(w, w)
        if w in _FILLER:
            continue
        if len(w) > 3 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
        out.append(_SYNONYMS.get(w, w))
    return out


class _SchemaEditor:
    """Field lookups and edits on a schema held as plain data (the request model is rebuilt at the end)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        if not schema.get("tables"):
            schema["tables"] = [
                {"name": schema.pop("name", None) or "records", "fields": schema.pop("fields", []) or []}
            ]
            for key in ("correlations", "description"):
                if key in schema:
                    schema["tables"][0][key] = schema.pop(key)

    @property
    def tables(self) -> list[dict[str, Any]]:
        return list(self.schema["tables"])

    def resolve(self, phrase: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Fields a phrase names: best-scoring matches over all tables ([] when nothing fits)."""
        return self.score(phrase)[1]

    def _scored(self, phrase: str) -> list[tuple[float, dict[str, Any], dict[str, Any]]]:
        tokens = _phrase_tokens(phrase)
        if not tokens:
            return []
        joined = "_".join(tokens)
        scored: list[tuple[float, dict[str, Any], dict[str, Any]]] = []
        for table in self.schema["tables"]:
            t_tokens = set(_phrase_tokens(table["name"].replace("_", " ")))
            for fld in table["fields"]:
                if fld.get("type") == "reference":
                    continue
                name = fld["name"].lower()
                n_tokens = set(_phrase_tokens(name.replace("_", " ")))
                score = 0.0
                if joined == name or "_".join(_phrase_tokens(name.replace("_", " "))) == joined:
                    score = 3.0
                elif set(tokens) <= n_tokens:
                    score = 2.0 - 0.1 * (len(n_tokens) - len(tokens))
                elif n_tokens and n_tokens <= set(tokens):
                    score = 1.5
                if score and t_tokens & set(tokens):
                    score += 0.5
                if score:
                    scored.append((score, table, fld))
        return scored

    def score(self, phrase: str) -> tuple[float, list[tuple[dict[str, Any], dict[str, Any]]]]:
        """Best match score (3 exact, ~2 phrase within a name, 1.5 name within the phrase) and the fields."""
        found = self._scored(phrase)
        if not found:
            return 0.0, []
        best = max(s for s, _, _ in found)
        return best, [(t, f) for s, t, f in found if s == best]

    def _best_of(self, candidates: list[str]) -> tuple[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
        best: tuple[float, int, str, list[tuple[dict[str, Any], dict[str, Any]]]] | None = None
        for cand in candidates:
            score, found = self.score(cand)
            if found and (best is None or score > best[0] or (score == best[0] and len(cand) < best[1])):
                best = (score, len(cand), cand, found)
        return (best[2], best[3]) if best else ("", [])

    def resolve_suffix(self, words: str) -> tuple[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
        """The field a phrase ends with: the best-scoring of its last 1..3 words (shorter wins ties)."""
        parts = words.split()
        return self._best_of([" ".join(parts[-n:]) for n in range(1, min(3, len(parts)) + 1)])

    def resolve_prefix(self, words: str) -> tuple[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
        """The field a phrase starts with: the best-scoring of its first 1..3 words (shorter wins ties)."""
        parts = words.split()
        return self._best_of([" ".join(parts[:n]) for n in range(1, min(3, len(parts)) + 1)])

    def table(self, name_phrase: str | None) -> dict[str, Any]:
        """The table a phrase names, else the first (root) table."""
        if name_phrase:
            tokens = set(_phrase_tokens(name_phrase))
            for table in self.schema["tables"]:
                if tokens & set(_phrase_tokens(table["name"].replace("_", " "))):
                    return table
        return self.schema["tables"][0]

    def constraints(self, fld: dict[str, Any]) -> dict[str, Any]:
        return fld.setdefault("constraints", {})

    def add(self, table: dict[str, Any], spec: dict[str, Any]) -> None:
        names = {f["name"] for f in table["fields"]}
        base, i = spec["name"], 2
        while spec["name"] in names:
            spec["name"] = f"{base}_{i}"
            i += 1
        table["fields"].append(spec)

    def remove(self, table: dict[str, Any], fld: dict[str, Any]) -> bool:
        if len(table["fields"]) <= 1 or fld.get("primary_key"):
            return False
        referenced = any(
            f.get("references") == f"{table['name']}.{fld['name']}" for t in self.schema["tables"] for f in t["fields"]
        )
        if referenced:
            return False
        table["fields"].remove(fld)
        return True

    def result(self) -> dict[str, Any]:
        if len(self.schema["tables"]) == 1:
            table = self.schema["tables"][0]
            out: dict[str, Any] = {"name": table["name"], "fields": table["fields"]}
            if table.get("correlations"):
                out["correlations"] = table["correlations"]
            if table.get("description") or self.schema.get("description"):
                out["description"] = table.get("description") or self.schema.get("description")
            return out
        return self.schema


class OfflinePlanner:
    """Deterministic request planner over the knowledge base (see the module docstring)."""

    def __init__(self, retriever: Retriever | None = None, *, today: date | None = None) -> None:
        if retriever is None:
            from sdga.knowledge.retriever import get_retriever

            retriever = get_retriever()
        self.retriever = retriever
        self.today = today or date.today()
        self.templates: dict[str, TemplateEntry] = {t.name: t for t in load_templates()}

    # ----------------------------------------------------------------------------------------------
    def plan(self, prompt: str, previous: Plan | None = None) -> Plan:
        """Turn ``prompt`` into a plan; with ``previous``, treat it as a follow-up that edits that plan."""
        text = " ".join((prompt or "").split())
        if not text:
            raise PlanningError("the request is empty: describe the data you need", details={"examples": EXAMPLES})
        for pattern, message in _REFUSE:
            if re.search(pattern, text, re.IGNORECASE) and not re.search(
                r"\b(?:not|never|no|without|instead of)\s+(?:\w+\s+){0,2}(?:real|actual|production|live)\b", text, re.I
            ):
                raise PlanningError(message, details={"examples": EXAMPLES})
        t = _Text(normalize_numbers(text))
        understood: list[str] = []
        assumptions: list[str] = []

        destination, dialect = self._destination(t, understood, assumptions)
        seed = self._seed(t, understood)
        fmt = self._format(t, understood, assumptions)
        compliance = self._compliance(t, understood)
        locale_cue = detect_locale(t.remaining())
        explicit_template = self._explicit_template(t)

        field_list = self._field_list(t)
        matches = [] if explicit_template else self.retriever.rank_templates(self._domain_query(t), k=6)
        matches = [m for m in matches if m.template in self.templates or m.template.startswith(MEMORY_GROUP)][:3]
        best = matches[0] if matches and matches[0].score >= MIN_DOMAIN_SCORE else None
        has_intent = bool(
            re.search(_INTENT, text, re.IGNORECASE)
            or re.search(rf"\b\d+\s+(?:[\w-]+\s+){{0,3}}?{_RECORD_NOUN}\b", t.text, re.IGNORECASE)
            or re.search(r"\b\d+\s+of them\b", t.text, re.IGNORECASE)
        )

        fresh = previous is None or (
            (explicit_template is not None and explicit_template != previous.template)
            or (
                best is not None
                and best.template != previous.template
                and has_intent
                and re.match(r"\s*(?:now\s+)?(?:generate|create|produce|give me|i need|build)\b", text, re.I)
                is not None
            )
        )

        if fresh:
            request_data, template, reused = self._base(
                text, explicit_template, best, matches, field_list, has_intent, assumptions, understood
            )
        else:
            assert previous is not None
            request_data = previous.request.model_dump(mode="json", by_alias=True, exclude_none=True)
            template, reused = previous.template, previous.reused_generation

        editor = _SchemaEditor(copy.deepcopy(request_data.get("schema") or {}))
        counts = self._table_counts(t, editor, assumptions)  # before the constraints: "from 500 devices"
        changed = self._edit_schema(t, editor, field_list, understood, assumptions, template)
        volume = self._apply_table_counts(counts, editor, understood) if counts else self._volume(t, understood, editor)

        # --- assemble ------------------------------------------------------------------------------
        if volume is not None:
            request_data["volume"] = volume
        elif fresh:
            request_data["volume"] = DEFAULT_VOLUME
            assumptions.append(f"volume: {_fmt_int(DEFAULT_VOLUME)} records (no number given)")
        if fmt is not None:
            request_data["output_format"] = fmt.value
        elif fresh:
            default_fmt = (
                OutputFormat.SQL if destination and destination.type == DestinationType.RDS else OutputFormat.JSON
            )
            request_data["output_format"] = default_fmt.value
            assumptions.append(f"format: {default_fmt.value} (no format given)")
        if dialect is None:
            word = re.search(r"\b(mysql|mariadb|sqlite|postgres(?:ql)?)\b", t.text, re.IGNORECASE)
            if word:
                w = word.group(1).lower()
                dialect = (
                    SqlDialect.MYSQL
                    if w in {"mysql", "mariadb"}
                    else SqlDialect(w)
                    if w == "sqlite"
                    else SqlDialect.POSTGRESQL
                )
                understood.append(f"SQL dialect: {dialect.value}")
        if dialect is not None:
            request_data["sql_dialect"] = dialect.value
        if destination is not None:
            request_data["destination"] = destination.model_dump(mode="json", exclude_none=True)
        elif fresh:
            assumptions.append("destination: a local directory (no destination given)")
        if seed is not None:
            request_data["seed"] = seed
        if compliance:
            merged = list(dict.fromkeys([*(request_data.get("compliance_requirements") or []), *compliance]))
            request_data["compliance_requirements"] = merged
        if locale_cue is not None:
            locale, cue = locale_cue
            request_data["locale"] = locale
            understood.append(f"locale: {locale} (from '{cue}')")
        elif fresh:
            request_data["locale"] = "en_US"
            assumptions.append("locale: en_US (no country or language given)")
        if field_list and editor.tables and editor.tables[0]["name"] == "records":
            # A custom table takes the user's noun: "1000 customers with first name, ..." -> customers.
            # ... or the name given to the table: "users table with id, name, ..." -> users.
            generic = {"record", "row", "entry", "entries", "item", "sample", "line", "point", "datapoint"}
            candidates = [
                *re.finditer(rf"\b\d+\s+(?P<noun>{_RECORD_NOUN})\b", t.text, re.IGNORECASE),
                *re.finditer(
                    r"\b(?!(?:a|an|the|one|this|that|my|our|single|new|sql|database|db)\b)(?P<noun>[a-z][a-z0-9_]*)"
                    r"\s+table\b",
                    t.text,
                    re.IGNORECASE,
                ),
            ]
            names = [
                n.group("noun")
                for n in candidates
                if {n.group("noun").lower(), n.group("noun").lower().rstrip("s")}.isdisjoint(generic)
            ]
            if names:
                editor.schema["tables"][0]["name"] = field_name(names[0])
        request_data["schema"] = editor.result()
        if changed:
            request_data["data_type"] = DataType.CUSTOM.value if template not in CORE_TYPES else template

        if not fresh and not (understood or changed):
            raise PlanningError(
                f"I found nothing to change in '{text}'. Try e.g. 'make it 10k', 'as parquet', 'add a loyalty tier', "
                "'for the UK', 'also GDPR', 'remove the phone field'.",
                details={"examples": EXAMPLES},
            )
        request = self._build(request_data)
        history = [*(previous.history if previous and not fresh else []), text]
        return Plan(
            request=request,
            prompt=" / ".join(history),
            template=template,
            assumptions=assumptions,
            understood=understood,
            reused_generation=reused,
            history=history,
        )

    # ----------------------------------------------------------------------------------------------
    def _build(self, data: dict[str, Any]) -> GenerateDataRequest:
        try:
            return GenerateDataRequest.model_validate(data)
        except Exception as exc:  # pydantic ValidationError: say it in the planner's words
            raise PlanningError(f"the plan is not a valid request: {exc}".splitlines()[0]) from exc

    def _base(
        self,
        text: str,
        explicit_template: str | None,
        best: TemplateMatch | None,
        matches: list[TemplateMatch],
        field_list: list[str] | None,
        has_intent: bool,
        assumptions: list[str],
        understood: list[str],
    ) -> tuple[dict[str, Any], str | None, str | None]:
        """The starting request: a template (or a remembered schema), or a schema from an explicit field list."""
        if explicit_template:
            entry = self.templates[explicit_template]
            understood.append(f"template: {entry.name} (named in the request)")
            return self._from_template(entry), entry.name, None
        weak = best is not None and best.score < STRONG_DOMAIN_SCORE
        if best is None or (weak and (field_list or not has_intent)):
            if field_list:
                return {"data_type": DataType.CUSTOM.value, "schema": {"name": "records", "fields": []}}, None, None
            known = ", ".join(sorted(self.templates))
            hint = (
                f" The closest match was {_label(matches[0].template)} but the request says too little."
                if matches and has_intent
                else ""
            )
            raise PlanningError(
                "I can only plan synthetic test data, and I could not tell what data you need from "
                f"'{text}'.{hint} Name a domain ({known}) or list the fields, e.g. 'with fields name, email and "
                "signup date'.",
                details={"known_templates": sorted(self.templates), "examples": EXAMPLES},
            )
        runner = f"; runner-up {_label(matches[1].template)} ({matches[1].score:.1f})" if len(matches) > 1 else ""
        memory = best.memory_hit
        top_hit = max(best.hits, key=lambda h: h.score)
        if memory is not None and memory is top_hit and isinstance(memory.document.metadata.get("schema"), dict):
            gen_id = str(memory.document.metadata.get("generation_id"))
            assumptions.append(
                f"schema: reused from earlier generation {gen_id[:8]} ({memory.document.title.split(': ', 1)[-1]!r}), "
                f"the closest remembered request"
            )
            data_type = best.template if best.template in CORE_TYPES else DataType.CUSTOM.value
            template = None if best.template.startswith(MEMORY_GROUP) else best.template
            return (
                {"data_type": data_type, "schema": copy.deepcopy(memory.document.metadata["schema"])},
                template,
                gen_id,
            )
        found = self.templates.get(best.template)
        if found is None:  # the knowledge base knows a template this install does not ship
            raise PlanningError(f"the knowledge base suggested template '{best.template}', which is not installed")
        entry = found
        assumptions.append(f"template: {entry.name} (best knowledge-base match, score {best.score:.1f}{runner})")
        return self._from_template(entry), entry.name, None

    def _from_template(self, entry: TemplateEntry) -> dict[str, Any]:
        data_type = entry.name if entry.name in CORE_TYPES else DataType.CUSTOM.value
        return {"data_type": data_type, "schema": copy.deepcopy(entry.schema)}

    def _explicit_template(self, t: _Text) -> str | None:
        names = "|".join(sorted((re.escape(n) for n in self.templates), key=len, reverse=True))
        if not names:
            return None
        for m in t.finditer(rf"\b(?:template|domain)\s*[:=]?\s*[\"']?({names})\b|\b({names})[\"']?\s+template\b"):
            t.consume(m.start(), m.end())
            return (m.group(1) or m.group(2)).lower()
        return None

    def _domain_query(self, t: _Text) -> str:
        """The words that describe the data: no URLs, numbers or generic request words."""
        text = re.sub(r"\S+://\S+|\b\d+(?:\.\d+)?\b", " ", t.remaining())
        return re.sub(_GENERIC, " ", text, flags=re.IGNORECASE)

    # ----------------------------------------------------------------------------------------------
    def _destination(
        self, t: _Text, understood: list[str], assumptions: list[str]
    ) -> tuple[Destination | None, SqlDialect | None]:
        for m in t.finditer(r"s3://[\w.-]+(?:/[\w./=+-]*)?"):
            t.consume(m.start(), m.end())
            understood.append(f"destination: S3 {m.group(0)}")
            return Destination(type=DestinationType.S3, location=m.group(0)), None
        for m in t.finditer(r"\b(postgres(?:ql)?|mysql|mariadb|sqlite)(\+\w+)?://\S+"):
            t.consume(m.start(), m.end())
            scheme, driver = m.group(1).lower(), m.group(2)
            url = m.group(0).rstrip(".,;")
            rest = url.split("://", 1)[1]
            if scheme.startswith("postgres"):
                url, dialect = f"postgresql{driver or '+psycopg'}://{rest}", SqlDialect.POSTGRESQL
            elif scheme in {"mysql", "mariadb"}:
                url, dialect = f"mysql{driver or '+pymysql'}://{rest}", SqlDialect.MYSQL
            else:
                dialect = SqlDialect.SQLITE
            understood.append(f"destination: database {url.split('@')[-1]} ({dialect.value})")
            return Destination(type=DestinationType.RDS, location=url), dialect
        db = t.finditer(
            r"\b(?:into|to|in|load(?:ed)? into)\s+(?:a |an |the |my |our )?(postgres(?:ql)?|mysql|mariadb|rds|database|db)\b"
        )
        if db:
            raise PlanningError(
                "to load into a database, give its URL, e.g. 'into postgresql://user@host:5432/testdb' or "
                "'into mysql://user@host/testdb'",
                details={"examples": EXAMPLES},
            )
        for m in t.finditer(r"\bto\s+s3\b|\bto\s+(?:the\s+|my\s+|our\s+)?(?:s3\s+)?bucket\b"):
            t.consume(m.start(), m.end())
            understood.append("destination: S3 (the configured bucket)")
            assumptions.append("S3 location: the deployment's bucket and prefix (SDGA_S3_BUCKET / SDGA_S3_PREFIX)")
            return Destination(type=DestinationType.S3), None
        for m in t.finditer(r"\b(?:inline|in the response|show (?:me )?(?:them|it|the rows)|preview)\b"):
            t.consume(m.start(), m.end())
            understood.append("destination: inline (rows returned in the response)")
            return Destination(type=DestinationType.INLINE), None
        path = r"((?:~|\.{1,2})?/?[\w.-]+(?:/[\w.-]+)*\.(?:csv|jsonl|json|parquet|sql|xml)|(?:~|\.{1,2})?/[\w./-]+)"
        for m in t.finditer(
            rf"\b(?:to|into|in|under|at|save(?:d)? (?:it |them )?(?:to|in|as))\s+(?:the\s+)?(?:file|folder|directory|dir)?\s*{path}"
        ):
            t.consume(m.start(), m.end())
            location = m.group(1).rstrip(".,;")
            understood.append(f"destination: local {location}")
            return Destination(type=DestinationType.LOCAL, location=location), None
        return None, None

    def _seed(self, t: _Text, understood: list[str]) -> int | None:
        for m in t.finditer(r"\b(?:seed(?:ed)?|random seed)\s*(?:with|of|=|:)?\s*(\d+)\b"):
            t.consume(m.start(), m.end())
            understood.append(f"seed: {m.group(1)}")
            return int(m.group(1))
        return None

    def _format(self, t: _Text, understood: list[str], assumptions: list[str]) -> OutputFormat | None:
        ext = re.search(r"\.(csv|jsonl|json|parquet|sql|xml)\b", t.text, re.IGNORECASE)
        for pattern, fmt in _FORMATS:
            ms = t.finditer(pattern)
            if ms:
                t.consume(ms[0].start(), ms[0].end())
                understood.append(f"format: {fmt.value}")
                return fmt
        if ext:
            fmt = OutputFormat(ext.group(1).lower())
            understood.append(f"format: {fmt.value} (from the file name)")
            return fmt
        if re.search(r"\b(?:excel|xlsx|spreadsheet|google sheets?)\b", t.text, re.IGNORECASE):
            assumptions.append("format: csv (opens in Excel and Google Sheets; xlsx is not written)")
            return OutputFormat.CSV
        m = re.search(r"\b(avro|orc|feather|yaml|tsv|excel)\b", t.text, re.IGNORECASE)
        if m:
            assumptions.append(
                f"format: {m.group(1)} is not supported; using parquet (supported: json, jsonl, csv, sql, parquet, xml)"
            )
            return OutputFormat.PARQUET
        return None

    def _compliance(self, t: _Text, understood: list[str]) -> list[str]:
        found: list[str] = []
        for pattern, req in _COMPLIANCE:
            for m in t.finditer(pattern):
                t.consume(m.start(), m.end())
                if req.value not in found:
                    found.append(req.value)
        if found:
            understood.append("compliance: " + ", ".join(found))
        return found

    # ----------------------------------------------------------------------------------------------
    def _field_list(self, t: _Text) -> list[str] | None:
        stop = r"(?=$|[.;]|\s+(?:as|in|into|to|for|from|using|saved|formatted|where|plus|then)\s)"
        patterns = [
            rf"\b(?:with|having|containing|including|include|includes|only)\s+(?:only\s+|just\s+)?(?:the\s+)?"
            rf"(?:following\s+)?(?:fields|columns|attributes|properties)\s*:?\s*(?P<list>.+?){stop}",
            rf"\b(?:fields|columns)\s*:\s*(?P<list>.+?){stop}",
        ]
        for pattern in patterns:
            for m in t.finditer(pattern):
                items = [i.strip() for i in re.split(r"\s*(?:,|\band\b|&|\+|;)\s*", m.group("list")) if i.strip()]
                if items:
                    t.consume(m.start(), m.end())
                    return items
        # "with name, email and signup date": a bare list counts when most items are known field words.
        for m in t.finditer(
            r"\bwith\s+(?P<list>[a-z][a-z ]*(?:\s*,\s*[a-z][a-z ]*)+,?\s+and\s+[a-z][a-z]*"
            r"(?: (?!as\b|in\b|to\b|into\b|for\b|from\b|with\b)[a-z]+)?)"
        ):
            items = [i.strip() for i in re.split(r"\s*(?:,|\band\b)\s*", m.group("list")) if i.strip()]
            known = sum(field_from_phrase(i)[1] for i in items)
            if len(items) >= 3 and known >= 0.75 * len(items):
                t.consume(m.start(), m.end())
                return items
        return None

    def _edit_schema(
        self,
        t: _Text,
        ed: _SchemaEditor,
        field_list: list[str] | None,
        understood: list[str],
        assumptions: list[str],
        template: str | None = None,
    ) -> bool:
        """Apply every field-level instruction; True when the schema changed."""
        changed = False
        if field_list:
            changed |= self._apply_field_list(ed, field_list, understood, assumptions)
        changed |= self._null_rates(t, ed, understood, assumptions)
        changed |= self._ranges(t, ed, understood, assumptions)
        changed |= self._bounds(t, ed, understood)
        # The values a field may be given a share of: its own, and (in a follow-up that narrowed it) the
        # template's, so "only online devices" then "20% of them offline" still knows 'offline'.
        shipped: dict[tuple[str, str], list[Any]] = {}
        entry = self.templates.get(template) if template else None
        if entry is not None:
            base = _SchemaEditor(copy.deepcopy(entry.schema))
            shipped = {
                (str(tb["name"]), str(f["name"])): list((f.get("constraints") or {}).get("enum") or [])
                for tb in base.tables
                for f in tb["fields"]
            }
        originals = {
            id(f): list(
                dict.fromkeys(
                    [
                        *((f.get("constraints") or {}).get("enum") or []),
                        *shipped.get((str(tb["name"]), str(f["name"])), []),
                    ]
                )
            )
            for tb in ed.tables
            for f in tb["fields"]
        }
        changed |= self._enums(t, ed, understood)
        changed |= self._enum_lists(t, ed, understood)
        changed |= self._enum_weights(t, ed, understood, originals)
        changed |= self._uniques(t, ed, understood)
        changed |= self._additions(t, ed, understood, assumptions)
        changed |= self._removals(t, ed, understood, assumptions)
        changed |= self._edge_cases(t, ed, understood)
        changed |= self._recent(t, ed, understood)
        return changed

    def _apply_field_list(
        self, ed: _SchemaEditor, items: list[str], understood: list[str], assumptions: list[str]
    ) -> bool:
        fields: list[dict[str, Any]] = []
        table_name = "records"
        for item in items:
            score, found = ed.score(item)
            if found and score >= 3.0:  # explicit lists reuse a template field only when the name is the same
                table, fld = found[0]
                spec = copy.deepcopy(fld)
                spec.pop("primary_key", None)
                table_name = table["name"] if table_name == "records" else table_name
            else:
                spec, known = field_from_phrase(item)
                if not known:
                    assumptions.append(f"field '{spec['name']}': not a known kind of value, generated as short text")
            if spec["name"] not in {f["name"] for f in fields}:
                fields.append(spec)
        understood.append("fields: " + ", ".join(f["name"] for f in fields))
        ed.schema.clear()
        ed.schema["tables"] = [{"name": table_name, "fields": fields}]
        return True

    def _apply_null_rate(
        self, ed: _SchemaEditor, phrase: str, rate: float, understood: list[str], assumptions: list[str]
    ) -> bool:
        _, found = ed.resolve_prefix(phrase)
        if not found:
            assumptions.append(f"'{phrase}': no such field, null rate ignored")
            return False
        for _, fld in found:
            c = ed.constraints(fld)
            c["nullable"] = rate > 0
            c["null_rate"] = rate
            c.pop("unique", None) if rate > 0 and fld.get("type") not in {"uuid"} else None
        names = ", ".join(sorted({f["name"] for _, f in found}))
        understood.append(f"{names}: {rate:.0%} null" if rate * 100 == int(rate * 100) else f"{names}: {rate:.1%} null")
        return True

    def _null_rates(self, t: _Text, ed: _SchemaEditor, understood: list[str], assumptions: list[str]) -> bool:
        changed = False
        neg = r"(?:without|with no|with missing|missing|lacking|have no|has no|having no|with empty|with blank|with null|null|empty|blank|no)"
        field3 = r"(?P<field>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})"
        patterns = [
            rf"(?P<p>\d+(?:\.\d+)?)\s*%\s+(?:of\s+(?:the\s+)?(?:[a-z]+\s+){{0,2}}?(?:(?:have|has|with|are)\s+)?)?{neg}\s+(?:an?\s+|the\s+|their\s+)?{field3}",
            rf"(?:with\s+)?(?P<p>\d+(?:\.\d+)?)\s*%\s+(?:null|missing|empty|blank)\s+{field3}",
            rf"{field3}\s+(?:is\s+|are\s+)?(?:missing|empty|null|blank)\s+(?:in|for)\s+(?P<p>\d+(?:\.\d+)?)\s*%",
            rf"{field3}\s+(?:null|missing)\s+rate\s+(?:of\s+)?(?P<p>\d+(?:\.\d+)?)\s*%",
        ]
        for i, pattern in enumerate(patterns):
            for m in t.finditer(pattern):
                rate = float(m.group("p")) / 100.0
                if not 0 <= rate <= 1:
                    raise PlanningError(f"a null rate must be between 0% and 100%, got {m.group('p')}%")
                phrase = m.group("field")
                if i == 2:
                    phrase = ed.resolve_suffix(phrase)[0] or phrase
                t.consume(m.start(), m.end())
                changed |= self._apply_null_rate(ed, phrase, rate, understood, assumptions)
        for m in t.finditer(rf"{field3}\s+(?:is\s+|are\s+)?optional\b"):
            cand, found = ed.resolve_suffix(m.group("field"))
            if found:
                t.consume(m.start(), m.end())
                changed |= self._apply_null_rate(ed, cand, 0.1, understood, assumptions)
        return changed

    def _set_range(self, ed: _SchemaEditor, phrase: str, lo: float, hi: float, understood: list[str]) -> bool:
        if lo > hi:
            lo, hi = hi, lo
        tokens = _phrase_tokens(phrase)
        found = ed.resolve(phrase)
        if not found and tokens == ["age"]:
            # No age column: bound the date of birth instead (age a..b  <=>  born between today-b-1y and today-a).
            found = [
                (t, f) for t, f in ed.resolve("birth date") + ed.resolve("date of birth") if f.get("type") == "date"
            ]
            found = list({id(f): (t, f) for t, f in found}.values())
            if found:
                oldest = self._years_before(int(hi) + 1) + timedelta(days=1)
                youngest = self._years_before(int(lo))
                for _, fld in found:
                    c = ed.constraints(fld)
                    c["min"], c["max"] = oldest.isoformat(), youngest.isoformat()
                    c.pop("relative_to_now", None)
                names = ", ".join(sorted({f["name"] for _, f in found}))
                understood.append(f"age {int(lo)}–{int(hi)}: {names} between {oldest} and {youngest}")
                return True
        if not found:
            return False
        for _, fld in found:
            c = ed.constraints(fld)
            is_int = fld.get("type") in {"integer", "sequence"}
            years = all(float(v).is_integer() and 1800 <= v <= 2200 for v in (lo, hi))
            if fld.get("type") in {"date", "datetime", "timestamp"} and years:
                # "born between 1950 and 2000": whole years, first to last day.
                start, end = f"{int(lo)}-01-01", f"{int(hi)}-12-31"
                c["min"], c["max"] = (start, end) if fld["type"] == "date" else (f"{start}T00:00:00", f"{end}T23:59:59")
                c.pop("relative_to_now", None)
                continue
            c["min"], c["max"] = (int(lo), int(hi)) if is_int else (lo, hi)
            dist = c.get("distribution")
            if isinstance(dist, dict) and dist.get("kind") in {"normal", "lognormal"}:
                # A fitted shape would mostly fall outside the new bounds: keep the bell shape, re-centred.
                if dist.get("kind") == "normal":
                    dist["mean"] = (lo + hi) / 2
                    dist["std"] = (hi - lo) / 4 or 1.0
                else:
                    c.pop("distribution")
        names = ", ".join(sorted({f["name"] for _, f in found}))
        understood.append(f"{names}: {self._num(lo)} to {self._num(hi)}")
        return True

    @staticmethod
    def _num(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else str(v)

    def _years_before(self, years: int) -> date:
        try:
            return self.today.replace(year=self.today.year - years)
        except ValueError:  # 29 February
            return self.today.replace(year=self.today.year - years, day=28)

    def _ranges(self, t: _Text, ed: _SchemaEditor, understood: list[str], assumptions: list[str]) -> bool:
        changed = False
        sep = r"\s*(?:to|-|–|and|until|through|thru)\s*"
        for m in t.finditer(
            rf"\b(?P<field>{_WORDS3})\s+(?:(?:between|from|ranging from|in the range(?: of)?|range|of)\s+)?"
            rf"(?P<lo>{_NUM}){sep}(?P<hi>{_NUM})(?P<after>\s*(?:years?(?:\s+old)?|y/?o|yrs)\b)?"
        ):
            lo, hi = float(m.group("lo")), float(m.group("hi"))
            phrase = m.group("field")
            cand, found = ed.resolve_suffix(re.sub(r"\b(?:between|from|ranging|range)\b", " ", phrase))
            if re.search(r"\b(?:born|birth|birthdays?)\b", phrase, re.I):
                cand = ed.resolve_suffix("date of birth")[0] or ed.resolve_suffix("birth date")[0] or cand
                if not cand:
                    continue
            elif m.group("after") or re.search(r"\b(?:aged?|ages)\b", phrase, re.I):
                cand = "age"
            elif not found:
                continue
            if self._set_range(ed, cand, lo, hi, understood):
                t.consume(m.start(), m.end())
                changed = True
            elif cand == "age":
                t.consume(m.start(), m.end())
                spec = {"name": "age", "type": "integer", "constraints": {"min": int(lo), "max": int(hi)}}
                ed.add(ed.table(None), spec)
                understood.append(f"age: {int(lo)} to {int(hi)} (added an age field)")
                changed = True
        for m in t.finditer(r"\b(?:adults?(?:\s+only)?|over\s+18s?|18\s*\+)\b"):
            if self._set_range(ed, "age", 18, self._max_age(ed), understood):
                t.consume(m.start(), m.end())
                changed = True
        return changed

    def _max_age(self, ed: _SchemaEditor) -> float:
        found = ed.resolve("age")
        if found:
            mx = ed.constraints(found[0][1]).get("max")
            if isinstance(mx, int | float) and mx > 18:
                return float(mx)
        return 90.0

    def _bounds(self, t: _Text, ed: _SchemaEditor, understood: list[str]) -> bool:
        changed = False
        ops = {
            "over": "min", "above": "min", "more than": "min", "greater than": "min", "at least": "min",
            "min": "min", "minimum": "min", ">=": "min", ">": "min", "starting at": "min", "from": "min",
            "under": "max", "below": "max", "less than": "max", "at most": "max", "up to": "max", "max": "max",
            "maximum": "max", "<=": "max", "<": "max", "no more than": "max", "not above": "max",
        }  # fmt: skip
        op_re = "|".join(sorted((re.escape(o) for o in ops), key=len, reverse=True))
        money = r"(?:[$\u20ac\u00a3]\s*)?"
        currency = r"(?:\s*(?:[$\u20ac\u00a3]|usd|eur|gbp|dollars?|euros?|pounds?)\b)?"
        for m in t.finditer(
            rf"\b(?P<field>{_WORDS3})\s+(?:(?:of|is|are|must be|should be)\s+)?(?P<op>{op_re})\s*{money}"
            rf"(?P<v>{_NUM})\b{currency}"
        ):
            _cand, found = ed.resolve_suffix(m.group("field"))
            start = m.start()
            # A number bounds numbers: "orders over 250" is not about order_id or order_date.
            found = [(tb, f) for tb, f in found if f.get("type") in {"amount", "decimal", "float", "integer"}]
            in_currency = re.search(r"[$\u20ac\u00a3]|usd|eur|gbp|dollar|euro|pound", m.group(0), re.I) is not None
            names_table = any(
                set(_phrase_tokens(m.group("field"))) & set(_phrase_tokens(str(tb["name"]).replace("_", " ")))
                for tb in ed.tables
            )
            if not found and (in_currency or names_table):  # "transactions above $1,000", "orders over 250 EUR"
                found, start = self._money_fields(t, ed), m.start("op")
            if not found:
                continue
            value = float(m.group("v"))
            bound = ops[m.group("op").lower()]
            for _, fld in found:
                c = ed.constraints(fld)
                c[bound] = int(value) if fld.get("type") == "integer" else value
                lo, hi = c.get("min"), c.get("max")
                if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
                    # Keep the other bound consistent: widen it rather than produce an impossible range.
                    if bound == "min":
                        c["max"] = c["min"] * 10 if c["min"] > 0 else c["min"] + 100
                    else:
                        c["min"] = 0 if c["max"] > 0 else c["max"] - 100
                dist = c.get("distribution")
                if isinstance(dist, dict) and dist.get("kind") == "normal":
                    c.pop("distribution")
            t.consume(start, m.end())
            names = ", ".join(sorted({f["name"] for _, f in found}))
            understood.append(f"{names}: {bound} {self._num(value)}")
            changed = True
        return changed

    @staticmethod
    def _money_fields(t: _Text, ed: _SchemaEditor) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The money field a bound in a currency means: in the tables the text names (else all), the
        ``amount`` fields, the field named amount/total first."""
        words = set(_phrase_tokens(t.text))
        named = [tb for tb in ed.tables if set(_phrase_tokens(str(tb["name"]).replace("_", " "))) & words]
        for table in named or ed.tables:
            money = [f for f in table["fields"] if f.get("type") in {"amount", "decimal"}]
            money = money or [f for f in table["fields"] if f.get("type") == "float" and re.search(
                r"amount|total|price|balance|value|cost", str(f.get("name")))]  # fmt: skip
            if money:
                best = next((f for f in money if re.search(r"amount|total", str(f.get("name")))), money[0])
                return [(table, best)]
        return []

    def _enums(self, t: _Text, ed: _SchemaEditor, understood: list[str]) -> bool:
        changed = False
        values_re = r"(?P<values>[\w-]+(?:\s*[,/]\s*[\w-]+)*(?:,?\s+(?:or|and)\s+[\w-]+)?)"
        for m in t.finditer(
            rf"\b(?P<field>{_WORDS3})\s+(?:(?:is|are|must be|should be)\s+)?"
            rf"(?:one of|either|limited to|restricted to|among|from|values?|in)\s*:?\s*{values_re}"
        ):
            _cand, found = ed.resolve_suffix(m.group("field"))
            if not found:
                continue
            values = [v for v in re.split(r"\s*(?:,|\bor\b|\band\b|/)\s*", m.group("values")) if v]
            if len(values) < 2 or any(re.fullmatch(_NUM, v) for v in values):
                continue
            for _, fld in found:
                c = ed.constraints(fld)
                fld["type"] = "category"
                c["enum"] = values
                c.pop("weights", None)
                for key in ("pattern", "min", "max", "distribution", "unique"):
                    c.pop(key, None)
            t.consume(m.start(), m.end())
            understood.append(f"{', '.join(sorted({f['name'] for _, f in found}))}: one of {', '.join(values)}")
            changed = True
        return changed

    @staticmethod
    def _owners(
        ed: _SchemaEditor, values: list[str], enums: dict[int, list[Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Category fields whose values include all of ``values``, when they share one name (else [])."""
        low = [v.lower() for v in values]
        owners = [
            f
            for tb in ed.tables
            for f in tb["fields"]
            if f.get("type") == "category"
            and set(low)
            <= {str(e).lower() for e in (enums or {}).get(id(f), (f.get("constraints") or {}).get("enum") or [])}
        ]
        return owners if owners and len({f["name"] for f in owners}) == 1 else []

    def _enum_lists(self, t: _Text, ed: _SchemaEditor, understood: list[str]) -> bool:
        """Values listed without naming the field ("status pending, shipped or delivered", "monthly or
        annual plans") narrow the one category field that has all of them."""
        changed = False
        listing = re.compile(r"([a-z][\w-]*)((?:\s*,\s*[a-z][\w-]*)*)\s*,?\s+(?:or|and)\s+([a-z][\w-]*)\b", re.I)
        # Every word may start the list ("tenants, monthly or annual": the list is "monthly or annual").
        for start in (w.start() for w in re.finditer(r"\b[a-z]", t.remaining(), re.IGNORECASE)):
            m = listing.match(t.remaining(), start)
            if m is None or not t.free(m.start(), m.end()):
                continue
            values = [m.group(1), *re.findall(r"[a-z][\w-]*", m.group(2), re.IGNORECASE), m.group(3)]
            owners = self._owners(ed, values)
            if len(values) < 2 or not owners:
                continue
            for fld in owners:
                c = ed.constraints(fld)
                enum, weights = list(c["enum"]), c.get("weights")
                keep = [i for i, e in enumerate(enum) if str(e).lower() in {v.lower() for v in values}]
                c["enum"] = [enum[i] for i in keep]
                if weights and len(weights) == len(enum):
                    c["weights"] = [weights[i] for i in keep]
                else:
                    c.pop("weights", None)
            t.consume(m.start(), m.end())
            understood.append(f"{owners[0]['name']}: one of {', '.join(ed.constraints(owners[0])['enum'])}")
            changed = True
        # "annual plans only", "only active users": one value.
        for m in t.finditer(r"\bonly\s+([a-z][\w-]*)\b|\b([a-z][\w-]*)(?:\s+[a-z][\w-]*)?\s+only\b"):
            value = m.group(1) or m.group(2)
            owners = self._owners(ed, [value])
            if not owners:
                continue
            for fld in owners:
                c = ed.constraints(fld)
                c["enum"] = [e for e in c["enum"] if str(e).lower() == value.lower()]
                c.pop("weights", None)
            t.consume(m.start(), m.end())
            understood.append(f"{owners[0]['name']}: {ed.constraints(owners[0])['enum'][0]} only")
            changed = True
        return changed

    def _enum_weights(
        self, t: _Text, ed: _SchemaEditor, understood: list[str], originals: dict[int, list[Any]]
    ) -> bool:
        """ "5% cancelled", "20% of them premium": a share for one value of a category field; the other
        values keep their relative weights in what is left."""
        shares: dict[str, tuple[list[dict[str, Any]], dict[str, float]]] = {}
        for m in t.finditer(rf"\b({_NUM})\s*%\s+(?:of\s+(?:them|the\s+\w+)\s+)?(?:(?:are|is|as)\s+)?([a-z][\w-]*)\b"):
            value = m.group(2)
            owners = self._owners(ed, [value], originals)
            if not owners:
                continue
            name = owners[0]["name"]
            shares.setdefault(name, (owners, {}))[1][value.lower()] = float(m.group(1)) / 100.0
            t.consume(m.start(), m.end())
        for name, (owners, fixed) in shares.items():
            if sum(fixed.values()) > 1.0 + 1e-9:
                raise PlanningError(f"the shares given for {name} add up to more than 100%")
            for fld in owners:
                c = ed.constraints(fld)
                enum = list(c["enum"])
                original = {str(e).lower(): e for e in originals.get(id(fld), [])}
                enum += [original[v] for v in fixed if v not in {str(e).lower() for e in enum}]
                old = c.get("weights") if c.get("weights") and len(c["weights"]) == len(c["enum"]) else None
                base = {str(e).lower(): float(old[i]) if old else 1.0 for i, e in enumerate(c["enum"])}
                rest = [str(e).lower() for e in enum if str(e).lower() not in fixed]
                free = max(0.0, 1.0 - sum(fixed.values()))
                total = sum(base.get(v, 0.0) for v in rest) or 1.0
                c["enum"] = enum
                c["weights"] = [
                    fixed[v] if v in fixed else free * base.get(v, 0.0) / total for v in (str(e).lower() for e in enum)
                ]
            parts = ", ".join(f"{v} {fixed[v]:.0%}" for v in fixed)
            understood.append(f"{name}: {parts} (the other values share the rest)")
        return bool(shares)

    def _uniques(self, t: _Text, ed: _SchemaEditor, understood: list[str]) -> bool:
        changed = False
        for pattern, where in (
            (rf"\b(?:unique|distinct|no duplicate)\s+(?P<field>{_WORDS3})", "prefix"),
            (rf"\b(?P<field>{_WORDS3})\s+(?:must be|should be|are|is)\s+unique\b", "suffix"),
        ):
            for m in t.finditer(pattern):
                phrase = m.group("field")
                _cand, found = ed.resolve_prefix(phrase) if where == "prefix" else ed.resolve_suffix(phrase)
                if not found:
                    continue
                for _, fld in found:
                    ed.constraints(fld)["unique"] = True
                t.consume(m.start(), m.end())
                understood.append(f"{', '.join(sorted({f['name'] for _, f in found}))}: unique")
                changed = True
        return changed

    def _additions(self, t: _Text, ed: _SchemaEditor, understood: list[str], assumptions: list[str]) -> bool:
        changed = False
        for m in t.finditer(
            r"\b(?:add|adding|plus|also include|include|including|with an? (?:extra|additional|new))\s+"
            r"(?:an?\s+|the\s+|some\s+)?(?:new\s+|extra\s+|additional\s+)?"
            r"(?P<name>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)(?:\s+(?:field|column|attribute|flag))?"
            r"(?:\s+(?:to|on|for)\s+(?:the\s+)?(?P<table>[a-z_]+))?(?=$|[,.;]|\s+(?:and|with|to|for|as|in|of|then)\b)"
        ):
            phrase = m.group("name")
            if re.fullmatch(r"(?:fields?|columns?|data|records?|rows?|edge cases?|nulls?|them|it|more|\d+.*)", phrase):
                continue
            if ed.resolve(phrase):
                t.consume(m.start(), m.end())
                assumptions.append(f"'{phrase}': already in the schema, left as it is")
                continue
            spec, known = field_from_phrase(phrase)
            if not known and category_values(phrase) is None:
                assumptions.append(f"field '{spec['name']}': not a known kind of value, generated as short text")
            table = ed.table(m.group("table"))
            ed.add(table, spec)
            t.consume(m.start(), m.end())
            detail = f"one of {', '.join(spec['constraints']['enum'])}" if spec["type"] == "category" else spec["type"]
            understood.append(f"added {table['name']}.{spec['name']} ({detail})")
            changed = True
        # "with a loyalty tier", "with a risk segment and a signup date": only known kinds of value count.
        for m in t.finditer(
            r"\b(?:with|and)\s+an?\s+(?P<name>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)(?=$|[,.;]|\s+(?:and|with|as|in|for|to)\b)"
        ):
            phrase = m.group("name")
            spec, known = field_from_phrase(phrase)
            if not known or spec["type"] in {"string", "sentence"}:
                continue
            t.consume(m.start(), m.end())
            if ed.resolve(phrase):
                continue
            table = ed.table(" ".join(re.findall(r"[a-z]+", t.text[max(0, m.start() - 60) : m.start()].lower())[-6:]))
            ed.add(table, spec)
            detail = f"one of {', '.join(spec['constraints']['enum'])}" if spec["type"] == "category" else spec["type"]
            understood.append(f"added {table['name']}.{spec['name']} ({detail})")
            changed = True
        return changed

    def _removals(self, t: _Text, ed: _SchemaEditor, understood: list[str], assumptions: list[str]) -> bool:
        changed = False
        for m in t.finditer(
            r"\b(?P<verb>remove|drop|delete|exclude|omit|skip|without|no)\s+(?:the\s+|any\s+|all\s+)?"
            r"(?P<name>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)(?:\s+(?:fields?|columns?|numbers?|data|values?))?\b"
        ):
            cand, found = ed.resolve_prefix(m.group("name"))
            if not found:
                if m.group("verb").lower() in {"remove", "drop", "delete", "exclude", "omit"}:
                    t.consume(m.start(), m.end())
                    name = re.sub(r"\s+(?:fields?|columns?)$", "", m.group("name"))
                    assumptions.append(f"'{name}': no such field to remove")
                continue
            removed = [f["name"] for tbl, f in found if ed.remove(tbl, f)]
            t.consume(m.start(), m.end())
            if removed:
                understood.append("removed " + ", ".join(sorted(set(removed))))
                changed = True
            else:
                assumptions.append(f"'{cand}': kept (a key or the only field)")
        return changed

    def _recent(self, t: _Text, ed: _SchemaEditor, understood: list[str]) -> bool:
        """ "from the last 30 days" / "over the past 2 years": event timestamps end now and start N units ago."""
        units = {"day": "d", "week": "w", "month": "mo", "year": "y", "hour": "h", "quarter": "mo"}
        for m in t.finditer(
            r"\b(?:in|from|over|during|within|for)?\s*the\s+(?:last|past|previous)\s+(?P<n>\d+)?\s*"
            r"(?P<unit>hours?|days?|weeks?|months?|quarters?|years?)\b"
        ):
            said = int(m.group("n") or 1)
            unit = units[m.group("unit").lower().rstrip("s")]
            n = said * 3 if m.group("unit").lower().startswith("quarter") else said
            touched = []
            words = set(_phrase_tokens(t.text))
            named = [tb for tb in ed.tables if set(_phrase_tokens(tb["name"].replace("_", " "))) <= words]
            for table in named or ed.tables:
                for fld in table["fields"]:
                    name = fld["name"].lower()
                    if fld.get("type") not in {"datetime", "timestamp", "date"} or re.search(r"birth|dob", name):
                        continue
                    c = ed.constraints(fld)
                    c["min"], c["max"], c["relative_to_now"] = f"-{n}{unit}", "now", True
                    touched.append(f"{table['name']}.{fld['name']}" if len(ed.tables) > 1 else fld["name"])
            if touched:
                t.consume(m.start(), m.end())
                understood.append(f"time range: the last {said} {m.group('unit')} up to now ({', '.join(touched)})")
                return True
        return False

    _NUMERIC_TYPES = frozenset({"integer", "float", "decimal", "amount", "date", "datetime", "timestamp"})
    _TEXT_TYPES = frozenset({"string", "text", "sentence", "full_name", "first_name", "last_name", "company",
                             "address", "street_address", "city", "username", "word"})  # fmt: skip

    def _edge_cases(self, t: _Text, ed: _SchemaEditor, understood: list[str]) -> bool:
        """ "with edge cases" / "boundary values" / "for security testing": inject boundary values."""
        edge = t.finditer(r"\b(?:edge[- ]cases?|boundary values?|corner cases?|negative testing)\b")
        security = t.finditer(r"\b(?:security|penetration|pen|injection|fuzz(?:ing)?)\s*(?:test(?:s|ing)?)?\b")
        if not edge and not security:
            return False
        for m in edge + security:
            t.consume(m.start(), m.end())
        numeric, text = ["min", "max"], ["unicode", "special_chars"] + (["very_long"] if security else [])
        touched = []
        for table in ed.tables:
            for fld in table["fields"]:
                if fld.get("primary_key") or fld.get("type") == "reference":
                    continue
                c = ed.constraints(fld)
                if c.get("unique") or c.get("enum"):
                    continue
                kinds = (
                    numeric
                    if fld.get("type") in self._NUMERIC_TYPES
                    else text
                    if fld.get("type") in self._TEXT_TYPES
                    else []
                )
                if edge and not kinds:
                    continue
                if kinds:
                    c["edge_cases"] = list(dict.fromkeys([*(c.get("edge_cases") or []), *kinds]))
                    c.setdefault("edge_case_rate", 0.02)
                    touched.append(fld["name"])
        if not touched:
            return False
        what = "boundary values and " + ("injection-style text" if security else "unicode/special characters")
        understood.append(f"edge cases: {what} in {len(touched)} fields (2% of rows)")
        return True

    # ----------------------------------------------------------------------------------------------
    def _volume(self, t: _Text, understood: list[str], ed: _SchemaEditor | None = None) -> int | None:
        """The record count; for a child table named by the noun ("10k orders"), the root count that yields it."""
        rest = t.remaining()
        candidates: list[tuple[int, int, int]] = []  # (priority, position, value)
        nouns: dict[int, str] = {}
        table_words = {w for tb in (ed.tables if ed else []) for w in _phrase_tokens(tb["name"].replace("_", " "))}
        for m in re.finditer(r"(?<![\w.%-])(\d+)(?![\w.%]|\.\d)", rest):
            value = int(m.group(1))
            # Free digits only, but read their context in the full text (a noun may belong to a constraint).
            before = t.text[max(0, m.start() - 40) : m.start()].lower()
            after = t.text[m.end() : m.end() + 60].lower()
            if re.search(r"\b(?:in|since|from|year|until|before|after)\s*$", before) and 1900 <= value <= 2100:
                continue
            # "200 gadgets", "200 zorbs gadgets": a table's name within the next three words.
            first = re.match(r"\s+((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*)", after)
            if re.match(rf"\s+(?:[\w-]+\s+){{0,3}}?{_RECORD_NOUN}\b", after) or (
                first is not None and set(_phrase_tokens(first.group(1))) & table_words
            ):
                candidates.append((0, m.start(), value))
                nouns[m.start()] = " ".join(re.findall(r"[a-z][\w-]*", after)[:4])
            elif re.search(
                r"\b(?:generate|create|make|produce|give(?: me)?|need|want|build|it|volume|of|with|to)\s*$", before
            ):
                candidates.append((1, m.start(), value))
            elif re.match(r"\s*(?:$|[,.;]|x\b|times\b|of them\b)", after) or re.search(r"\bmake it\s*$", before):
                candidates.append((2, m.start(), value))
        if not candidates:
            return None
        candidates.sort()
        _, position, value = candidates[0]
        if value < 1:
            raise PlanningError("the number of records must be at least 1")
        if value > MAX_VOLUME:
            raise PlanningError(
                f"{_fmt_int(value)} records is more than the limit of {_fmt_int(MAX_VOLUME)} per request"
            )
        scaled = self._scale_to_table(ed, nouns.get(position, ""), value) if ed is not None else None
        if scaled is not None:
            root_volume, explanation = scaled
            understood.append(f"volume: {_fmt_int(value)} {explanation}")
            return root_volume
        understood.append(f"volume: {_fmt_int(value)} records")
        return value

    @staticmethod
    def _table_counts(t: _Text, ed: _SchemaEditor, assumptions: list[str]) -> list[tuple[str, int]]:
        """Counts that name a table of the schema ("10k customers", "from 500 devices", "1 million IoT
        temperature readings"), in the order written; their numbers are consumed so that no constraint
        reads them.

        The table's word must come within three words of the number and before any joining word, so in
        "between 40000 and 120000 and a department" the 120000 stays a salary bound. A range of counts
        ("100-200 users") takes its upper end, and says so.
        """
        ranges = assumptions
        tables = [str(tb["name"]) for tb in ed.tables]
        tokens_of = {n: set(_phrase_tokens(n.replace("_", " "))) for n in tables}
        joining = {"and", "or", "a", "an", "the", "to", "per", "of", "with", "for", "from", "in", "each", "by",
                   "at", "on", "than", "between", "plus", "minus", "is", "are", "as", "x", "times"}  # fmt: skip
        found: list[tuple[str, int]] = []
        heads = {n: _phrase_tokens(n.replace("_", " "))[-1:] for n in tables}
        # Over the unconsumed text: "50 devices as parquet" once "as parquet" is read as the format.
        count_re = (
            r"(?<![\w.%-])(?:(?:between\s+)?(?P<low>\d+)\s*(?:-|\u2013|to|and)\s*)?(\d+)((?:\s+[a-z][\w-]*){1,3})"
        )
        for m in re.finditer(count_re, t.remaining(), re.IGNORECASE):
            value = int(m.group(2))
            low = int(m.group("low")) if m.group("low") else None
            if low is not None and not low < value:
                continue
            before = t.text[max(0, m.start() - 40) : m.start()].lower()
            if re.search(r"\b(?:in|since|year|until|before|after)\s*$", before) and 1900 <= value <= 2100:
                continue
            words: list[tuple[set[str], int]] = []  # (tokens, end offset) up to the first joining word
            for word in re.finditer(r"[a-z][\w-]*", m.group(3), re.IGNORECASE):
                if word.group(0).lower() in joining:
                    break
                words.append((set(_phrase_tokens(word.group(0))), word.end()))
            # The head noun is the last word naming a table ("order items" -> order_items, not orders);
            # among tables with that head, the one whose other words are there too.
            best: tuple[int, int, str, int] | None = None
            for i, (toks, end) in enumerate(words):
                phrase = set().union(*(w for w, _ in words[: i + 1]))
                for n in tables:
                    if heads[n] and heads[n][0] in toks:
                        key = (i, len(tokens_of[n] & phrase) - len(tokens_of[n]), n, end)
                        if best is None or key[:2] > best[:2]:
                            best = key
            if best is not None:
                t.consume(m.start(), m.end(2))  # the numbers only: "employees" may still scope a constraint
                found.append((best[2], value))
                if low is not None:
                    ranges.append(f"{_fmt_int(value)} {best[2]}: the upper end of {_fmt_int(low)}-{_fmt_int(value)}")
        return found

    def _apply_table_counts(self, counts: list[tuple[str, int]], ed: _SchemaEditor, understood: list[str]) -> int:
        """Volumes from table counts. The first count decides the request's volume; a count for a child
        table is met exactly (its ``volume`` set) with its root sized to keep the template's ratio; a
        later count sets that table's rows (a root named there sizes the first count's chain)."""
        by_name = {str(tb["name"]): tb for tb in ed.tables}
        for _, value in counts:
            if value < 1:
                raise PlanningError("the number of records must be at least 1")
            if value > MAX_VOLUME:
                raise PlanningError(
                    f"{_fmt_int(value)} records is more than the limit of {_fmt_int(MAX_VOLUME)} per request"
                )
        (target, value), later = counts[0], dict(counts[1:])
        later.pop(target, None)
        chain, factor = _chain_to_root(ed, target)
        root = chain[-1]
        if root == target:
            volume = value
            understood.append(f"volume: {_fmt_int(value)} {target}")
        else:
            given = later.pop(root, None)
            volume = given if given is not None else max(1, round(value / factor))
            by_name[target]["volume"] = value
            how = "given" if given is not None else "sized to keep the usual ratio"
            understood.append(
                f"volume: {_fmt_int(value)} {target} exactly, over {_fmt_int(volume)} {root} ({how}; about "
                f"{_fmt_ratio(value / volume)} {target} each)"
            )
        for name, rows in later.items():
            by_name[name]["volume"] = rows
            understood.append(f"{name}: {_fmt_int(rows)} rows")
        return volume

    @staticmethod
    def _scale_to_table(ed: _SchemaEditor, noun_phrase: str, value: int) -> tuple[int, str] | None:
        """When a count that :meth:`_table_counts` did not take names a child table: the child gets exactly
        that many rows and its root the usual ratio ("300 employees" -> 8 departments, 300 employees)."""
        tables = {tb["name"]: tb for tb in ed.tables}
        if len(tables) < 2 or not noun_phrase:
            return None
        words = set(_phrase_tokens(noun_phrase))
        ranked = sorted(
            (
                (tk <= words, len(tk & words), -len(tk), n)
                for n in tables
                if (tk := set(_phrase_tokens(n.replace("_", " ")))) & words
            ),
            reverse=True,
        )
        if not ranked:
            return None
        target = ranked[0][3]
        chain, factor = _chain_to_root(ed, target)
        if len(chain) == 1:
            return None
        root_volume = max(1, round(value / factor))
        tables[target]["volume"] = value  # met exactly, as for a count found before the constraints
        return root_volume, (
            f"{target} exactly, over {_fmt_int(root_volume)} {chain[-1]} (sized to keep the usual ratio; about "
            f"{_fmt_ratio(value / root_volume)} {target} each)"
        )


def _chain_to_root(ed: _SchemaEditor, table: str) -> tuple[list[str], float]:
    """The tables from ``table`` up to the root its rows follow (through references with a cardinality),
    and how many ``table`` rows one root row yields on average."""
    tables = {str(tb["name"]): tb for tb in ed.tables}
    factor, chain, name = 1.0, [table], table
    while name in tables:
        ref = next((f for f in tables[name]["fields"] if f.get("type") == "reference" and f.get("cardinality")), None)
        if ref is None or (name != table and tables[name].get("volume") is not None):
            break
        card = ref["cardinality"]
        mean = card.get("mean")
        if mean is None:
            lo, hi = float(card.get("min") or 0), card.get("max")
            mean = (lo + float(hi)) / 2 if hi is not None else max(lo, 1.0)
        parent = str(ref.get("references", "")).split(".")[0]
        if parent not in tables or parent in chain:
            break
        factor *= max(float(mean), 1e-6)
        chain.append(parent)
        name = parent
    return chain, factor


def plan_request(prompt: str, previous: Plan | None = None, *, retriever: Retriever | None = None) -> Plan:
    """Convenience: one planner call with the configured knowledge base."""
    return OfflinePlanner(retriever).plan(prompt, previous)


def schema_of(plan: Plan) -> Schema:
    """The plan's schema (always present: the planner embeds the template it chose)."""
    assert plan.request.schema_ is not None
    return plan.request.schema_
