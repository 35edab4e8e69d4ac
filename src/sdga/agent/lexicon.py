"""Words to schema: field phrases ("signup date", "loyalty tier") to field specs, place names to locales.

Kept apart from the planner so the vocabulary can grow without touching the parsing logic. Every entry
maps to compliance-safe types only (e-mails on reserved domains, fictional phones, test card numbers).
"""

from __future__ import annotations

import re
from typing import Any

# Locale cues, most specific first. Matched as whole words, case-insensitively.
LOCALE_CUES: list[tuple[str, str]] = [
    (r"de[_-]de|german(?:y)?|deutsch(?:land)?|berlin|munich|hamburg|austria(?:n)?|dach", "de_DE"),
    (r"en[_-]gb|uk|u\.k\.|united kingdom|britain|british|england|london|scotland|wales", "en_GB"),
    (r"fr[_-]fr|france|french|paris|lyon", "fr_FR"),
    (r"es[_-]es|spain|spanish|madrid|barcelona", "es_ES"),
    (r"it[_-]it|italy|italian|rome|milan", "it_IT"),
    (r"nl[_-]nl|netherlands|dutch|holland|amsterdam|rotterdam", "nl_NL"),
    (r"pt[_-]br|brazil(?:ian)?|portuguese|s[aã]o paulo|rio", "pt_BR"),
    (r"en[_-]us|usa|u\.s\.a?\.?|us|united states|american|america|california|new york|texas", "en_US"),
]

# Default values for category-like fields added by name ("add a loyalty tier").
CATEGORY_VALUES: list[tuple[str, list[str], list[float] | None]] = [
    (r"loyalty|tier", ["bronze", "silver", "gold", "platinum"], [50, 30, 15, 5]),
    (r"membership", ["basic", "plus", "premium"], [60, 30, 10]),
    (r"priority|severity", ["low", "medium", "high", "critical"], [40, 35, 20, 5]),
    (r"plan|subscription", ["free", "basic", "pro", "enterprise"], [45, 30, 20, 5]),
    (r"gender|sex", ["female", "male", "non_binary", "undisclosed"], [48, 48, 2, 2]),
    (r"segment", ["consumer", "small_business", "mid_market", "enterprise"], [55, 25, 15, 5]),
    (r"level|seniority", ["junior", "mid", "senior", "lead"], [30, 35, 25, 10]),
    (r"channel|source", ["web", "mobile_app", "store", "phone", "partner"], [40, 30, 15, 10, 5]),
    (r"department", ["engineering", "sales", "marketing", "finance", "support", "operations"], None),
    (r"language", ["en", "de", "fr", "es", "it", "nl", "pt"], None),
    (r"device|platform", ["ios", "android", "web", "desktop"], [35, 35, 20, 10]),
    (r"payment", ["card", "paypal", "bank_transfer", "wallet"], [55, 20, 15, 10]),
    (r"risk", ["low", "medium", "high"], [70, 22, 8]),
    (r"status|state", ["active", "inactive", "pending", "suspended"], [70, 15, 10, 5]),
    (r"size", ["small", "medium", "large"], [40, 40, 20]),
    (r"colou?r", ["red", "green", "blue", "black", "white"], None),
    (r"type|kind|category|group|class|grade", ["standard", "premium", "basic"], [50, 20, 30]),
]

