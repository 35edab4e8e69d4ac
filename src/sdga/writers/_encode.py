"""Column-at-a-time text encoders shared by the text writers (JSON, JSONL, CSV, SQL, XML).

Every function here takes a whole Arrow array and returns a whole Arrow string array (or *parts*, see
below), built with ``pyarrow.compute`` kernels: there is no Python loop per row on any type the engine produces (strings,
integers, floats, decimals, booleans, dates, times, timestamps, structs and lists). Only exotic types the
engine never emits (binary, maps, durations, ...) fall back to a per-value path, so the writers still accept
any Arrow data a caller hands them.

Joining strings is where the text writers spend most of their time, so each value is copied as few times
as possible: the ``*_parts`` encoders return a column's text as a list of *parts* (string columns and
constants, e.g. ``['"', escaped, '"']`` for a JSON string) instead of joining them, and the writer joins
every part of a row in one :func:`concat`, where neighbouring constants (a closing quote, the next key)
merge into one. A string column with no nulls is then copied once, not once per wrapping.

Conventions shared by all formats:

* Timestamps and times are ISO 8601; an all-zero fraction is dropped (``12:00:00``, not ``12:00:00.000000``);
  otherwise the fraction keeps the column's unit (3 digits for ms, 6 for us). Timezone-aware timestamps are in UTC and marked ``Z`` or
  ``+00:00`` depending on the format.
* Floats that are not finite (NaN, +/-inf) have no JSON or portable SQL literal: they are written as null.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STRING = pa.large_string()

# Bytes some format escapes (C0 controls, " & ' < > \\); present_bytes deletes all the others.
_SPECIAL_BYTES = frozenset([*range(0x20), 0x22, 0x26, 0x27, 0x3C, 0x3E, 0x5C])
_NOT_SPECIAL = bytes(b for b in range(256) if b not in _SPECIAL_BYTES)
# Control characters and their JSON escapes (RFC 8259 section 7).
_JSON_SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters XML 1.0 forbids in a document, even escaped.
_XML_INVALID_RE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_FRACTION_ZEROS_RE = r"\.0+($|[Z+-])"


def is_nested(data_type: pa.DataType) -> bool:
    """True for the types the text formats cannot hold natively (structs, lists, maps)."""
    return bool(
        pa.types.is_struct(data_type)
        or pa.types.is_list(data_type)
        or pa.types.is_large_list(data_type)
        or pa.types.is_fixed_size_list(data_type)
        or pa.types.is_map(data_type)
    )


def is_temporal(data_type: pa.DataType) -> bool:
    return bool(pa.types.is_date(data_type) or pa.types.is_timestamp(data_type) or pa.types.is_time(data_type))


Part: TypeAlias = pa.Array | str
"""A piece of every row's text: a string column (one value per row) or a constant."""

_EMPTY = pa.scalar("", type=STRING)


def lit(value: str, length: int) -> pa.Array:
    """A constant string column: ``value`` repeated ``length`` times (built with NumPy, no Python objects)."""
    raw = np.frombuffer(value.encode("utf-8"), dtype=np.uint8)
    if length == 0 or raw.size == 0:
        return pa.array(np.full(length, value, dtype=object), type=STRING) if length else pa.array([], type=STRING)
    offsets = np.arange(0, (length + 1) * raw.size, raw.size, dtype=np.int64)
    data = np.tile(raw, length)
    return pa.LargeStringArray.from_buffers(length, pa.py_buffer(offsets), pa.py_buffer(data))


