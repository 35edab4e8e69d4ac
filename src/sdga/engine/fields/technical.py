"""Technical values: identifiers (UUID), credential hashes, HTTP methods and statuses, log levels, user agents
and host names."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pyarrow as pa

from sdga.engine.context import Draw
from sdga.engine.fields.categorical import register_fixed_choice
from sdga.engine.fields.choice import pick_weighted, take
from sdga.engine.fields.registry import register
from sdga.engine.lexicon import lexicon
from sdga.engine.patterns import ascii_fixed, concat
from sdga.engine.rng import mix64
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

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


@cache
def _user_agents() -> tuple[pa.Array, np.ndarray]:
    """Every user agent of the lexicon's templates and versions, with its share of traffic (cumulative)."""
    lex = lexicon("user_agents")
    versions: dict[str, list[str]] = lex["versions"]
    agents: list[str] = []
    weights: list[float] = []
    for weight, template in lex["templates"]:
        keys = sorted(set(re.findall(r"\{(\w+)\}", template)) - {"ios_version"})
        key = next((k for k in keys if k in ("chrome", "firefox", "safari", "ios")), keys[0])
        others = [k for k in keys if k != key]
        for i, v in enumerate(versions[key]):
            fill = {key: v, "ios_version": v.replace("_", ".")}
            for k in others:  # secondary parts (Android release, Samsung Internet) follow the main version
                options = versions[k]
                fill[k] = options[min(len(options) - 1, i * len(options) // len(versions[key]))]
            agents.append(template.format(**fill))
            weights.append(weight * (i + 1))  # newer versions are more common
    w = np.asarray(weights, dtype=np.float64)
    return pa.array(agents, pa.string()), np.cumsum(w) / w.sum()


@register("user_agent", "Browser user agent as current Chrome, Edge, Firefox, Safari and Samsung Internet send "
          "it on Windows, macOS, Linux, Android and iOS, weighted like web traffic.", "technical", pa.string(),
          lambda _f, _l: len(_user_agents()[0]),
          example="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")  # fmt: skip
def gen_user_agent(d: Draw) -> pa.Array:
    agents, cdf = _user_agents()
    return pick_weighted(d, agents, cdf)


@cache
def _host_words(kind: str, suffix: str = "") -> tuple[pa.Array, np.ndarray]:
    entries = lexicon("hosts")[kind]
    w = np.array([w for _, w in entries], dtype=np.float64)
    return pa.array([name + suffix for name, _ in entries], pa.string()), np.cumsum(w) / w.sum()


def _weighted(rng: np.random.Generator, kind: str, n: int, suffix: str = "") -> pa.Array:
    values, cdf = _host_words(kind, suffix)
    return take(values, np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(values) - 1))


def _hostname_cap(f: FieldSpec) -> int:
    fmt = (f.constraints.format or "short").lower()
    if fmt == "ec2":
        return 1 << 24
    if fmt == "pod":
        return _POD_CAP
    raise SchemaError(f"field '{f.name}': a unique hostname needs format ec2 or pod (role names repeat)")


_POD_CAP = 27**13
_NUMBERS = pa.array([f"{i:02d}" for i in range(100)], pa.string())
_OCTETS = pa.array([str(i) for i in range(256)], pa.string())
_POD_CHARS = np.frombuffer(b"bcdfghjklmnpqrstvwxz2456789", dtype=np.uint8)  # Kubernetes' safe alphabet


@register("hostname", "Valid host name (RFC 1123): `web-07` (default), `format: fqdn` `api-03.prod.example.com`, "
          "`format: ec2` `ip-10-12-3-45.ec2.internal`, `format: pod` `worker-7d9f8b6c5d-x2k4p`.", "network",
          pa.string(), lambda f, _l: _hostname_cap(f), example="api-03.prod.example.com")  # fmt: skip
def gen_hostname(d: Draw) -> pa.Array:
    fmt = (d.spec.constraints.format or "short").lower()
    rng = d.rng("v")
    if fmt == "ec2":  # private 10/8 addresses, every octet 0-255, as AWS names instances
        octets = d.index(1 << 24)
        parts: list[pa.Array | str] = ["ip-10-"]
        for shift, tail in ((16, "-"), (8, "-"), (0, ".ec2.internal")):
            parts += [take(_OCTETS, (octets >> np.uint64(shift)) & np.uint64(255)), tail]
        return concat(parts, d.n)
    if fmt == "pod":  # a deployment's pod: role, ReplicaSet hash (10 chars), pod suffix (5 chars)
        idx = d.index(_POD_CAP)
        chars = np.empty((d.n, 16), dtype=np.uint8)
        chars[:, 10] = ord("-")
        rest = idx.astype(np.uint64)
        for pos in [*range(10), 11, 12, 13]:  # from the index (so unique pods differ), least significant first
            chars[:, pos] = _POD_CHARS[(rest % np.uint64(27)).astype(np.intp)]
            rest //= np.uint64(27)
        chars[:, 14:] = _POD_CHARS[rng.integers(0, 27, (d.n, 2))]
        return concat([_weighted(rng, "roles", d.n, "-"), ascii_fixed(chars)], d.n)
    if fmt not in ("short", "fqdn"):
        raise SchemaError(f"field '{d.spec.name}': hostname format must be short, fqdn, ec2 or pod")
    role = _weighted(rng, "roles", d.n, "-")
    number = take(_NUMBERS, 1 + np.minimum(np.floor(rng.exponential(6.0, d.n)).astype(np.int64), 98))
    if fmt == "short":
        return concat([role, number], d.n)
    env = _weighted(rng, "environments", d.n, ".example.com")
    return concat([role, number, ".", env], d.n)


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


def uuid_strings(hi: np.ndarray, lo: np.ndarray, dashes: bool = True) -> pa.StringArray:
    """Canonical 36-char UUID strings from two uint64 halves, built as one ASCII matrix (32 hex digits
    without the dashes: the W3C trace-context form of a 128-bit id)."""
    n = len(hi)
    raw = np.empty((n, 2), dtype=">u8")
    raw[:, 0] = hi
    raw[:, 1] = lo
    # one 16-bit lookup per byte gives its two hex digits
    h = np.take(_HEX_PAIRS16, raw.view(np.uint8).reshape(n, 16)).view(np.uint8)
    if not dashes:
        return ascii_fixed(np.ascontiguousarray(h))
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    out = np.concatenate([h[:, 0:8], dash, h[:, 8:12], dash, h[:, 12:16], dash, h[:, 16:20], dash, h[:, 20:32]], axis=1)
    return ascii_fixed(out)


@register("uuid", "Random (version 4) UUID; unique by construction (a keyed bijection of the row). `format: hex` "
          "writes its 32 hex digits without dashes (a W3C trace-context trace id).",
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
    return uuid_strings(hi, lo, dashes=(d.spec.constraints.format or "").lower() != "hex")
