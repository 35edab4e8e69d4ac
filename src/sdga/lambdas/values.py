"""Values as agents write them: Bedrock sends every body property as a string, and models fill them loosely.

A schema arrives as one JSON-encoded string — or YAML, or the Java ``toString`` form ``{key=value}`` some
agents produce, or JSON encoded twice; numbers as ``"1,000"`` or ``"2e2"``; compliance regimes as
``"gdpr, pci dss; SOC 2"``. These helpers turn them into what the request models expect, and refuse
what cannot be read with a clear :class:`~sdga.errors.InvalidInputError`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from sdga.errors import InvalidInputError
from sdga.models import ComplianceRequirement

_TOKEN = re.compile(r"\s*([{}\[\],=:])\s*|\s*([^{}\[\],=]+?)\s*(?=[{}\[\],=]|$)")


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", low):
        return float(text)
    return text


def parse_key_value(text: str) -> Any:
    """Parse the Java ``toString`` style ``{name=id, constraints={unique=true}, tags=[a, b]}``."""
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected character at {pos}")
        tokens.append(m.group(1) or m.group(2))
        pos = m.end()
    index = 0

    def value() -> Any:
        nonlocal index
        if index >= len(tokens):
            raise ValueError("unexpected end")
        tok = tokens[index]
        if tok == "{":
            index += 1
            out: dict[str, Any] = {}
            while tokens[index] != "}":
                key = tokens[index]
                if tokens[index + 1] not in ("=", ":"):
                    raise ValueError(f"expected '=' after {key!r}")
                index += 2
                out[key] = value()
                if tokens[index] == ",":
                    index += 1
            index += 1
            return out
        if tok == "[":
            index += 1
            items: list[Any] = []
            while tokens[index] != "]":
                items.append(value())
                if tokens[index] == ",":
                    index += 1
            index += 1
            return items
        index += 1
        return _scalar(tok)

    try:
        result = value()
    except IndexError as exc:
        raise ValueError("unbalanced brackets") from exc
    if index != len(tokens):
        raise ValueError("trailing text")
    return result


def parse_structured(value: Any, what: str, *, _depth: int = 0) -> Any:
    """A JSON-encoded (or YAML, or ``{key=value}``) object or list from a Bedrock string property."""
    if value is None or isinstance(value, dict | list):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        pass
    else:
        if isinstance(data, str) and _depth < 3:  # JSON encoded twice (or thrice) by an eager agent
            return parse_structured(data, what, _depth=_depth + 1)
        return data
    if text.startswith(("{", "[")) and "=" in text:
        try:
            return parse_key_value(text)
        except ValueError:
            pass
    try:
        import yaml

        data = yaml.safe_load(text)
        if isinstance(data, dict | list):
            return data
    except Exception:
        pass
    raise InvalidInputError(
        f'{what} must be a JSON-encoded object (e.g. {{"fields": [{{"name": "id", "type": "uuid"}}]}}); '
        "it could not be parsed as JSON, YAML or key=value text",
        details={"field": what},
    )


def parse_list(value: Any, what: str) -> list[str]:
    """``"GDPR, HIPAA"``, ``'["GDPR","HIPAA"]'`` or ``"[GDPR, HIPAA]"`` → ``["GDPR", "HIPAA"]``."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            data = json.loads(text)
            if isinstance(data, list):
                return [str(v).strip() for v in data if str(v).strip()]
        except ValueError:
            text = text[1:-1] if text.endswith("]") else text[1:]
    return [p.strip().strip("'\"") for p in re.split(r"[,;]", text) if p.strip().strip("'\"")]


def loose_int(value: Any) -> Any:
    """``"1,000"``, ``"1 000"``, ``"2e2"`` or ``"150.0"`` as an int; anything else unchanged for pydantic to judge.

    Agents fill numbers the way people write them; a fractional or non-finite number is left as it is, so
    validation still refuses it.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if re.fullmatch(r"[+-]?\d{1,3}(?:([, ])\d{3})(?:\1\d{3})*", text):
        return int(re.sub(r"[, ]", "", text))
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", text, flags=re.IGNORECASE):
        try:
            number = float(text)
        except (OverflowError, ValueError):
            return value
        if math.isfinite(number) and number.is_integer() and abs(number) < 2**63:
            return int(number)
    return value


LooseInt = Annotated[int, BeforeValidator(loose_int)]
OptionalLooseInt = Annotated[int | None, BeforeValidator(loose_int)]

_COMPLIANCE_KEYS = {re.sub(r"[^A-Z0-9]", "", c.value): c.value for c in ComplianceRequirement}


def parse_compliance(value: Any) -> list[str]:
    """Compliance regimes however an agent spells them: ``"gdpr, pci dss; SOC 2"`` → GDPR, PCI-DSS, SOC2.

    Unknown names are passed on (upper-cased) so that validation names them in its error.
    """
    names = [_COMPLIANCE_KEYS.get(re.sub(r"[^A-Z0-9]", "", c.upper()), c.upper()) for c in parse_list(value, "x")]
    return list(dict.fromkeys(names))