def merge_constants(parts: Sequence[Part]) -> list[Part]:
    """``parts`` with neighbouring constants joined into one (and empty constants dropped)."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
                continue
        merged.append(part)
    return merged


def concat(parts: Sequence[Part], length: int | None = None) -> pa.Array:
    """Element-wise string concatenation of columns and constants; a null in any column gives null.

    Neighbouring constants are merged first, so each costs one join argument. ``length`` is the row count
    when ``parts`` may hold only constants.
    """
    merged = merge_constants(parts)
    columns = [p for p in merged if not isinstance(p, str)]
    if not columns:
        if length is None:
            raise ValueError("concat needs at least one column, or the length")
        return lit("".join(p for p in merged if isinstance(p, str)), length)
    if len(merged) == 1:
        return columns[0].cast(STRING)
    args = [pa.scalar(p, type=STRING) if isinstance(p, str) else p.cast(STRING) for p in merged]
    return pc.binary_join_element_wise(*args, _EMPTY)


def decode_dictionary(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):
        return arr.dictionary_decode()
    return arr


def finite_floats(arr: pa.Array) -> pa.Array:
    """Floats with NaN/inf turned into nulls (no portable text form)."""
    if not pa.types.is_floating(arr.type) or len(arr) == 0:
        return arr
    finite = pc.is_finite(arr)
    return pc.if_else(finite, arr, pa.scalar(None, type=arr.type))


_UNIT_FACTOR = {"ms": 10**3, "us": 10**6, "ns": 10**9}


def _as_whole_seconds(arr: pa.Array) -> pa.Array | None:
    """``arr`` in second resolution when no value has a sub-second part (a NumPy check), else None.

    Formatting whole seconds then needs no fraction trimming, the slowest step of timestamp text.
    """
    unit = arr.type.unit
    if unit == "s":
        return arr
    # time32 only casts to int32 (to int64 it raises), so read the storage at its own width.
    storage = pa.int32() if arr.type.bit_width == 32 else pa.int64()
    raw = pc.fill_null(arr.cast(storage), 0).to_numpy(zero_copy_only=False)
    if np.any(raw % _UNIT_FACTOR[unit]):
        return None
    if pa.types.is_timestamp(arr.type):
        return arr.cast(pa.timestamp("s", tz=arr.type.tz))
    return arr.cast(pa.time32("s"))


def temporal_text(arr: pa.Array, *, sep: str = "T", utc_marker: str = "Z") -> pa.Array:
    """Dates, times and timestamps as ISO 8601 strings (nulls stay null)."""
    return concat(temporal_parts(arr, sep=sep, utc_marker=utc_marker))


def temporal_parts(arr: pa.Array, *, sep: str = "T", utc_marker: str = "Z") -> list[Part]:
    """:func:`temporal_text` as parts: the UTC marker stays a constant (appended by the row join)."""
    data_type = arr.type
    trim = True
    if pa.types.is_timestamp(data_type) or pa.types.is_time(data_type):
        whole = _as_whole_seconds(arr)
        if whole is not None:
            arr, data_type, trim = whole, whole.type, False
    fast = _iso_fixed_width(arr, sep) if not trim or pa.types.is_date32(data_type) else None
    if fast is not None:
        return [fast, utc_marker] if pa.types.is_timestamp(data_type) and data_type.tz is not None else [fast]
    if pa.types.is_timestamp(data_type) and data_type.tz is not None:
        naive = arr.cast(pa.timestamp(data_type.unit))  # the stored instant, i.e. UTC wall time
        text = pc.cast(naive, STRING)
        suffix: str | None = utc_marker
    else:
        text = pc.cast(arr, STRING)
        suffix = None
    if pa.types.is_timestamp(data_type):
        if sep != " ":
            text = pc.replace_substring(text, " ", sep, max_replacements=1)
        if trim:
            text = _trim_fraction(text)
        if suffix:
            return [text, suffix]
    elif pa.types.is_time(data_type) and trim:
        text = _trim_fraction(text)
    return [text]


_MAX_DATE_TABLE_DAYS = 400_000  # about 1,100 years: 4 MB of text


@functools.lru_cache(maxsize=8)
def _date_table(first: int, last: int) -> np.ndarray | None:
    """Arrow's ``YYYY-MM-DD`` for every day from ``first`` to ``last`` (days since 1970), one row each."""
    days = pa.array(np.arange(first, last + 1, dtype=np.int32), pa.int32()).cast(pa.date32())
    data = _bytes_of(pc.cast(days, STRING))
    return data.reshape(-1, 10) if data.size == 10 * len(days) else None  # not all 4-digit years


@functools.lru_cache(maxsize=1)
def _time_table() -> np.ndarray:
    """Arrow's ``HH:MM:SS`` for every second of a day, one row each."""
    return _bytes_of(pc.cast(pa.array(np.arange(86_400, dtype=np.int32), pa.time32("s")), STRING)).reshape(-1, 8)


