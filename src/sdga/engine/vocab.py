"""Per-locale word lists taken once from Faker's providers, held as Arrow arrays and sampled by index.

Faker is called only here, at most a few thousand times per (locale, kind) and once per process, with a
fixed seed, so the vocabularies are identical in every worker. Generation then never calls Faker per
row: it takes indices into these arrays.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
from faker import VERSION as faker_version
from faker import Faker

from sdga.errors import SchemaError
from sdga.models.generation import SUPPORTED_LOCALES

_SAMPLES = 2500
# Lists that are sampled through Faker (slow to build, so cached on disk); the rest are read directly.
_SAMPLED_KINDS = {"city", "state", "street_name", "company", "color", "user_agent", "country", "job_title", "word"}
_lock = threading.RLock()
_NON_ALPHA = re.compile(r"[^a-z]")


def ascii_slug(value: str) -> str:
    """Lower-case ASCII letters only (accents folded): the shape of a name inside an e-mail address."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALPHA.sub("", folded)


def _dedupe(values: Iterable[Any]) -> list[str]:
    """Distinct non-empty strings in first-seen order (so every process builds the same list)."""
    return [v for v in dict.fromkeys(str(x).strip() for x in values) if v]


#: Faker lists built from a set: their order, and so what a seeded draw picks from them, follows Python's
#: string hashing and changes from one process to the next. They are put in sorted order before use.
_UNORDERED_FAKER_LISTS: dict[str, tuple[tuple[str, str], ...]] = {
    "it_IT": (("faker.providers.address", "cities"),),
}


def new_faker(locale: str) -> Faker:
    """A fresh Faker for ``locale`` whose lists are in the same order in every process."""
    fake = Faker(locale)
    for provider_name, attr in _UNORDERED_FAKER_LISTS.get(locale, ()):
        provider = fake.provider(provider_name)
        values = getattr(provider, attr, None) if provider is not None else None
        if isinstance(values, list):
            setattr(provider, attr, sorted(values))
    return fake


@cache
def faker_for(locale: str) -> Faker:
    """A Faker for ``locale`` (validated against the supported list)."""
    if locale not in SUPPORTED_LOCALES:
        raise SchemaError(
            f"unsupported locale '{locale}'; choose one of {', '.join(SUPPORTED_LOCALES)}",
            details={"locale": locale, "supported": list(SUPPORTED_LOCALES)},
        )
    return new_faker(locale)


def _sampled(locale: str, method: str) -> list[str]:
    fake = faker_for(locale)
    fake.seed_instance(20250101)
    fn: Callable[[], Any] = getattr(fake, method)
    return _dedupe(fn() for _ in range(_SAMPLES))


def _names(locale: str, which: str) -> list[str]:
    provider = faker_for(locale).provider("faker.providers.person")
    values = getattr(provider, which, None)
    if values:
        return _dedupe(values.keys() if isinstance(values, dict) else values)
    return _sampled(locale, which[:-1])


def _attr_or_sample(locale: str, provider: str, attr: str, method: str) -> list[str]:
    prov = faker_for(locale).provider(provider)
    values = getattr(prov, attr, None) if prov is not None else None
    if values:
        flat = [v[0] if isinstance(v, tuple) else v for v in (values.keys() if isinstance(values, dict) else values)]
        return _dedupe(flat)
    return _sampled(locale, method)


@cache
def _given_names(locale: str) -> tuple[list[str], int]:
    """The locale's given names, female ones first, and how many are female (0: the locale has no split)."""
    provider = faker_for(locale).provider("faker.providers.person")
    female = getattr(provider, "first_names_female", None)
    male = getattr(provider, "first_names_male", None)
    if not female or not male:
        return _names(locale, "first_names"), 0
    women = _dedupe(female.keys() if isinstance(female, dict) else female)
    seen = set(women)
    men = [m for m in _dedupe(male.keys() if isinstance(male, dict) else male) if m not in seen]
    return women + men, len(women)


def female_first_names(locale: str) -> int:
    """How many of the locale's ``first_name`` list (its head) are women's names; 0 when Faker does not say."""
    return _given_names(locale)[1]


