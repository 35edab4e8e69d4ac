"""Schema validation and compliance checks (the ``validate_schema`` action).

``validate_schema`` reports everything that would make generation fail or surprise; ``enforce_compliance``
is the gate generation passes through: warnings are returned, error-severity compliance issues refuse the
request unless the caller explicitly overrides them.
"""

from sdga.validation.compliance import check_compliance, load_rules, rule_documents
from sdga.validation.enforce import enforce_compliance
from sdga.validation.schema_checks import validate_schema

__all__ = ["check_compliance", "enforce_compliance", "load_rules", "rule_documents", "validate_schema"]
