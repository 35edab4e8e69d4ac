"""Compliance checks driven by the rule files in ``rules/*.yaml``.

The rules are data so that compliance officers can read and extend them, and so that the knowledge base can
index the very same text the checker runs. A rule matches a field by type or by name; a field produced by
one of the rule's safe generators (synthetic by construction) is downgraded to ``safe_severity``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from sdga.errors import ConfigurationError
from sdga.models import ComplianceIssue, ComplianceRequirement, FieldSpec, Schema, Severity

RULE_FILES: dict[ComplianceRequirement, str] = {
    ComplianceRequirement.GDPR: "gdpr.yaml",
    ComplianceRequirement.HIPAA: "hipaa.yaml",
    ComplianceRequirement.PCI_DSS: "pci-dss.yaml",
    ComplianceRequirement.SOC2: "soc2.yaml",
    ComplianceRequirement.CCPA: "ccpa.yaml",
}

#: Key types: a random surrogate key never carries personal data, whatever its name says.
KEY_TYPES: frozenset[str] = frozenset({"uuid", "sequence", "reference"})
#: Generators that draw only from fictional or reserved ranges (see ``sdga.engine.safety``). A field of one
#: of these types is never more than a warning, even when a rule's name match would otherwise be an error.
SYNTHETIC_TYPES: frozenset[str] = frozenset(
    {
        "email", "phone", "ssn", "credit_card", "iban", "ipv4", "ipv6", "mac_address", "first_name", "last_name",
        "full_name", "username", "address", "street_address", "city", "state", "postal_code", "country",
        "country_code", "url", "domain", "password_hash", "user_agent", "latitude", "longitude", "company",
        "job_title",
    }
)  # fmt: skip

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_name(name: str) -> str:
    """``cardNumber``, ``Card-Number`` and ``card_number`` all become ``card_number``."""
    snake = _CAMEL.sub("_", name.strip())
    return _NON_WORD.sub("_", snake.lower()).strip("_")


@dataclass(frozen=True)
class ComplianceRule:
    """One rule of a regime, as written in its YAML file."""

    id: str
    requirement: str
    title: str
    severity: Literal["error", "warning"]
    why: str
    fix: str
    names: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    types: frozenset[str] = frozenset()
    safe_types: frozenset[str] = frozenset()
    safe_severity: Literal["error", "warning", "pass"] = "warning"
    pass_when_format: str | None = None
    only_when_max_above: float | None = None
    strict: bool = False
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def name_matches(self, normalised: str) -> bool:
        return bool(self._regex and self._regex.search(normalised))

    def evaluate(self, spec: FieldSpec) -> Literal["error", "warning", "pass"] | None:
        """Severity this rule gives ``spec``, ``'pass'`` when it matches but is compliant, None if it does not apply."""
        if spec.type not in self.types and not self.name_matches(normalise_name(spec.name)):
            return None
        c = spec.constraints
        if self.only_when_max_above is not None:
            upper = _as_float(c.max)
            if upper is not None and upper <= self.only_when_max_above:
                return "pass"
            if c.enum is not None:
                values = [v for v in (_as_float(e) for e in c.enum) if v is not None]
                if values and max(values) <= self.only_when_max_above:
                    return "pass"
        if self.pass_when_format and c.format and re.search(self.pass_when_format, c.format):
            return "pass"
        if self.strict:
            return self.severity
        if spec.type in self.safe_types:
            return self.safe_severity
        if spec.type in KEY_TYPES or spec.primary_key:
            return "pass"
        if spec.type in SYNTHETIC_TYPES:
            return "warning"
        return self.severity


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _name_regex(names: Iterable[str], patterns: Iterable[str]) -> re.Pattern[str] | None:
    # A listed word matches as whole underscore-separated words; inner underscores are optional so that
    # ``cardnumber`` matches ``card_number``.
    parts = [r"(?:^|_)" + r"_?".join(re.escape(w) for w in n.split("_")) + r"(?:_|$)" for n in names]
    parts.extend(f"(?:{p})" for p in patterns)
    return re.compile("|".join(parts)) if parts else None


def _parse_rule(raw: dict[str, Any], requirement: str, source: str) -> ComplianceRule:
    try:
        names = tuple(normalise_name(str(n)) for n in raw.get("names", []))
        patterns = tuple(str(p) for p in raw.get("patterns", []))
        pass_when = raw.get("pass_when") or {}
        only_when = raw.get("only_when") or {}
        rule = ComplianceRule(
            id=str(raw["id"]),
            requirement=requirement,
            title=str(raw["title"]),
            severity=raw.get("severity", "error"),
            why=" ".join(str(raw["why"]).split()),
            fix=" ".join(str(raw["fix"]).split()),
            names=names,
            patterns=patterns,
            types=frozenset(str(t) for t in raw.get("types", [])),
            safe_types=frozenset(str(t) for t in raw.get("safe_types", [])),
            safe_severity=raw.get("safe_severity", "warning"),
            pass_when_format=pass_when.get("format"),
            only_when_max_above=only_when.get("max_above"),
            strict=bool(raw.get("strict", False)),
            _regex=_name_regex(names, patterns),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise ConfigurationError(f"compliance rule file {source} is malformed: {exc!r}") from exc
    if rule.severity not in ("error", "warning") or rule.safe_severity not in ("error", "warning", "pass"):
        raise ConfigurationError(f"compliance rule {rule.id} in {source} has an unknown severity")
    return rule


@cache
def load_rules(requirement: ComplianceRequirement) -> tuple[ComplianceRule, ...]:
    """The rules of one regime, parsed once from the packaged YAML file."""
    filename = RULE_FILES[requirement]
    text = resources.files("sdga.validation").joinpath("rules").joinpath(filename).read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise ConfigurationError(f"compliance rule file {filename} has no 'rules' list")
    return tuple(_parse_rule(r, requirement.value, filename) for r in doc["rules"])


def rule_documents() -> dict[str, str]:
    """Raw YAML text of every regime keyed by requirement, for indexing in the knowledge base."""
    root = resources.files("sdga.validation").joinpath("rules")
    return {req.value: root.joinpath(name).read_text(encoding="utf-8") for req, name in RULE_FILES.items()}


def iter_fields(schema: Schema) -> Iterator[tuple[str, FieldSpec]]:
    """Every field with a readable path (``table.field``, nested ``table.parent.child``)."""
    tables = schema.table_list()
    multi = len(tables) > 1 or bool(schema.tables)

    def walk(prefix: str, specs: Iterable[FieldSpec]) -> Iterator[tuple[str, FieldSpec]]:
        for spec in specs:
            path = f"{prefix}{spec.name}"
            yield path, spec
            if spec.fields:
                yield from walk(path + ".", spec.fields)
            if spec.items is not None:
                yield path + "[]", spec.items
                if spec.items.fields:
                    yield from walk(path + "[].", spec.items.fields)

    for table in tables:
        yield from walk(f"{table.name}." if multi else "", table.fields)


def check_compliance(schema: Schema, requirements: Iterable[ComplianceRequirement | str]) -> list[ComplianceIssue]:
    """Compliance issues of ``schema`` for the given regimes (errors and warnings; passes are omitted)."""
    issues: list[ComplianceIssue] = []
    reqs = list(dict.fromkeys(ComplianceRequirement(r) for r in requirements))
    fields = list(iter_fields(schema))
    for req in reqs:
        for rule in load_rules(req):
            for path, spec in fields:
                verdict = rule.evaluate(spec)
                if verdict is None or verdict == "pass":
                    continue
                safe = spec.type in rule.safe_types or spec.type in SYNTHETIC_TYPES
                issue = f"{rule.title}: {rule.why}"
                if safe:
                    issue = f"{rule.title} (synthetic `{spec.type}` generator, no real values): {rule.why}"
                issues.append(
                    ComplianceIssue(
                        field=path,
                        requirement=req.value,
                        issue=issue,
                        severity=Severity(verdict),
                        fix=rule.fix,
                        rule_id=rule.id,
                    )
                )
    return issues