def _build(locale: str, kind: str) -> list[str]:
    if kind == "first_name":
        return _given_names(locale)[0]
    if kind == "last_name":
        return _names(locale, "last_names")
    if kind == "first_slug":
        return [ascii_slug(v) or "user" for v in vocabulary_list(locale, "first_name")]
    if kind == "first_slug_or_initial":
        slugs = vocabulary_list(locale, "first_slug")
        return slugs + [v[:1] for v in slugs]
    if kind == "last_slug":
        return [ascii_slug(v) or "user" for v in vocabulary_list(locale, "last_name")]
    if kind == "city":
        return _sampled(locale, "city")
    if kind == "state":
        fake = faker_for(locale)
        return _sampled(locale, "state" if hasattr(fake, "state") else "administrative_unit")
    if kind == "street_name":
        return _sampled(locale, "street_name")
    if kind == "country":
        return _attr_or_sample(locale, "faker.providers.address", "countries", "country")
    if kind == "country_code":
        return _attr_or_sample(locale, "faker.providers.address", "alpha_2_country_codes", "country_code")
    if kind == "company":
        return _sampled(locale, "company")
    if kind == "job_title":
        return _attr_or_sample(locale, "faker.providers.job", "jobs", "job")
    if kind == "word":
        words = _attr_or_sample(locale, "faker.providers.lorem", "word_list", "word")
        return [w for w in words if " " not in w] or words
    if kind == "word_slug":
        return list(dict.fromkeys(s for s in (ascii_slug(w) for w in vocabulary_list(locale, "word")) if len(s) >= 3))
    if kind == "currency_code":
        return _attr_or_sample("en_US", "faker.providers.currency", "currencies", "currency_code")
    if kind == "color":
        return _sampled(locale, "color_name")
    if kind == "user_agent":
        return _sampled("en_US", "user_agent")[:400]
    raise KeyError(kind)


_cache: dict[tuple[str, str], list[str]] = {}
#: Bumped when a list is built differently, so that lists cached by an older build are not reused.
_CACHE_LAYOUT = 2
_arrays: dict[tuple[str, str, str, str], pa.StringArray] = {}


def _disk_cache_dir() -> Path | None:
    """Where built word lists are kept between runs (keyed by the Faker version); None disables it."""
    if os.environ.get("SDGA_VOCAB_CACHE", "1") in ("0", "false", "no"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sdga" / "vocab" / f"faker-{faker_version}-{_CACHE_LAYOUT}"


def _load_or_build(locale: str, kind: str) -> list[str]:
    """Sampling Faker takes ~0.5 s for some lists; keep the result on disk (best effort, atomic)."""
    folder = _disk_cache_dir()
    path = folder / f"{locale}.{kind}.json" if folder else None
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, list) and data and all(isinstance(x, str) for x in data):
                return data
        except (OSError, ValueError):
            pass
    values = _build(locale, kind)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(values, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            pass
    return values


def vocabulary_list(locale: str, kind: str) -> list[str]:
    key = (locale, kind)
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                found = _load_or_build(locale, kind) if kind in _SAMPLED_KINDS else _build(locale, kind)
                _cache[key] = found
    return found


def vocabulary(locale: str, kind: str, prefix: str = "", suffix: str = "") -> pa.StringArray:
    """The word list ``kind`` for ``locale`` as an Arrow string array (cached per process).

    ``prefix``/``suffix`` bake separators into the words, so that building a value takes fewer
    concatenation passes (each pass over a column costs as much as the words themselves).
    """
    key = (locale, kind, prefix, suffix)
    arr = _arrays.get(key)
    if arr is None:
        arr = pa.array([prefix + v + suffix for v in vocabulary_list(locale, kind)], type=pa.string())
        _arrays[key] = arr
    return arr  # type: ignore[return-value]


def vocabulary_product(locale: str, kind: str, suffixes: tuple[str, ...]) -> pa.StringArray:
    """Every word of ``kind`` followed by every suffix: entry ``s * len(words) + w`` is ``words[w] + suffixes[s]``."""
    key = (locale, kind, "*", "\x00".join(suffixes))
    arr = _arrays.get(key)
    if arr is None:
        words = vocabulary_list(locale, kind)
        arr = pa.array([w + sfx for sfx in suffixes for w in words], type=pa.string())
        _arrays[key] = arr
    return arr  # type: ignore[return-value]


def vocabulary_size(locale: str, kind: str) -> int:
    return len(vocabulary_list(locale, kind))