# Field phrase -> (type, constraints). First match wins; patterns are matched against the whole phrase.
_FIELD_RULES: list[tuple[str, str, dict[str, Any]]] = [
    (r"(?:e-?mail|mail)(?: address)?", "email", {}),
    (r"(?:tele)?phone(?: number)?|mobile(?: number)?|cell(?: phone)?|phone no", "phone", {}),
    (r"first ?name|given name|forename", "first_name", {}),
    (r"last ?name|surname|family name", "last_name", {}),
    (r"(?:full |customer |user |contact )?name", "full_name", {}),
    (r"user ?name|login|handle|nickname", "username", {}),
    (r"password(?: hash)?", "password_hash", {}),
    (r"(?:date of birth|birth ?date|dob|birthday)", "date", {"min": "1940-01-01", "max": "2007-12-31"}),
    (r"age", "integer", {"min": 18, "max": 90}),
    (r"[\w ]*\b(?:date|day)", "date", {"min": "2020-01-01", "max": "2025-12-31"}),
    (
        r"[\w ]*\b(?:time|timestamp|datetime)|[\w ]+ at|last (?:login|seen|active)",
        "datetime",
        {"min": "2020-01-01T00:00:00", "max": "2025-12-31T23:59:59"},
    ),
    (r"(?:[\w ]+ )?(?:id|uuid|identifier|guid)", "uuid", {"unique": True}),
    (r"(?:coupon|promo|voucher|discount|referral)(?: code)?", "pattern", {"pattern": "[A-Z]{4}[0-9]{4}"}),
    (r"[\w ]+ (?:code|number|reference|ref)", "pattern", {"pattern": "[A-Z]{2}-[0-9]{6}"}),
    (r"street(?: address)?", "street_address", {}),
    (r"(?:postal |mailing |home |shipping |billing )?address", "address", {}),
    (r"city|town", "city", {}),
    (r"country code", "country_code", {}),
    (r"country|nationality", "country", {}),
    (r"state|province|region", "state", {}),
    (r"zip(?: code)?|post ?code|postal code", "postal_code", {}),
    (r"company(?: name)?|employer|organi[sz]ation|business name", "company", {}),
    (r"job(?: title)?|position|occupation|title", "job_title", {}),
    (r"salary|income|wage|pay", "amount", {"min": 20000, "max": 250000, "precision": 0}),
    (
        r"[\w ]*\b(?:price|amount|total|cost|revenue|balance|fee|spend|spent|value)",
        "amount",
        {"min": 0, "max": 10000, "precision": 2},
    ),
    (r"(?:quantity|qty|count|number of [\w ]+|units|items)", "integer", {"min": 1, "max": 100}),
    (r"rating|stars|score", "integer", {"min": 1, "max": 5}),
    (r"(?:is|has) [\w ]+|active|verified|enabled|subscribed|opt ?in|consent|(?:[\w ]+ )?flag", "boolean", {}),
    (r"ip ?v6(?: address)?", "ipv6", {}),
    (r"ip(?: ?v4)?(?: address)?", "ipv4", {}),
    (r"mac(?: address)?", "mac_address", {}),
    (r"url|website|homepage|link", "url", {}),
    (r"domain", "domain", {}),
    (r"currency", "currency_code", {}),
    (r"iban|bank account", "iban", {}),
    (r"credit ?card(?: number)?|card number|pan", "credit_card", {}),
    (r"ssn|social security(?: number)?", "ssn", {}),
    (r"lat(?:itude)?", "latitude", {}),
    (r"lng|lon(?:gitude)?", "longitude", {}),
    (r"user ?agent|browser", "user_agent", {}),
    (r"http method|method", "http_method", {}),
    (r"http status|status code", "http_status", {}),
    (r"log level|level", "log_level", {}),
    (r"description|notes?|comments?|bio|message|text|review|feedback|summary", "sentence", {}),
    # Vital signs in adult ranges a clinician would recognise (healthcare test data asks for these).
    (r"blood pressure|bp", "pattern", {"pattern": "1[0-5][0-9]/[6-9][0-9]"}),
    (r"systolic(?: blood pressure| bp)?", "integer", {"min": 90, "max": 160}),
    (r"diastolic(?: blood pressure| bp)?", "integer", {"min": 60, "max": 100}),
    (r"heart ?rate|pulse(?: rate)?|bpm", "integer", {"min": 50, "max": 120}),
    (r"respiratory rate|breathing rate", "integer", {"min": 12, "max": 24}),
    (r"(?:oxygen saturation|spo2|o2 saturation)", "integer", {"min": 90, "max": 100}),
    (r"(?:blood )?glucose|blood sugar", "integer", {"min": 70, "max": 180}),
    (r"bmi|body mass index", "float", {"min": 16, "max": 40, "precision": 1}),
    (r"body temperature", "float", {"min": 35.5, "max": 39.5, "precision": 1}),
    (r"temperature", "float", {"min": -20, "max": 45, "precision": 1}),
    (r"humidity|percentage|percent|ratio|rate", "float", {"min": 0, "max": 100, "precision": 1}),
    (r"weight|height|distance|duration|latency", "float", {"min": 0, "max": 1000, "precision": 2}),
]


def field_name(phrase: str) -> str:
    """A phrase as a snake_case column name ("Signup Date" -> "signup_date")."""
    words = re.findall(r"[a-z0-9]+", phrase.lower())
    name = "_".join(w for w in words if w not in {"a", "an", "the", "new"})
    return name or "field"


def category_values(phrase: str) -> tuple[list[str], list[float] | None] | None:
    """Default enum values for a category-like phrase, or None if it does not look like a category."""
    p = phrase.lower()
    for pattern, values, weights in CATEGORY_VALUES:
        if re.search(rf"\b(?:{pattern})\b", p):
            return list(values), (list(weights) if weights else None)
    return None


def field_from_phrase(phrase: str) -> tuple[dict[str, Any], bool]:
    """A field spec (plain dict) for a phrase, and whether the lexicon knew it (False = generic text)."""
    p = " ".join(re.findall(r"[a-z0-9]+", phrase.lower().replace("_", " ")))
    name = field_name(p)
    cat = category_values(p)
    # Category words win over generic rules ("status", "loyalty tier") except for the typed status codes.
    typed = re.fullmatch(
        r"http status|status code|log level|level|state|country code|[\w ]+ (?:code|id|number|name)", p
    )
    if cat and not typed:
        values, weights = cat
        constraints: dict[str, Any] = {"enum": values}
        if weights:
            constraints["weights"] = weights
        return {"name": name, "type": "category", "constraints": constraints}, True
    for pattern, ftype, constraints in _FIELD_RULES:
        if re.fullmatch(pattern, p):
            spec: dict[str, Any] = {"name": name, "type": ftype}
            if constraints:
                spec["constraints"] = dict(constraints)
            return spec, True
    return {"name": name, "type": "string", "constraints": {"max_length": 40}}, False


def detect_locale(text: str) -> tuple[str, str] | None:
    """(locale, the cue that decided it) for the first locale cue in the text, or None."""
    best: tuple[int, str, str] | None = None
    for pattern, locale in LOCALE_CUES:
        flags = 0 if pattern.startswith("en[_-]us") else re.IGNORECASE
        for m in re.finditer(rf"(?<![\w.-])(?:{pattern})(?![\w-])", text, flags | re.IGNORECASE):
            cue = m.group(0)
            # "us" in lower case is the pronoun ("give us"): only the capitalised country code counts.
            if cue.lower() == "us" and cue != "US":
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), locale, cue)
            break
    return (best[1], best[2]) if best else None
