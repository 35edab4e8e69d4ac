"""Technical values: identifiers (UUID), credential hashes, HTTP methods and statuses, log levels, user agents."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sdga.engine.context import Draw
from sdga.engine.fields.categorical import register_fixed_choice
from sdga.engine.fields.registry import register, register_vocabulary
from sdga.engine.patterns import ascii_fixed
from sdga.engine.rng import mix64

_U64 = np.uint64

register_fixed_choice(
    "http_method",
    "HTTP method, weighted like real traffic (GET most common).",
    "technical",
    ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"],
    [60, 20, 8, 5, 5, 1, 1],
    pa.string(),
)
register_fixed_choice(
    "http_status",
    "HTTP status code, weighted (mostly 2xx, some 3xx/4xx/5xx).",
    "technical",
    [200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503],
    [70, 5, 3, 1, 2, 3, 4, 3, 2, 4, 0.5, 1, 0.5, 1, 0.5, 0.5],
    pa.int64(),
)
register_fixed_choice(
    "log_level",
    "Log level, weighted (INFO most common).",
    "technical",
    ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"],
    [15, 60, 15, 8, 2],
    pa.string(),
)
register_vocabulary("user_agent", "user_agent", "Browser user-agent string.", "technical", "Mozilla/5.0 ...")


_HASH_CHUNK = 16_384
_B64 = np.frombuffer(b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)


@register("password_hash", "bcrypt-shaped hash of nothing (random salt+digest; never a real password).",
          "security", pa.string(), lambda _f, _l: None, example="$2b$12$...")  # fmt: skip
def gen_password_hash(d: Draw) -> pa.Array:
    rng = d.rng("v")
    # Drawn in chunks: the same stream as one (n, 53) draw (a power-of-two range never rejects), but the
    # int64 indices stay in cache instead of a 424 MB temporary per million rows (2.5x faster).
    body = np.empty((d.n, 53), dtype=np.uint8)
    for start in range(0, d.n, _HASH_CHUNK):
        stop = min(start + _HASH_CHUNK, d.n)
        body[start:stop] = np.take(_B64, rng.integers(0, 64, (stop - start, 53)))
    if d.unique:
        assert d.rows is not None
        u = mix64(d.rows, d.key("unique") & ((1 << 64) - 1))
        for i in range(11):  # embed a bijective 64-bit tag in the first 11 chars (6 bits each)
            body[:, i] = _B64[((u >> _U64(6 * i)) & _U64(63)).astype(np.intp)]
    prefix = np.frombuffer(b"$2b$12$", dtype=np.uint8)
    return ascii_fixed(np.hstack([np.broadcast_to(prefix, (d.n, 7)), body]))


_HEX_PAIRS = np.array([[ord(c) for c in f"{i:02x}"] for i in range(256)], dtype=np.uint8)
_HEX_PAIRS16 = np.ascontiguousarray(_HEX_PAIRS).view(np.uint16).ravel()


def uuid_strings(hi: np.ndarray, lo: np.ndarray) -> pa.StringArray:
    """Canonical 36-char UUID strings from two uint64 halves, built as one ASCII matrix."""
    n = len(hi)
    raw = np.empty((n, 2), dtype=">u8")
    raw[:, 0] = hi
    raw[:, 1] = lo
    # one 16-bit lookup per byte gives its two hex digits
    h = np.take(_HEX_PAIRS16, raw.view(np.uint8).reshape(n, 16)).view(np.uint8)
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    out = np.concatenate([h[:, 0:8], dash, h[:, 8:12], dash, h[:, 12:16], dash, h[:, 16:20], dash, h[:, 20:32]], axis=1)
    return ascii_fixed(out)


@register("uuid", "Random (version 4) UUID; unique by construction (a keyed bijection of the row).",
          "identifier", pa.string(), lambda _f, _l: None, row_addressable=True,
          example="1b4e28ba-2fa1-41d2-883f-0016d3cca427")  # fmt: skip
def gen_uuid(d: Draw) -> pa.Array:
    if d.rows is not None:
        k1 = d.key("hi") & ((1 << 64) - 1)
        k2 = d.key("lo") & ((1 << 64) - 1)
        u = mix64(d.rows, k1)  # bijective in the row: distinct rows, distinct u
        lo = mix64(d.rows, k2)
    else:
        rng = d.rng("v")
        u = rng.integers(0, np.iinfo(np.uint64).max, d.n, dtype=np.uint64, endpoint=True)
        lo = rng.integers(0, np.iinfo(np.uint64).max, d.n, dtype=np.uint64, endpoint=True)
    # Version nibble overwrites bits 12..15 of u; keep those 4 bits in lo so (hi, lo) still determines u.
    hi = (u & ~_U64(0xF000)) | _U64(0x4000)
    lo = (lo & _U64(0x3FFFFFFFFFFFFFF0)) | _U64(0x8000000000000000) | ((u >> _U64(12)) & _U64(0xF))
    return uuid_strings(hi, lo)