def _iso_fixed_width(arr: pa.Array, sep: str) -> pa.Array | None:
    """Dates (``date32``) and whole-second timestamps as ISO text, looked up rather than formatted.

    Every value has the same width (``YYYY-MM-DD`` and ``YYYY-MM-DD<sep>HH:MM:SS``), so the text is a
    ``uint8`` matrix gathered from tables of Arrow's own text for each day of the batch's range and each
    second of a day: the same bytes as Arrow's cast to string (plus the separator replacement), several
    times faster. None (use the cast) for other types, very wide date ranges and years outside 1-9999.
    """
    if len(arr) == 0 or len(sep.encode()) != 1:
        return None
    if pa.types.is_date32(arr.type):
        days = pc.fill_null(arr.cast(pa.int32()), 0).to_numpy(zero_copy_only=False)
        seconds = None
    elif pa.types.is_timestamp(arr.type) and arr.type.unit == "s":
        raw = pc.fill_null(arr.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        days, seconds = np.divmod(raw, 86_400)
    else:
        return None
    first, last = int(days.min()), int(days.max())
    if last - first > _MAX_DATE_TABLE_DAYS:
        return None
    table = _date_table(first, last)
    if table is None:
        return None
    index = days - first
    if seconds is None:
        out = table[index]
    else:
        out = np.empty((len(arr), 19), dtype=np.uint8)
        out[:, :10] = table[index]
        out[:, 10] = ord(sep)
        out[:, 11:] = _time_table()[seconds]
    width = out.shape[1]
    offsets = np.arange(0, (len(arr) + 1) * width, width, dtype=np.int64)
    text = pa.LargeStringArray.from_buffers(len(arr), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(out)))
    if arr.null_count:
        text = pc.if_else(arr.is_valid(), text, pa.scalar(None, type=STRING))
    return text


