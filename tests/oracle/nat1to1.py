"""Twin of nvbench.fastpath.nat1to1: a 1:1 NAT device, one frame at a time, as bytes.

A dict maps (routing domain, inside address) to the public address and back. The IPv4
checksum and (for the first fragment of UDP and TCP) the L4 checksum are updated per RFC
1624 for the 32-bit address change; a UDP checksum of 0 (none) stays 0.
"""

from __future__ import annotations

import struct

from nvbench.fastpath.verdict import Verdict as V
from tests.oracle.checksum import update16
from tests.oracle.frames import check_ipv4, l3_start

SRC, DST = 12, 16  # IPv4 address offsets


class OneToOne:
    def __init__(self) -> None:
        self.public: dict[tuple[int, int], int] = {}
        self.inside: dict[int, tuple[int, int]] = {}

    def add(self, domain: int, inside: int, public: int) -> None:
        self.public[(domain, inside)] = public
        self.inside[public] = (domain, inside)

    def outbound(self, frame: bytes, domain: int) -> tuple[int, bytes, int]:
        """(verdict, frame, domain) after giving the source its public address."""
        v, l3, ihl, total, proto = _parse(frame)
        if v != V.OK:
            return v, frame, domain
        src = struct.unpack_from("!I", frame, l3 + SRC)[0]
        if (domain, src) not in self.public:
            return V.NAT_NO_SESSION, frame, domain
        return V.OK, _set(frame, l3, ihl, total, proto, SRC, self.public[(domain, src)]), domain

    def inbound(self, frame: bytes, domain: int) -> tuple[int, bytes, int]:
        """(verdict, frame, domain) after giving the destination its inside address."""
        v, l3, ihl, total, proto = _parse(frame)
        if v != V.OK:
            return v, frame, domain
        dst = struct.unpack_from("!I", frame, l3 + DST)[0]
        if dst not in self.inside:
            return V.NAT_NO_SESSION, frame, domain
        to, addr = self.inside[dst]
        return V.OK, _set(frame, l3, ihl, total, proto, DST, addr), to


def _parse(frame: bytes):
    v, l3 = l3_start(frame)
    if v != V.OK:
        return v, 0, 0, 0, 0
    v, ihl, total, proto = check_ipv4(frame, l3)
    if v == V.FRAGMENT:  # a 1:1 NAT rewrites fragments too
        v = V.OK
    return v, l3, ihl, total, proto


def _patch(b: bytearray, at: int, old: int, new: int, udp: bool = False) -> None:
    hc = struct.unpack_from("!H", b, at)[0]
    if udp and hc == 0:
        return
    for shift in (16, 0):
        hc = update16(hc, (old >> shift) & 0xFFFF, (new >> shift) & 0xFFFF)
    struct.pack_into("!H", b, at, 0xFFFF if udp and hc == 0 else hc)


def _set(frame: bytes, l3: int, ihl: int, total: int, proto: int, at: int, addr: int) -> bytes:
    b = bytearray(frame)
    old = struct.unpack_from("!I", b, l3 + at)[0]
    struct.pack_into("!I", b, l3 + at, addr)
    _patch(b, l3 + 10, old, addr)
    first = struct.unpack_from("!H", b, l3 + 6)[0] & 0x1FFF == 0
    l4, l4len = l3 + ihl, total - ihl
    if first and proto == 17 and l4len >= 8:
        _patch(b, l4 + 6, old, addr, udp=True)
    elif first and proto == 6 and l4len >= 20:
        _patch(b, l4 + 16, old, addr)
    return bytes(b)
