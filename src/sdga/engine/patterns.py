"""Vectorised generation of strings matching a regular expression (a documented subset).

Supported: literals and escapes, character classes (``[a-z0-9_]``, negated classes over printable ASCII),
``\\d \\w \\s`` and their negations, ``.`` (printable ASCII), quantifiers ``{n}`` ``{n,m}`` ``?`` ``*`` ``+``
(unbounded ones capped at ``min + 8`` repetitions), groups ``( )`` / ``(?: )`` and alternation ``a|b``,
anchors ``^`` ``$``. Rejected with a SchemaError: back-references, look-arounds, word boundaries,
conditionals. The pattern is parsed by Python's own regex parser, so what is accepted means exactly what
``re`` means.

Two generation paths: *random* (each repetition count and alternative uniform, characters uniform) and
*indexed* (a bijection from ``[0, capacity)`` to the matching strings) used for ``unique`` fields.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.errors import SchemaError

try:  # Python >= 3.11
    import re._constants as sre_c  # type: ignore[import-not-found]
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older interpreters
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

UNBOUNDED_EXTRA = 8
_U64MAX = (1 << 64) - 1
_PRINTABLE = [chr(c) for c in range(32, 127)]
_CATEGORIES = {
    "CATEGORY_DIGIT": list(string.digits),
    "CATEGORY_WORD": list(string.ascii_letters + string.digits + "_"),
    "CATEGORY_SPACE": [" "],
}


class Node:
    """A pattern element. ``capacity`` counts parse trees; it equals the number of distinct strings
    when :meth:`unambiguous` holds, which unique fields require."""

    capacity: int

    def chars(self) -> frozenset[str]:
        raise NotImplementedError

    def first(self) -> frozenset[str]:
        raise NotImplementedError

    def nullable(self) -> bool:
        raise NotImplementedError

    def fixed_len(self) -> int | None:
        raise NotImplementedError

    def max_len(self) -> int:
        """The length of the longest string the pattern produces (a SQL column must hold it)."""
        raise NotImplementedError

    def unambiguous(self) -> bool:
        raise NotImplementedError

    def random(self, rng: np.random.Generator, n: int) -> pa.StringArray:
        raise NotImplementedError

    def indexed(self, idx: np.ndarray) -> pa.StringArray:
        raise NotImplementedError


def _const(value: str, n: int) -> pa.StringArray:
    return pa.repeat(pa.scalar(value, pa.string()), n)  # type: ignore[return-value]


def concat(parts: list[pa.Array | str], n: int) -> pa.StringArray:
    """Element-wise concatenation of string arrays and constants."""
    arrays = [p for p in parts if not (isinstance(p, str) and p == "")]
    if not arrays:
        return _const("", n)
    if len(arrays) == 1:
        only = arrays[0]
        return _const(only, n) if isinstance(only, str) else only  # type: ignore[return-value]
    return pc.binary_join_element_wise(*arrays, "")  # type: ignore[no-any-return]


def ascii_fixed(codes: np.ndarray) -> pa.StringArray:
    """Strings from an (n, width) uint8 matrix of ASCII codes, without a Python loop."""
    n, width = codes.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(codes, dtype=np.uint8).tobytes()
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def ascii_ragged(codes: np.ndarray, lengths: np.ndarray) -> pa.StringArray:
    """Strings from a flat uint8 array of ASCII codes cut at ``lengths``."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(
            len(lengths), pa.py_buffer(offsets.astype(np.int32).tobytes()), pa.py_buffer(codes.tobytes())
        )
    big = pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets.tobytes()), pa.py_buffer(codes.tobytes()))
    return big.cast(pa.string())  # type: ignore[return-value]


