"""Twin of IPv4 fragmentation and reassembly (nvbench.fastpath.fragment, .reassembly):
bytes and dicts, headers packed with struct, checksums computed in full.

The reassembly twin keeps, per datagram, the set of byte ranges received (not a block
bitmap) and rebuilds the packet by joining them, so it shares no layout with the kernel.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from nvbench.fastpath.verdict import MOVED
from nvbench.fastpath.verdict import Verdict as V
from tests.oracle.checksum import checksum

DF, MF, OFFSET = 0x4000, 0x2000, 0x1FFF


def _ip(frame: bytes) -> tuple[int, int, int] | None:
    """(l3, ihl, total) of an untagged Ethernet/IPv4 frame, or None if it is none."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[14] >> 4 != 4:
        return None
    ihl = (frame[14] & 0xF) * 4
    (total,) = struct.unpack_from("!H", frame, 16)
    if ihl < 20 or total < ihl or 14 + total > len(frame) or checksum(frame[14 : 14 + ihl]):
        return None
    return 14, ihl, total


def _header(frame: bytes, ihl: int, total: int, flags_frag: int) -> bytes:
    """Ethernet and IPv4 headers of ``frame`` with a new total length and flags/offset."""
    h = bytearray(frame[: 14 + ihl])
    struct.pack_into("!H", h, 16, total)
    struct.pack_into("!H", h, 20, flags_frag)
    struct.pack_into("!H", h, 24, 0)
    struct.pack_into("!H", h, 24, checksum(bytes(h[14:])))
    return bytes(h)


def fragment(frame: bytes, mtu: int) -> tuple[int, list[bytes]]:
    """(verdict, pieces) of one frame at ``mtu``: ([frame]) if it fits; TOO_BIG if DF."""
    ip = _ip(frame)
    if ip is None:
        return V.OK, [frame]
    _, ihl, total = ip
    if total <= mtu or mtu - ihl < 8:
        return V.OK, [frame]
    (ff,) = struct.unpack_from("!H", frame, 20)
    if ff & DF:
        return V.TOO_BIG, [frame]
    step = (mtu - ihl) // 8 * 8
    payload = frame[14 + ihl : 14 + total]
    out = []
    for at in range(0, len(payload), step):
        chunk = payload[at : at + step]
        last = at + step >= len(payload)
        more = (ff & MF) if last else MF
        out.append(_header(frame, ihl, ihl + len(chunk), more | ((ff & OFFSET) + at // 8)) + chunk)
    return V.OK, out


@dataclass
class Datagram:
    first_t: int
    tenant: int
    flow: int = 0  # its first piece's
    ranges: dict[int, bytes] = field(default_factory=dict)  # offset -> bytes
    end: int | None = None
    head: bytes | None = None  # Ethernet + IPv4 header of the offset-0 fragment
    frags: int = 0


class ReassemblyModel:
    def __init__(self, room: int, timeout_ns: int, max_entries: int) -> None:
        self.room, self.timeout, self.max = room, timeout_ns, max_entries
        self.pending: dict[tuple[int, int, int, int], Datagram] = {}
        self.timeouts: dict[int, int] = {}  # tenant -> packets given up (first piece here)
        self.absorbed: dict[int, int] = {}  # tenant -> pieces absorbed

    def _absorb(self, tenant: int, n: int) -> None:
        self.absorbed[tenant] = self.absorbed.get(tenant, 0) + n

    def _give_up(self, key) -> None:
        d = self.pending.pop(key)
        first = d.head is not None
        self.timeouts[d.tenant] = self.timeouts.get(d.tenant, 0) + int(first)
        self._absorb(d.tenant, d.frags - int(first))

    def take(self, frame: bytes, t: int, tenant: int, flow: int = 0):
        """(verdict, the whole packet if this fragment completed one else None, its
        tenant, its flow) for one arriving frame; MOVED if it waits in a datagram."""
        ip = _ip(frame)
        if ip is None:
            return V.OK, frame, tenant, flow
        _, ihl, total = ip
        (ff,) = struct.unpack_from("!H", frame, 20)
        if not ff & (MF | OFFSET):
            return V.OK, frame, tenant, flow
        off, more = (ff & OFFSET) * 8, bool(ff & MF)
        data = frame[14 + ihl : 14 + total]
        key = (frame[26:30], frame[30:34], frame[23], frame[18:20])
        d = self.pending.get(key)
        if d is not None and t - d.first_t > self.timeout:
            self._give_up(key)
            d = None
        if d is None:
            if len(self.pending) >= self.max:
                return V.REASSEMBLY_FULL, None, tenant, flow
            d = Datagram(t, tenant)
        if not self._fits(d, off, len(data), more):
            return V.BAD_FRAGMENT, None, tenant, flow
        self.pending[key] = d
        d.ranges[off] = data
        d.frags += 1
        d.first_t = min(d.first_t, t)
        if off == 0:
            d.head = frame[: 14 + ihl]
            d.flow = flow if flow >= 0 else -1 - flow
        if not more:
            d.end = off + len(data)
        got = sum(len(x) for x in d.ranges.values())
        if d.head is None or d.end is None or got != d.end:
            return MOVED, None, tenant, flow
        del self.pending[key]
        self._absorb(d.tenant, d.frags - 1)
        payload = b"".join(d.ranges[k] for k in sorted(d.ranges))
        ihl0 = len(d.head) - 14
        (ff0,) = struct.unpack_from("!H", d.head, 20)
        whole = _header(d.head, ihl0, ihl0 + d.end, ff0 & DF) + payload
        return V.OK, whole, d.tenant, d.flow

    def _fits(self, d: Datagram, off: int, n: int, more: bool) -> bool:
        if n <= 0 or (more and n % 8) or off + n > self.room:
            return False
        if not more and d.end is not None:
            return False
        if d.end is not None and off + n > d.end:
            return False
        blocks = range(off // 8, (off + n + 7) // 8)
        for o, x in d.ranges.items():  # whole 8-byte blocks, as received
            if set(blocks) & set(range(o // 8, (o + len(x) + 7) // 8)):
                return False
        if not more:
            last = (off + n + 7) // 8
            if any((o + len(x) + 7) // 8 > last for o, x in d.ranges.items()):
                return False
        return True

    def expire(self, before: int) -> None:
        for key in [k for k, d in self.pending.items() if before - d.first_t > self.timeout]:
            self._give_up(key)

    def held(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for d in self.pending.values():
            out[d.tenant] = out.get(d.tenant, 0) + d.frags
        return out
