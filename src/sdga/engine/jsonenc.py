"""Vectorised JSON encoding of Arrow columns (nested structs and lists included).

Used for the ``json`` field type and available to writers that must flatten nested data into one text
column (CSV, SQL). Strings are escaped for ``\\ " \\n \\r \\t \\b \\f``; other control characters are
dropped (the engine never generates them).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine.patterns import concat, join_lists


def _quote(arr: pa.Array) -> pa.Array:
    s = arr.cast(pa.string()) if arr.type != pa.string() else arr
    for old, new in (
        ("\\", "\\\\"),
        ('"', '\\"'),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\b", "\\b"),
        ("\f", "\\f"),
    ):
        s = pc.replace_substring(s, old, new)
    s = pc.replace_substring_regex(s, r"[\x00-\x07\x0b\x0e-\x1f]", "")
    return concat(['"', s, '"'], len(arr))


def to_json_strings(arr: pa.Array) -> pa.Array:
    """One JSON text per element of ``arr`` (nulls become ``null``)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    t = arr.type
    if pa.types.is_null(t):
        return pa.repeat(pa.scalar("null"), n)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = _quote(arr)
    elif pa.types.is_boolean(t):
        out = pc.if_else(arr, "true", "false")
    elif pa.types.is_integer(t) or pa.types.is_decimal(t):
        out = arr.cast(pa.string())
    elif pa.types.is_floating(t):
        finite = pc.is_finite(arr)
        out = pc.if_else(finite, arr.cast(pa.string()), pa.scalar(None, pa.string()))
    elif pa.types.is_timestamp(t):
        fmt = "%Y-%m-%dT%H:%M:%SZ" if t.tz else "%Y-%m-%dT%H:%M:%S"
        out = _quote(pc.strftime(arr, format=fmt))
    elif pa.types.is_date(t) or pa.types.is_time(t):
        out = _quote(arr.cast(pa.string()))
    elif pa.types.is_struct(t):
        parts: list[pa.Array | str] = ["{"]
        for i in range(t.num_fields):
            name = t.field(i).name
            child = arr.field(i)  # type: ignore[attr-defined]
            key = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '":'
            parts += ["," + key if i else key, to_json_strings(child)]
        parts.append("}")
        out = concat(parts, n) if t.num_fields else pa.repeat(pa.scalar("{}"), n)
        if arr.null_count:
            out = pc.if_else(pc.is_valid(arr), out, pa.scalar(None, pa.string()))
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False).astype(np.int64)
        values = to_json_strings(pc.list_flatten(arr))
        joined = join_lists(values, lengths, ",")
        out = concat(["[", joined, "]"], n)
        if arr.null_count:
            out = pc.if_else(pc.is_valid(arr), out, pa.scalar(None, pa.string()))
    else:
        out = _quote(arr.cast(pa.string()))
    return pc.fill_null(out, "null")