def join_lists(values: pa.StringArray, lengths: np.ndarray, sep: str = "") -> pa.StringArray:
    """Join consecutive runs of ``values`` (run i has ``lengths[i]`` items) into one string each."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    lists = pa.ListArray.from_arrays(pa.array(offsets), values)
    return pc.binary_join(lists, sep)  # type: ignore[no-any-return]


def digits(values: np.ndarray, width: int) -> pa.StringArray:
    """Zero-padded decimal strings of non-negative integers, built as a fixed-width ASCII matrix."""
    v = np.asarray(values, dtype=np.uint64)
    powers = np.uint64(10) ** np.arange(width - 1, -1, -1, dtype=np.uint64)
    mat = ((v[:, None] // powers[None, :]) % np.uint64(10)).astype(np.uint8) + np.uint8(48)
    return ascii_fixed(mat)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_digits(values: np.ndarray, width: int) -> pa.StringArray:
    """Zero-padded lower-case hexadecimal strings of non-negative integers (the low ``4 * width`` bits)."""
    v = np.asarray(values, dtype=np.uint64)
    shifts = np.uint64(4) * np.arange(width - 1, -1, -1, dtype=np.uint64)
    return ascii_fixed(_HEX[((v[:, None] >> shifts[None, :]) & np.uint64(15)).astype(np.intp)])


@dataclass
class Literal(Node):
    text: str

    def __post_init__(self) -> None:
        self.capacity = 1

    def chars(self) -> frozenset[str]:
        return frozenset(self.text)

    def first(self) -> frozenset[str]:
        return frozenset(self.text[:1])

    def nullable(self) -> bool:
        return not self.text

    def fixed_len(self) -> int | None:
        return len(self.text)

    def max_len(self) -> int:
        return len(self.text)

    def unambiguous(self) -> bool:
        return True

    def random(self, rng: np.random.Generator, n: int) -> pa.StringArray:
        return _const(self.text, n)

    def indexed(self, idx: np.ndarray) -> pa.StringArray:
        return _const(self.text, len(idx))


class CharClass(Node):
    def __init__(self, chars: list[str]) -> None:
        self._chars = list(dict.fromkeys(chars))
        if not self._chars:
            raise SchemaError("pattern has an empty character class")
        self.capacity = len(self._chars)
        self.is_ascii = all(ord(c) < 128 for c in self._chars)
        self.codes = np.array([ord(c) for c in self._chars], dtype=np.uint8) if self.is_ascii else None
        self.table = pa.array(self._chars, pa.string())

    def chars(self) -> frozenset[str]:
        return frozenset(self._chars)

    def first(self) -> frozenset[str]:
        return frozenset(self._chars)

    def nullable(self) -> bool:
        return False

    def fixed_len(self) -> int | None:
        return 1

    def max_len(self) -> int:
        return 1

    def unambiguous(self) -> bool:
        return True

    def random(self, rng: np.random.Generator, n: int) -> pa.StringArray:
        return self.indexed(rng.integers(0, self.capacity, n, dtype=np.uint64))

    def indexed(self, idx: np.ndarray) -> pa.StringArray:
        if self.codes is not None:
            return ascii_fixed(self.codes[idx.astype(np.intp)][:, None])
        return self.table.take(pa.array(idx.astype(np.int64)))  # type: ignore[return-value]

    def random_runs(self, rng: np.random.Generator, lengths: np.ndarray) -> pa.StringArray:
        total = int(lengths.sum())
        picks = rng.integers(0, self.capacity, total, dtype=np.intp)
        if self.codes is not None:
            return ascii_ragged(self.codes[picks], lengths)
        return join_lists(self.table.take(pa.array(picks)), lengths)  # type: ignore[arg-type]


def _scatter(n: int, groups: list[tuple[np.ndarray, pa.StringArray]]) -> pa.StringArray:
    """Reassemble per-group results (positions, values) into row order."""
    if len(groups) == 1:
        return groups[0][1]
    positions = np.concatenate([g[0] for g in groups])
    values = pa.concat_arrays([g[1] for g in groups])
    order = np.empty(n, dtype=np.int64)
    order[positions] = np.arange(n, dtype=np.int64)
    return values.take(pa.array(order))  # type: ignore[return-value]


class Sequence(Node):
    def __init__(self, items: list[Node]) -> None:
        self.items = items
        cap = 1
        for it in items:
            cap *= it.capacity
        self.capacity = cap

    def chars(self) -> frozenset[str]:
        return frozenset().union(*(it.chars() for it in self.items))

    def first(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for it in self.items:
            out |= it.first()
            if not it.nullable():
                break
        return out

    def nullable(self) -> bool:
        return all(it.nullable() for it in self.items)

    def fixed_len(self) -> int | None:
        lens = [it.fixed_len() for it in self.items]
        return None if any(n is None for n in lens) else sum(n for n in lens if n is not None)

    def max_len(self) -> int:
        return sum(it.max_len() for it in self.items)

    def unambiguous(self) -> bool:
        # Each part's extent must be decidable: fixed length, or followed by characters it cannot contain.
        for i, it in enumerate(self.items):
            if not it.unambiguous():
                return False
            if it.fixed_len() is None and (it.chars() & Sequence(self.items[i + 1 :]).first()):
                return False
        return True

    def random(self, rng: np.random.Generator, n: int) -> pa.StringArray:
        return concat([it.random(rng, n) for it in self.items], n)

    def indexed(self, idx: np.ndarray) -> pa.StringArray:
        # Mixed radix, last item varying fastest.
        parts: list[pa.Array | str] = []
        rest = idx.astype(np.uint64, copy=True)
        for it in reversed(self.items):
            if it.capacity == 1:
                parts.append(it.indexed(np.zeros_like(rest)))
                continue
            if it.capacity > _U64MAX:
                parts.append(it.indexed(rest))
                rest = np.zeros_like(rest)
                continue
            radix = np.uint64(it.capacity)
            parts.append(it.indexed(rest % radix))
            rest = rest // radix
        parts.reverse()
        return concat(parts, len(idx))


class Alternation(Node):
    def __init__(self, options: list[Node]) -> None:
        self.options = options
        self.capacity = sum(o.capacity for o in options)
        starts = np.cumsum([0] + [min(o.capacity, _U64MAX) for o in options[:-1]], dtype=object)
        self.starts = np.array([min(int(s), _U64MAX) for s in starts], dtype=np.uint64)

    def chars(self) -> frozenset[str]:
        return frozenset().union(*(o.chars() for o in self.options))

    def first(self) -> frozenset[str]:
        return frozenset().union(*(o.first() for o in self.options))

    def nullable(self) -> bool:
        return any(o.nullable() for o in self.options)

    def fixed_len(self) -> int | None:
        lens = {o.fixed_len() for o in self.options}
        return lens.pop() if len(lens) == 1 else None

    def max_len(self) -> int:
        return max((o.max_len() for o in self.options), default=0)

    def unambiguous(self) -> bool:
        if not all(o.unambiguous() for o in self.options):
            return False
        if all(isinstance(o, Literal) for o in self.options):
            return len({o.text for o in self.options if isinstance(o, Literal)}) == len(self.options)
        lens = [o.fixed_len() for o in self.options]
        if None not in lens and len(set(lens)) == len(lens):
            return True
        if sum(o.nullable() for o in self.options) > 1:
            return False
        firsts = [o.first() for o in self.options]
        return all(not (firsts[i] & firsts[j]) for i in range(len(firsts)) for j in range(i + 1, len(firsts)))

    def random(self, rng: np.random.Generator, n: int) -> pa.StringArray:
        which = rng.integers(0, len(self.options), n)
        groups = []
        for k, opt in enumerate(self.options):
            pos = np.flatnonzero(which == k)
            if pos.size:
                groups.append((pos, opt.random(rng, pos.size)))
        return _scatter(n, groups) if groups else _const("", 0)

    def indexed(self, idx: np.ndarray) -> pa.StringArray:
        which = np.searchsorted(self.starts, idx, side="right") - 1
        groups = []
        for k, opt in enumerate(self.options):
            pos = np.flatnonzero(which == k)
            if pos.size:
                groups.append((pos, opt.indexed(idx[pos] - self.starts[k])))
        return _scatter(len(idx), groups) if groups else _const("", 0)


class Repeat(Node):
    def __init__(self, item: Node, lo: int, hi: int) -> None:
        self.item, self.lo, self.hi = item, lo, hi
        counts = [item.capacity**k for k in range(lo, hi + 1)]
        self.capacity = sum(counts)
        cum = np.cumsum([0, *counts[:-1]], dtype=object)
        self.starts = np.array([min(int(c), _U64MAX) for c in cum], dtype=np.uint64)

    def chars(self) -> frozenset[str]:
        return self.item.chars()

    def first(self) -> frozenset[str]:
        return self.item.first()

    def nullable(self) -> bool:
        return self.lo == 0 or self.item.nullable()

    def fixed_len(self) -> int | None:
        n = self.item.fixed_len()
        return None if n is None or (self.lo != self.hi and n != 0) else n * self.lo

    def max_len(self) -> int:
        return self.item.max_len() * self.hi

    def unambiguous(self) -> bool:
        # Repeats of a fixed-length item: the count follows from the length, the items from the positions.
        n = self.item.fixed_len()
        return self.item.unambiguous() and n is not None and (n > 0 or self.lo == self.hi)

    def random(self, rng: np.random.Generator, n: int) -> pa.StringArray:
        lengths = rng.integers(self.lo, self.hi + 1, n)
        if isinstance(self.item, CharClass):
            return self.item.random_runs(rng, lengths)
        values = self.item.random(rng, int(lengths.sum()))
        return join_lists(values, lengths)

    def indexed(self, idx: np.ndarray) -> pa.StringArray:
        which = np.searchsorted(self.starts, idx, side="right") - 1
        groups = []
        for k in np.unique(which):
            pos = np.flatnonzero(which == k)
            length = self.lo + int(k)
            rest = idx[pos] - self.starts[k]
            seq = Sequence([self.item] * length) if length else Literal("")
            groups.append((pos, seq.indexed(rest)))
        return _scatter(len(idx), groups)


def _class_chars(items: list[tuple[Any, Any]]) -> list[str]:
    chars: list[str] = []
    negate = False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(av))  # type: ignore[arg-type]
        elif name == "RANGE":
            lo, hi = av  # type: ignore[misc]
            if hi - lo > 5000:
                raise SchemaError("pattern character range is too wide to generate from")
            chars.extend(chr(c) for c in range(lo, hi + 1))
        elif name == "CATEGORY":
            cat = str(av)
            if cat.startswith("CATEGORY_NOT_"):
                excluded = set(_CATEGORIES.get(cat.replace("NOT_", ""), []))
                chars.extend(c for c in _PRINTABLE if c not in excluded)
            elif cat in _CATEGORIES:
                chars.extend(_CATEGORIES[cat])
            else:
                raise SchemaError(f"pattern uses an unsupported class {cat}")
        else:
            raise SchemaError(f"pattern uses an unsupported construct inside [...]: {name}")
    if negate:
        excluded = set(chars)
        chars = [c for c in _PRINTABLE if c not in excluded]
    return chars


def _build(tokens: list[tuple[Any, Any]]) -> Node:
    items: list[Node] = []
    for op, av in tokens:
        name = str(op)
        if name == "LITERAL":
            ch = chr(av)  # type: ignore[arg-type]
            if items and isinstance(items[-1], Literal):
                items[-1] = Literal(items[-1].text + ch)
            else:
                items.append(Literal(ch))
        elif name == "IN":
            items.append(CharClass(_class_chars(av)))  # type: ignore[arg-type]
        elif name == "ANY":
            items.append(CharClass(_PRINTABLE))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av  # type: ignore[misc]
            if hi == sre_c.MAXREPEAT:
                hi = lo + UNBOUNDED_EXTRA
            items.append(Repeat(_build(list(sub)), int(lo), int(hi)))
        elif name == "SUBPATTERN":
            items.append(_build(list(av[-1])))  # type: ignore[index]
        elif name == "ATOMIC_GROUP":
            items.append(_build(list(av)))  # type: ignore[arg-type]
        elif name == "BRANCH":
            items.append(Alternation([_build(list(b)) for b in av[1]]))  # type: ignore[index]
        elif name == "AT":
            if str(av) not in ("AT_BEGINNING", "AT_END", "AT_BEGINNING_STRING", "AT_END_STRING"):
                raise SchemaError(f"pattern uses an unsupported anchor {av} (only ^ and $ are supported)")
        else:
            raise SchemaError(
                f"pattern uses an unsupported construct ({name}); supported: literals, classes, \\d \\w \\s, ., "
                "quantifiers, groups, alternation, ^ $"
            )
    if len(items) == 1:
        return items[0]
    return Sequence(items)


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Node:
    """Parse ``pattern`` into a generator tree; SchemaError if invalid or outside the subset."""
    try:
        re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise SchemaError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return _build(list(parsed))


def pattern_capacity(pattern: str) -> int:
    return compile_pattern(pattern).capacity


def unique_pattern(pattern: str) -> Node:
    """The pattern's tree, checked to be unambiguous (each string has one parse) so indices give
    distinct strings; SchemaError otherwise."""
    node = compile_pattern(pattern)
    if not node.unambiguous():
        raise SchemaError(
            f"pattern {pattern!r} is ambiguous (one string can be built in several ways), so unique values cannot "
            "be guaranteed; use fixed-length parts or separators that the variable parts cannot contain"
        )
    return node
