"""Network addresses: IPv4 and IPv6 in the documentation ranges, locally administered MAC addresses."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine import safety
from sdga.engine.context import Draw
from sdga.engine.fields.choice import take
from sdga.engine.fields.registry import const_cap, register
from sdga.engine.patterns import concat, hex_digits

_U64 = np.uint64
_IPV4_PREFIXES = pa.array([n.split("0/24")[0] for n in safety.IPV4_NETWORKS], pa.string())


@register("ipv4", "IPv4 address in the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24.",
          "network", pa.string(), const_cap(3 * 254), example="198.51.100.17")  # fmt: skip
def gen_ipv4(d: Draw) -> pa.Array:
    idx = d.index(3 * 254)
    host = (idx % _U64(254) + _U64(1)).astype(np.int64)
    return concat([take(_IPV4_PREFIXES, idx // _U64(254)), pc.cast(pa.array(host), pa.string())], d.n)


_HEX_GROUPS = pa.array([format(i, "x") for i in range(65536)], pa.string())


@register("ipv6", "IPv6 address in the documentation prefix 2001:db8::/32.", "network", pa.string(),
          lambda _f, _l: 1 << 96, example="2001:db8:85a3:0:0:8a2e:370:7334")  # fmt: skip
def gen_ipv6(d: Draw) -> pa.Array:
    low = d.index(1 << 64)
    top = d.rng("top").integers(0, 1 << 32, d.n, dtype=np.uint64)
    groups: list[pa.Array | str] = ["2001:db8:"]
    for k, src, shift in ((0, top, 16), (1, top, 0), (2, low, 48), (3, low, 32), (4, low, 16), (5, low, 0)):
        if k:
            groups.append(":")
        groups.append(take(_HEX_GROUPS, (src >> _U64(shift)) & _U64(0xFFFF)))
    return concat(groups, d.n)


@register("mac_address", "MAC address with the locally-administered bit set (never a vendor's).", "network",
          pa.string(), const_cap(1 << 46), example="02:42:ac:11:00:02")  # fmt: skip
def gen_mac(d: Draw) -> pa.Array:
    idx = d.index(1 << 46)
    first = ((idx >> _U64(40)) << _U64(2)) | _U64(0b10)  # 6 free bits, then locally administered, unicast
    octets = [first] + [(idx >> _U64(8 * k)) & _U64(0xFF) for k in range(4, -1, -1)]
    hexes = [hex_digits(o, 2) for o in octets]
    parts: list[pa.Array | str] = []
    for i, h in enumerate(hexes):
        if i:
            parts.append(":")
        parts.append(h)
    return concat(parts, d.n)
