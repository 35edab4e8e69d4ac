"""Field types, one module per family, all registered in one table (:mod:`sdga.engine.fields.registry`).

Importing this package imports every family, so the table is complete: ``numeric``, ``categorical``,
``text``, ``technical``, ``person``, ``contact``, ``finance``, ``network``, ``location``, ``temporal``, ``phrases``,
``structured`` (object, array, json), ``relation`` (reference) and ``faker_escape`` (``faker:<method>``).
A new type is a decorated generator in the family it belongs to (or a new family imported here).
"""

from sdga.engine.fields import (  # noqa: F401  (imported for their registrations)
    categorical,
    contact,
    faker_escape,
    finance,
    location,
    network,
    numeric,
    person,
    phrases,
    relation,
    structured,
    technical,
    temporal,
    text,
)
from sdga.engine.fields.faker_escape import faker_method
from sdga.engine.fields.registry import (
    REGISTRY,
    TypeDef,
    arrow_type,
    describe_types,
    is_known_type,
    lookup,
    unique_capacity,
    uses_enum,
)
from sdga.engine.fields.text import max_text_length

__all__ = [
    "REGISTRY",
    "TypeDef",
    "arrow_type",
    "describe_types",
    "faker_method",
    "is_known_type",
    "lookup",
    "max_text_length",
    "unique_capacity",
    "uses_enum",
]
