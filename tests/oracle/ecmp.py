"""Twin of nvbench.fastpath.ecmp: the provider switch's choice of output port, per frame.

Route on the outer IPv4 destination; among a route's members, pick by the 32-bit hash of
(source, destination, GRE key) scaled to the group's size (RFC 7637 section 4.2) [S1].
"""

from __future__ import annotations

import struct

from nvbench.fastpath.verdict import Verdict as V
from tests.oracle.frames import l3_start
from tests.oracle.hashing import hash64


def choose(frame: bytes, routes: dict[int, list[int]], default: list[int] | None) -> int:
    """The output port of ``frame``, or -1 for NO_ROUTE."""
    v, l3 = l3_start(frame)
    avail = len(frame) - l3
    if v != V.OK or avail < 20:
        return -1
    ver_ihl, proto = frame[l3], frame[l3 + 9]
    src, dst = struct.unpack_from("!II", frame, l3 + 12)
    group = routes.get(dst, default)
    if not group:
        return -1
    ihl = (ver_ihl & 0xF) * 4
    key = 0
    if proto == 47 and avail >= ihl + 8:
        key = struct.unpack_from("!I", frame, l3 + ihl + 4)[0]
    h = hash64((src << 31) ^ dst ^ (key << 17))
    return group[h * len(group) >> 32]
