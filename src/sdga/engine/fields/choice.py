"""Picking from a list of values: by index, uniformly or by weight; the values of a field's ``enum``.

Any type given ``constraints.enum`` draws from it (see :func:`sdga.engine.fields.registry.uses_enum`), so
these helpers sit below the registry and every family.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from sdga.engine.context import Draw
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec


def take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` for an index array of any integer type."""
    return values.take(pa.array(np.asarray(idx, dtype=np.int64)))


def scatter(n: int, groups: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """One array of ``n`` values from groups of (row positions, values of those rows) covering every row once."""
    if len(groups) == 1 and len(groups[0][0]) == n:
        rows, values = groups[0]
        return values if np.array_equal(rows, np.arange(n)) else values.take(pa.array(np.argsort(rows)))
    order = np.concatenate([rows for rows, _ in groups]) if groups else np.zeros(0, dtype=np.int64)
    values = pa.concat_arrays([v for _, v in groups]) if groups else pa.array([], pa.string())
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return values.take(pa.array(inverse))


def groups_of(keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Each distinct key with the positions holding it (ascending keys)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    return [(int(keys[chunk[0]]), chunk) for chunk in np.split(order, cuts) if len(chunk)]


_combined: dict[tuple[int, ...], tuple[pa.Array, np.ndarray]] = {}


def take_localized(
    locales: tuple[str, ...], locale: np.ndarray | None, idx: np.ndarray, values: Callable[[str], pa.Array]
) -> pa.Array:
    """``values(locales[locale[i]])[idx[i]]`` for every row: one take over the locales' lists laid end to end."""
    if locale is None:
        return take(values(locales[0]), idx)
    parts = [values(loc) for loc in locales]
    key = tuple(id(p) for p in parts)  # the word lists are cached for the process, so their ids are stable
    found = _combined.get(key)
    if found is None:
        offsets = np.cumsum([0] + [len(p) for p in parts[:-1]]).astype(np.int64)
        found = (pa.concat_arrays(parts), offsets)
        _combined[key] = found
    combined, offsets = found
    return take(combined, offsets[locale] + np.asarray(idx, dtype=np.int64))


def enum_arrow(values: list[Any]) -> pa.DataType:
    """The Arrow type of a list of enum values: bool, int64 or float64 when they all are, else string."""
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def enum_values(f: FieldSpec) -> list[Any]:
    """The field's enum, as values of its Arrow type."""
    values = f.constraints.enum
    if not values:
        raise SchemaError(f"field '{f.name}': type {f.type} needs constraints.enum (the allowed values)")
    typ = enum_arrow(values)
    return [str(v) if typ == pa.string() else v for v in values]


def enum_cdf(f: FieldSpec, k: int) -> np.ndarray | None:
    """The cumulative share of each of ``k`` enum values per ``constraints.weights`` (None: equal shares)."""
    w = f.constraints.weights
    if w is None:
        return None
    if len(w) != k:
        raise SchemaError(f"field '{f.name}': {len(w)} weights given for {k} enum values")
    arr = np.asarray(w, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or arr.sum() <= 0:
        raise SchemaError(f"field '{f.name}': weights must be non-negative and not all zero")
    return np.cumsum(arr) / arr.sum()


def pick_weighted(d: Draw, values: pa.Array, cdf: np.ndarray | None) -> pa.Array:
    """One of ``values`` per row: a permutation when unique, else uniform or by the cumulative shares."""
    k = len(values)
    if d.unique:
        return take(values, d.index(k))
    if cdf is None and d.path not in d.ctx.copula:
        return take(values, d.rng("v").integers(0, k, d.n))
    if cdf is None:  # equal shares, but from the copula's correlated uniforms
        cdf = np.arange(1, k + 1) / k
    return take(values, np.minimum(np.searchsorted(cdf, d.uniforms(), side="right"), k - 1))
