"""Counter-based randomness: every (seed, table, field, stream, block) gets its own generator.

Nothing here depends on the order in which blocks are produced, on the caller's batch size or on the
number of worker processes, which is what makes the engine's output byte-identical across them.
"""

from __future__ import annotations

import hashlib

import numpy as np

_U64 = np.uint64
_MASK64 = (1 << 64) - 1

#: Rows per block: the unit a generator produces and the random streams are keyed by.
BLOCK_ROWS = 65_536


def stream_key(seed: int, *parts: object) -> int:
    """A 128-bit key naming one random stream; stable across processes and Python versions."""
    h = hashlib.blake2b(digest_size=16)
    h.update(int(seed).to_bytes(8, "little", signed=False))
    for part in parts:
        h.update(str(part).encode("utf-8"))
        h.update(b"\x00")
    return int.from_bytes(h.digest(), "little")


def block_rng(key: int, block: int) -> np.random.Generator:
    """The generator for one block of one stream: Philox keyed by ``key``, counter offset by the block.

    The block index lives in the second 64-bit word of Philox's 256-bit counter, so blocks never
    overlap unless a block draws more than 2**64 values.
    """
    return np.random.Generator(np.random.Philox(key=key & ((1 << 128) - 1), counter=int(block) << 64))


def mix64(x: np.ndarray, key: int) -> np.ndarray:
    """Keyed SplitMix64 finaliser over a uint64 array: a fast, well-mixed hash for row-addressable values."""
    with np.errstate(over="ignore"):
        z = x.astype(_U64, copy=True)
        z ^= _U64(key & _MASK64)
        z += _U64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
        return z ^ (z >> _U64(31))


class Permutation:
    """A keyed bijection of ``[0, n)`` (balanced Feistel network with cycle walking).

    Unique values are drawn as ``perm(row_index)``: distinct rows always map to distinct values, any row
    can be computed on its own (no global shuffle, no retry loop, no memory proportional to ``n``).
    """

    ROUNDS = 4

    def __init__(self, n: int, key: int) -> None:
        if n < 1:
            raise ValueError("permutation domain must be non-empty")
        self.n = int(n)
        bits = max(2, (self.n - 1).bit_length())
        bits += bits % 2
        self.half = bits // 2
        self.mask = _U64((1 << self.half) - 1)
        self.keys = [stream_key(key & _MASK64, "feistel", r) & _MASK64 for r in range(self.ROUNDS)]

    def _encrypt(self, x: np.ndarray) -> np.ndarray:
        shift = _U64(self.half)
        left = x >> shift
        right = x & self.mask
        top = _U64(64 - self.half)
        with np.errstate(over="ignore"):
            for k in self.keys:
                # Round function: multiplicative hash of the right half, keyed; the high bits are well mixed.
                z = (right ^ _U64(k)) * _U64(0x9E3779B97F4A7C15)
                z ^= z >> _U64(29)
                z *= _U64(0xBF58476D1CE4E5B9)
                left, right = right, left ^ (z >> top)
        return (left << shift) | right

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Permute indices ``x`` (uint64, each < n)."""
        x = np.asarray(x, dtype=_U64)
        if self.n == 1:
            return np.zeros_like(x)
        out = self._encrypt(x)
        if self.n >= 1 << 64:
            return out
        limit = _U64(self.n)
        todo = np.flatnonzero(out >= limit)
        # Cycle walking: the Feistel domain is at most 4n, so few passes are needed; each pass is vectorised.
        while todo.size:
            vals = self._encrypt(out[todo])
            out[todo] = vals
            todo = todo[vals >= limit]
        return out