def _trim_fraction(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(text, _FRACTION_ZEROS_RE, r"\1")


def plain_text(arr: pa.Array, *, sep: str = "T", utc_marker: str = "Z") -> pa.Array:
    """A scalar column as display text: the form CSV cells, XML text and SQL literals start from.

    Nested columns are JSON-encoded. Nulls stay null.
    """
    arr = decode_dictionary(arr)
    data_type = arr.type
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return arr.cast(STRING)
    if is_temporal(data_type):
        return temporal_text(arr, sep=sep, utc_marker=utc_marker)
    if pa.types.is_floating(data_type):
        return pc.cast(finite_floats(arr), STRING)
    if pa.types.is_boolean(data_type) or pa.types.is_integer(data_type) or pa.types.is_decimal(data_type):
        return pc.cast(arr, STRING)
    if pa.types.is_null(data_type):
        return pa.nulls(len(arr), type=STRING)
    if is_nested(data_type):
        return json_or_null(arr)
    return _per_value(arr, _python_text)


# --------------------------------------------------------------------------------------------- JSON


def _bytes_of(text: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a string column's values, as one uint8 view (no copy)."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    buffers = text.buffers()
    if len(text) == 0 or buffers[2] is None:
        return np.zeros(0, dtype=np.uint8)
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=width)[text.offset : text.offset + len(text) + 1]
    return np.frombuffer(buffers[2], dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]


def present_bytes(text: pa.Array) -> set[int]:
    """Which ASCII bytes below 0x80 that need escaping in some format occur in the column.

    A byte scan is far cheaper than running every replacement kernel on text that (as almost all
    generated text) contains nothing to escape. ``bytes.translate`` deleting every other byte is one C
    pass, about twice as fast as the equivalent NumPy comparisons. UTF-8 continuation bytes are all
    >= 0x80, so an ASCII byte found here is always a whole character.
    """
    data = _bytes_of(text)
    if data.size == 0:
        return set()
    found = data.tobytes().translate(None, _NOT_SPECIAL)
    if len(found) > 4096:
        return {int(b) for b in np.unique(np.frombuffer(found, dtype=np.uint8))}
    return set(found)


def _has_nonchars(text: pa.Array) -> bool:
    """Whether U+FFFE or U+FFFF (UTF-8 EF BF BE / EF BF BF), which XML forbids, occur."""
    data = _bytes_of(text)
    if data.size < 3:
        return False
    lead = np.flatnonzero(data[:-2] == 0xEF)
    if lead.size == 0:
        return False
    return bool(np.any((data[lead + 1] == 0xBF) & ((data[lead + 2] == 0xBE) | (data[lead + 2] == 0xBF))))


def json_escape(text: pa.Array) -> pa.Array:
    """Escape a string column for the inside of a JSON string literal (quotes not added)."""
    text = text.cast(STRING)
    present = present_bytes(text)
    if not present:
        return text
    if 0x5C in present:
        text = pc.replace_substring(text, "\\", "\\\\")
    if 0x22 in present:
        text = pc.replace_substring(text, '"', '\\"')
    for code in sorted(b for b in present if b < 0x20):
        char = chr(code)
        text = pc.replace_substring(text, char, _JSON_SHORT_ESCAPES.get(char, f"\\u{code:04x}"))
    return text


def json_values(arr: pa.Array) -> pa.Array:
    """Every value of ``arr`` as a JSON literal; nulls become ``null``. The result has no nulls."""
    return pc.fill_null(json_or_null(arr), pa.scalar("null", type=STRING))


def json_parts(arr: pa.Array) -> list[Part]:
    """:func:`json_values` as parts: a column without nulls keeps its quotes, keys and braces as constants."""
    arr = decode_dictionary(arr)
    data_type = arr.type
    if len(arr) and arr.null_count == 0:
        if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
            return ['"', json_escape(arr), '"']
        if is_temporal(data_type):
            return ['"', *temporal_parts(arr, sep="T", utc_marker="Z"), '"']
        if pa.types.is_struct(data_type):
            return _json_struct_parts(arr)
    return [json_values(arr)]


def json_or_null(arr: pa.Array) -> pa.Array:
    """Every value as a JSON literal; nulls stay Arrow nulls (so SQL can write NULL, CSV an empty cell)."""
    arr = decode_dictionary(arr)
    data_type = arr.type
    if len(arr) == 0:
        return pa.array([], type=STRING)
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return concat(['"', json_escape(arr), '"'])
    if is_temporal(data_type):
        return concat(['"', temporal_text(arr, sep="T", utc_marker="Z"), '"'])
    if pa.types.is_floating(data_type):
        return pc.cast(finite_floats(arr), STRING)
    if pa.types.is_boolean(data_type) or pa.types.is_integer(data_type) or pa.types.is_decimal(data_type):
        return pc.cast(arr, STRING)
    if pa.types.is_null(data_type):
        return pa.nulls(len(arr), type=STRING)
    if pa.types.is_struct(data_type):
        return _json_struct(arr)
    if pa.types.is_map(data_type):
        return _per_value(
            arr, lambda v: json.dumps(dict(v), ensure_ascii=False, separators=(",", ":"), default=_python_text)
        )
    if is_nested(data_type):
        return _json_list(arr)
    return _per_value(arr, lambda v: json.dumps(_json_safe(v), ensure_ascii=False, separators=(",", ":")))


def _json_struct_parts(arr: pa.StructArray) -> list[Part]:
    parts: list[Part] = ["{"]
    for i, child in enumerate(arr.flatten()):  # respects the slice offset and the struct's own nulls
        key = json.dumps(arr.type.field(i).name, ensure_ascii=False)
        parts.append(("," if i else "") + key + ":")
        parts += json_parts(child)
    parts.append("}")
    return parts


def _json_struct(arr: pa.StructArray) -> pa.Array:
    joined = concat(_json_struct_parts(arr), len(arr))
    if arr.null_count == 0:
        return joined
    return pc.if_else(arr.is_null(), pa.scalar(None, type=STRING), joined)


def list_parts(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(flattened values, offsets with nulls counted as empty) of any list-like column."""
    lengths = pc.fill_null(pc.list_value_length(arr), 0).cast(pa.int64())
    offsets = np.zeros(len(arr) + 1, dtype=np.int64)
    np.cumsum(lengths.to_numpy(zero_copy_only=False), out=offsets[1:])
    values = pc.list_flatten(arr)  # skips null slots, matching the zero lengths above
    return values, pa.array(offsets, type=pa.int64())


def join_lists(texts: pa.Array, offsets: pa.Array, separator: str) -> pa.Array:
    """Join runs of ``texts`` (delimited by ``offsets``) with ``separator``: one string per run."""
    nested = pa.LargeListArray.from_arrays(offsets, texts.cast(STRING))
    return pc.binary_join(nested, pa.scalar(separator, type=STRING))


def _json_list(arr: pa.Array) -> pa.Array:
    values, offsets = list_parts(arr)
    joined = join_lists(json_values(values), offsets, ",")
    wrapped = concat(["[", joined, "]"])
    return pc.if_else(arr.is_null(), pa.scalar(None, type=STRING), wrapped)


# ---------------------------------------------------------------------------------------------- XML


def xml_escape(text: pa.Array) -> pa.Array:
    """Escape text content for XML 1.0; characters XML cannot carry become U+FFFD."""
    text = text.cast(STRING)
    present = present_bytes(text)
    if 0x26 in present:
        text = pc.replace_substring(text, "&", "&amp;")
    if 0x3C in present:
        text = pc.replace_substring(text, "<", "&lt;")
    if 0x3E in present:
        text = pc.replace_substring(text, ">", "&gt;")
    if 0x0D in present:
        text = pc.replace_substring(text, "\r", "&#13;")  # parsers would normalise a raw CR away
    if any(b < 0x20 and b not in (0x09, 0x0A, 0x0D) for b in present) or _has_nonchars(text):
        text = pc.replace_substring_regex(text, _XML_INVALID_RE, "\ufffd")
    return text


_XML_NAME_START = re.compile(r"[^\W\d]", re.UNICODE)


def xml_name(name: str, used: set[str] | None = None) -> str:
    """A valid, unique XML element name for a column/table name (invalid characters become ``_``)."""
    cleaned = "".join(c if (c.isalnum() or c in "_-.") else "_" for c in name) or "_"
    if not _XML_NAME_START.match(cleaned[0]) or cleaned.lower().startswith("xml"):
        cleaned = "_" + cleaned
    if used is not None:
        base, n = cleaned, 2
        while cleaned in used:
            cleaned = f"{base}_{n}"
            n += 1
        used.add(cleaned)
    return cleaned


def xml_elements(arr: pa.Array, tag: str) -> pa.Array:
    """``<tag>value</tag>`` per row; null → ``<tag xsi:nil="true"/>``; structs and lists nest elements."""
    arr = decode_dictionary(arr)
    if len(arr) == 0:
        return pa.array([], type=STRING)
    body = concat(_xml_body_parts(arr, tag), len(arr))
    if arr.null_count == 0:
        return body
    null_elem = f'<{tag} xsi:nil="true"/>'
    return pc.fill_null(pc.if_else(arr.is_null(), pa.scalar(None, type=STRING), body), null_elem)


def xml_parts(arr: pa.Array, tag: str) -> list[Part]:
    """:func:`xml_elements` as parts: for a column without nulls the tags stay constants."""
    arr = decode_dictionary(arr)
    if len(arr) == 0 or arr.null_count:
        return [xml_elements(arr, tag)]  # a null row is a different element (xsi:nil), not a different text
    return _xml_body_parts(arr, tag)


def _xml_body_parts(arr: pa.Array, tag: str) -> list[Part]:
    """The element for every row as if none were null (null rows are replaced by the caller)."""
    data_type = arr.type
    if pa.types.is_struct(data_type):
        used: set[str] = set()
        inner: list[Part] = []
        for i, child in enumerate(arr.flatten()):
            inner += xml_parts(child, xml_name(data_type.field(i).name, used))
        return [f"<{tag}>", *inner, f"</{tag}>"] if inner else [f"<{tag}/>"]
    if is_nested(data_type) and not pa.types.is_map(data_type):
        values, offsets = list_parts(arr)
        items = join_lists(xml_elements(values, "item"), offsets, "")
        return [f"<{tag}>", items, f"</{tag}>"]
    if is_temporal(data_type):  # ISO text: nothing to escape
        return [f"<{tag}>", *temporal_parts(arr, sep="T", utc_marker="Z"), f"</{tag}>"]
    return [f"<{tag}>", xml_escape(plain_text(arr, sep="T", utc_marker="Z")), f"</{tag}>"]


# ------------------------------------------------------------------------------------------ helpers


def write_concat(stream: IO[bytes], texts: pa.Array) -> int:
    """Write every string of ``texts`` back to back (no separators) without copying per row.

    The values of an Arrow string array sit contiguously in its data buffer, so the whole batch is one
    ``write`` of a buffer slice. Returns the number of bytes written.
    """
    if len(texts) == 0:
        return 0
    texts = pc.fill_null(texts.cast(STRING), pa.scalar("", type=STRING))
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    _, offsets_buf, data_buf = texts.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    if data_buf is None or end == start:
        return 0
    stream.write(memoryview(data_buf)[start:end])
    return end - start


def _json_safe(value: Any) -> Any:
    """Python values of exotic Arrow types as JSON-encodable values (bytes base64, durations text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return _python_text(value)


def _python_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _per_value(arr: pa.Array, render: Callable[[Any], str]) -> pa.Array:
    """Slow path for types the engine never produces: one Python call per value."""
    return pa.array([None if v is None else render(v) for v in arr.to_pylist()], type=STRING)
