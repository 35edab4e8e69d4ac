"""Compliance rules: every rule of every regime fires on a free-form field named like its data, is
downgraded for safe generators, and stays silent for unrelated fields; plus the generation gate."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from sdga.errors import ComplianceError
from sdga.models import ComplianceRequirement, GenerateDataRequest, Schema, Severity
from sdga.validation import check_compliance, enforce_compliance, load_rules, rule_documents
from sdga.validation.compliance import SYNTHETIC_TYPES, ComplianceRule, normalise_name

ALL_RULES: list[tuple[ComplianceRequirement, ComplianceRule]] = [
    (req, rule) for req in ComplianceRequirement for rule in load_rules(req)
]


def _schema(*fields: dict[str, Any]) -> Schema:
    return Schema.model_validate({"fields": list(fields)})


def _matching_name(rule: ComplianceRule) -> str:
    if rule.names:
        return rule.names[0]
    literal = rule.patterns[0].strip("^$").split("(")[0]
    assert re.fullmatch(r"[a-z_]+", literal), rule.patterns
    return literal


def _issues(rule: ComplianceRule, field: dict[str, Any]) -> list[Any]:
    return [i for i in check_compliance(_schema(field), [rule.requirement]) if i.rule_id == rule.id]


@pytest.mark.parametrize(("req", "rule"), ALL_RULES, ids=[r.id for _, r in ALL_RULES])
def test_rule_fires_on_free_text_named_like_the_data(req: ComplianceRequirement, rule: ComplianceRule) -> None:
    field: dict[str, Any] = {"name": _matching_name(rule), "type": "string"}
    issues = _issues(rule, field)
    assert len(issues) == 1, (rule.id, field)
    issue = issues[0]
    assert issue.severity == Severity(rule.severity)
    assert issue.requirement == req.value
    assert issue.fix and issue.issue and issue.field == field["name"]


@pytest.mark.parametrize(("req", "rule"), ALL_RULES, ids=[r.id for _, r in ALL_RULES])
def test_rule_is_silent_on_unrelated_fields(req: ComplianceRequirement, rule: ComplianceRule) -> None:
    assert _issues(rule, {"name": "quantity_ordered", "type": "integer"}) == []
    assert _issues(rule, {"name": "product_title_text", "type": "string"}) == []


@pytest.mark.parametrize(
    ("req", "rule"),
    [(q, r) for q, r in ALL_RULES if r.safe_types],
    ids=[r.id for _, r in ALL_RULES if r.safe_types],
)
def test_safe_generator_is_downgraded(req: ComplianceRequirement, rule: ComplianceRule) -> None:
    safe = sorted(rule.safe_types)[0]
    field: dict[str, Any] = {"name": _matching_name(rule), "type": safe}
    if safe == "category":
        field["constraints"] = {"enum": ["a", "b"]}
    if safe == "pattern":
        field["constraints"] = {"pattern": "X[0-9]{6}"}
    if safe == "reference":
        return
    issues = _issues(rule, field)
    if rule.safe_severity == "pass":
        assert issues == []
    else:
        assert [i.severity for i in issues] == [Severity(rule.safe_severity)]


def test_examples_from_the_brief() -> None:
    schema = _schema(
        {"name": "ssn", "type": "string"},
        {"name": "card_number", "type": "string"},
        {"name": "cvv", "type": "integer"},
        {"name": "diagnosis", "type": "string"},
        {"name": "ip", "type": "string"},
    )
    hipaa = {i.field: i.severity for i in check_compliance(schema, ["HIPAA"])}
    assert hipaa["ssn"] == hipaa["diagnosis"] == hipaa["ip"] == Severity.ERROR
    pci = {i.field: i.rule_id for i in check_compliance(schema, ["PCI-DSS"]) if i.severity == Severity.ERROR}
    assert pci["card_number"] == "PCI-DSS-6.5.5-PAN"
    assert pci["cvv"] == "PCI-DSS-3.3-CVV"


def test_safe_types_pass_or_warn() -> None:
    schema = _schema(
        {"name": "ssn", "type": "ssn"},
        {"name": "card_number", "type": "credit_card"},
        {"name": "email", "type": "email"},
        {"name": "phone", "type": "phone"},
        {"name": "ip", "type": "ipv4"},
    )
    for req in ComplianceRequirement:
        assert all(i.severity == Severity.WARNING for i in check_compliance(schema, [req])), req
    assert check_compliance(_schema({"name": "card_number", "type": "credit_card"}), ["PCI-DSS"]) == []


def test_cvv_is_an_error_whatever_its_type() -> None:
    for type_ in ("string", "integer", "pattern", "category", "credit_card"):
        constraints = {"pattern": "[0-9]{3}"} if type_ == "pattern" else {}
        if type_ == "category":
            constraints = {"enum": ["123"]}
        issues = check_compliance(_schema({"name": "cvv", "type": type_, "constraints": constraints}), ["PCI-DSS"])
        assert any(i.rule_id == "PCI-DSS-3.3-CVV" and i.severity == Severity.ERROR for i in issues), type_


def test_surrogate_keys_never_flagged() -> None:
    schema = Schema.model_validate(
        {
            "tables": [
                {"name": "diagnoses", "fields": [{"name": "diagnosis_id", "type": "uuid", "primary_key": True}]},
                {
                    "name": "notes",
                    "fields": [
                        {"name": "id", "type": "uuid", "primary_key": True},
                        {"name": "diagnosis_id", "type": "reference", "references": "diagnoses.diagnosis_id"},
                    ],
                },
            ]
        }
    )
    for req in ComplianceRequirement:
        assert check_compliance(schema, [req]) == []


def test_names_are_normalised() -> None:
    assert normalise_name("cardNumber") == "card_number"
    assert normalise_name("Card-Number") == "card_number"
    assert normalise_name("SSN") == "ssn"
    issues = check_compliance(_schema({"name": "creditCardNumber", "type": "string"}), ["PCI-DSS"])
    assert [i.rule_id for i in issues] == ["PCI-DSS-6.5.5-PAN"]
    # whole words only: 'zip' is not 'ip', 'spinner' is not 'pin'
    assert check_compliance(_schema({"name": "spinner", "type": "string"}), ["PCI-DSS"]) == []
    assert all(
        i.rule_id != "HIPAA-SH-15" for i in check_compliance(_schema({"name": "zip", "type": "string"}), ["HIPAA"])
    )


def test_age_over_89_only_when_the_range_allows_it() -> None:
    over = _schema({"name": "age", "type": "integer", "constraints": {"min": 0, "max": 105}})
    under = _schema({"name": "age", "type": "integer", "constraints": {"min": 0, "max": 89}})
    assert [i.rule_id for i in check_compliance(over, ["HIPAA"])] == ["HIPAA-SH-03-AGE"]
    assert check_compliance(under, ["HIPAA"]) == []


def test_hipaa_has_the_18_safe_harbor_identifiers() -> None:
    ids = {r.id for r in load_rules(ComplianceRequirement.HIPAA)}
    numbered = {m.group(1) for i in ids if (m := re.match(r"HIPAA-SH-(\d+)", i))}
    # 4 covers telephone and fax (4 and 5); 3 covers dates and ages
    assert numbered | {"05"} == {f"{n:02d}" for n in range(1, 19)}


def test_rule_files_read_as_documents() -> None:
    docs = rule_documents()
    assert set(docs) == {r.value for r in ComplianceRequirement}
    for text in docs.values():
        doc = yaml.safe_load(text)
        assert doc["title"] and doc["summary"] and doc["references"]
        for rule in doc["rules"]:
            assert {"id", "title", "severity", "why", "fix"} <= set(rule)
    assert {"ssn", "credit_card", "email", "phone", "ipv4"} <= SYNTHETIC_TYPES


def _request(**kw: Any) -> GenerateDataRequest:
    return GenerateDataRequest.model_validate(
        {"data_type": "custom", "schema": {"fields": [{"name": "ssn", "type": "string"}]}, **kw}
    )


def test_enforce_compliance_refuses_errors() -> None:
    with pytest.raises(ComplianceError) as excinfo:
        enforce_compliance(_request(compliance_requirements=["HIPAA"]))
    err = excinfo.value
    assert "allow_compliance_violations" in err.message and "`ssn`" in err.message
    assert isinstance(err.details, list) and err.details[0]["rule_id"] == "HIPAA-SH-07"
    assert err.to_response().error == "compliance_violation"


def test_enforce_compliance_override_reports_warnings() -> None:
    warnings = enforce_compliance(_request(compliance_requirements=["HIPAA"], allow_compliance_violations=True))
    assert any(w.startswith("compliance override: HIPAA HIPAA-SH-07 `ssn`") for w in warnings)


def test_enforce_compliance_without_requirements_or_on_safe_templates() -> None:
    assert enforce_compliance(_request()) == []
    warnings = enforce_compliance(
        GenerateDataRequest.model_validate({"data_type": "user_profile", "compliance_requirements": ["GDPR", "CCPA"]})
    )
    assert warnings and all("`" in w for w in warnings)


def _rule_ids(name: str) -> set[str]:
    schema = _schema({"name": name, "type": "string"})
    return {i.rule_id for i in check_compliance(schema, list(ComplianceRequirement)) if i.rule_id}


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("e_mail", "email"),
        ("social_security_number", "ssn"),
        ("social_security", "ssn"),
        ("zip", "postal_code"),
        ("zip_code", "postal_code"),
        ("postcode", "postal_code"),
        ("mobile", "phone"),
        ("mobile_number", "phone"),
        ("cell_phone", "phone"),
    ],
)
def test_name_variants_fire_the_same_rules_in_every_regime(variant: str, canonical: str) -> None:
    # The same data under a common spelling must not slip past the regimes that list only one spelling.
    assert _rule_ids(canonical), canonical
    assert _rule_ids(variant) == _rule_ids(canonical), variant


@pytest.mark.parametrize("name", ["token", "api_token", "reset_token", "jwt", "csrf_token"])
def test_tokens_are_secrets(name: str) -> None:
    assert "SOC2-CC6.1-SECRETS" in _rule_ids(name)


@pytest.mark.parametrize("name", ["token_count", "tokens_used", "mobile_app", "is_mobile", "zip_file_size"])
def test_token_and_mobile_words_elsewhere_are_not_secrets_or_phones(name: str) -> None:
    assert not _rule_ids(name) & {"SOC2-CC6.1-SECRETS", "CCPA-PI-IDENTIFIERS", "SOC2-C1.1-CUSTOMER-IDENTIFIERS"}
