"""Twin of the NAT44 (NAPT) kernels: dicts, deques and full checksum recomputation.

It is given the NAT's initial port permutations (``NatTable.rings``, taken before
any traffic) and then decides every port, slot and verdict on its own, so the kernel's
output can be compared with it byte for byte.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field

from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.verdict import Verdict as V
from nvbench.packet.layouts import ICMP_ECHO, IPV4, TCP, UDP
from tests.oracle.checksum import checksum, pseudo_header, update16
from tests.oracle.frames import check_ipv4, l3_start

NS = 1_000_000_000
RING = 65536 - 1024  # ports per address and protocol
PROTOS = (17, 6, 1)  # protocol code 0, 1, 2
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
TRANS, EST, CLOSING = "transitory", "established", "closing"


@dataclass
class Mapping:
    tenant: int
    pc: int
    in_addr: int
    in_port: int
    pub: int
    pport: int
    last: int = 0
    tcp: str = TRANS
    fin_out: bool = False
    fin_in: bool = False
    static: bool = False
    remotes: list[int] = field(default_factory=list)


class NatModel:
    def __init__(self, capacity: int, config: NatConfig, rings) -> None:
        self.cfg = config
        self.adf = config.filtering == "address-dependent"  # remotes remembered
        self.filters: dict[int, bool] = {}  # per tenant
        self.free = list(range(capacity - 1, -1, -1))  # pop() gives slot 0 first, LIFO
        self.slots: dict[int, Mapping] = {}
        self.inside: dict[tuple, int] = {}
        self.outside: dict[tuple, int] = {}
        self.addresses: list[int] = []
        self.pools: dict[int, list[int]] = {}
        self.quota: dict[int, int] = {}
        self.used: dict[int, int] = {}
        ports, avail = rings[0], rings[1]
        self.rings = [
            deque(zip(ports[r].tolist(), avail[r].tolist(), strict=True))
            for r in range(ports.shape[0])
        ]
        self.created = self.expired_count = self.hairpinned = 0
        # Paired pooling: (tenant, inside address) -> [pool address index, dynamic mappings].
        self.pairs: dict[tuple[int, int], list[int]] = {}
        self.max_hosts = min(capacity, 1 << 16)

    # -- configuration, in the same order as the NatTable was given it ------------------
    def add_address(self, addr: int) -> int:
        if addr not in self.addresses:
            self.addresses.append(addr)
        return self.addresses.index(addr)

    def add_tenant(self, t: int, pool: list[int], quota: int | None = None,
                   filtering: str | None = None) -> None:  # fmt: skip
        self.filters[t] = (filtering or self.cfg.filtering) == "address-dependent"
        self.adf = self.adf or self.filters[t]
        self.pools[t] = [self.add_address(a) for a in pool]
        self.quota[t] = 2**31 - 1 if quota is None else quota
        self.used.setdefault(t, 0)

    def add_static(self, t: int, proto: int, inside, public) -> None:
        pc, a = PROTOS.index(proto), self.add_address(public[0])
        ring = self.rings[a * 3 + pc]
        k = [p for p, _ in ring].index(public[1])
        ring[k] = ring[0]  # the kernel moves the head entry into the hole
        ring.popleft()
        self._new(Mapping(t, pc, inside[0], inside[1], public[0], public[1], static=True, tcp=EST))

    def _new(self, m: Mapping) -> int:
        s = self.free.pop()
        self.slots[s] = m
        self.inside[(m.tenant, m.pc, m.in_addr, m.in_port)] = s
        self.outside[(m.pc, m.pub, m.pport)] = s
        return s

    # -- timers --------------------------------------------------------------------
    def timeout(self, m: Mapping) -> int | None:
        if m.static:
            return None
        c = self.cfg
        if m.pc == 0:
            return int(c.udp_timeout * NS)
        if m.pc == 2:
            return int(c.icmp_timeout * NS)
        return int((c.tcp_established_timeout if m.tcp == EST else c.tcp_transitory_timeout) * NS)

    def end(self, m: Mapping) -> int | None:
        """When ``m`` runs out if nothing refreshes it (None: never)."""
        t = self.timeout(m)
        return None if t is None else m.last + t

    def is_expired(self, s: int, now: int) -> bool:
        e = self.end(self.slots[s])
        return e is not None and now > e

    def release(self, s: int, now: int) -> None:
        m = self.slots.pop(s)
        del self.inside[(m.tenant, m.pc, m.in_addr, m.in_port)]
        del self.outside[(m.pc, m.pub, m.pport)]
        avail = -(-(now + int(self.cfg.port_hold_down * NS)) // NS)
        self.rings[self.addresses.index(m.pub) * 3 + m.pc].append((m.pport, avail))
        self.used[m.tenant] -= 1
        if not m.static:
            pair = self.pairs[(m.tenant, m.in_addr)]
            pair[1] -= 1
            if pair[1] == 0:
                del self.pairs[(m.tenant, m.in_addr)]
        self.free.append(s)

    def expire(self, now: int) -> int:
        """The idle timer's ticks up to ``now``, each freeing the mappings dead before it,
        found here tick by tick from the mappings' ends (the kernel keeps a next tick)."""
        period = int(self.cfg.sweep_every * NS)
        freed = 0
        while True:
            ends = [e for m in self.slots.values() if (e := self.end(m)) is not None]
            if not ends:
                return freed
            tick = (min(ends) // period + 1) * period
            if tick > now:
                return freed
            gone = [s for s in sorted(self.slots) if (self.end(self.slots[s]) or tick) < tick]
            for s in gone:
                self.release(s, tick)
            self.expired_count += len(gone)
            freed += len(gone)

    # -- per packet ------------------------------------------------------------------
    def tcp_update(self, m: Mapping, flags: int, outbound: bool) -> None:
        if flags & RST:
            m.tcp, m.fin_out, m.fin_in = CLOSING, False, False
            return
        if outbound and flags & (SYN | ACK) == SYN and m.tcp == CLOSING:
            m.tcp, m.fin_out, m.fin_in = TRANS, False, False
            return
        if not outbound and m.tcp == TRANS:
            m.tcp = EST
        if flags & FIN:
            if outbound:
                m.fin_out = True
            else:
                m.fin_in = True
        if m.fin_out and m.fin_in:
            m.tcp = CLOSING

    def create(self, t: int, pc: int, addr: int, port: int, now: int):
        if not self.free:
            return V.NAT_STATE_FULL, None
        if self.used[t] >= self.quota[t]:
            return V.NAT_QUOTA_EXCEEDED, None
        pair = self.pairs.get((t, addr))
        if pair is None and len(self.pairs) >= self.max_hosts:
            return V.NAT_STATE_FULL, None
        a = pair[0] if pair else self.least_loaded(self.pools[t])
        ring = self.rings[a * 3 + pc]
        if not ring or ring[0][1] * NS > now:
            return V.NAT_PORTS_EXHAUSTED, None
        pport, _ = ring.popleft()
        self.pairs.setdefault((t, addr), [a, 0])[1] += 1
        s = self._new(Mapping(t, pc, addr, port, self.addresses[a], pport, last=now))
        self.used[t] += 1
        self.created += 1
        return V.OK, s

    def least_loaded(self, pool: list[int]) -> int:
        """The pool address with the fewest ports in use, the first on a tie."""
        in_use = [sum(RING - len(self.rings[a * 3 + pc]) for pc in range(3)) for a in pool]
        return pool[in_use.index(min(in_use))]

    def outbound(self, frame: bytes, t: int, now: int):
        """(verdict, frame, tenant) for one packet leaving tenant ``t``."""
        self.expire(now)
        v, p = parse(frame)
        if v == V.NAT_UNSUPPORTED:
            return self.icmp_error_out(frame, t, now)
        if v != V.OK:
            return v, frame, t
        if t not in self.pools:
            return V.NO_MAPPING, frame, t
        s = self.inside.get((t, p.pc, p.src, p.sport))
        if s is not None and self.is_expired(s, now):
            self.release(s, now)
            self.expired_count += 1
            s = None
        if s is None:
            v, s = self.create(t, p.pc, p.src, p.sport, now)
            if v != V.OK:
                return v, frame, t
        m = self.slots[s]
        if p.pc == 1:
            self.tcp_update(m, p.flags, True)
        m.last = max(m.last, now)
        if self.adf and p.dst not in m.remotes:
            m.remotes = [p.dst, *m.remotes][:4]
        frame = rewrite(frame, p, "src", m.pub, m.pport)
        if p.dst not in self.addresses:
            return V.OK, frame, t
        v, p2 = parse(frame)
        v, frame, t2 = self.deliver(frame, p2, now)
        if v == V.OK:
            self.hairpinned += 1
        return v, frame, t2

    def inbound(self, frame: bytes, now: int):
        """(verdict, frame, tenant) for one packet arriving from outside."""
        v, p = parse(frame)
        if v == V.NAT_UNSUPPORTED:
            return self.icmp_error(frame, now)
        if v != V.OK:
            return v, frame, -1
        v, frame, t = self.deliver(frame, p, now)
        unsolicited = v in (V.NAT_NO_SESSION, V.NAT_FILTERED)
        if unsolicited and self.cfg.hold_syn and p.pc == 1 and p.flags & (SYN | ACK) == SYN:
            return V.NAT_SYN_HELD, frame, -1  # RFC 5382 REQ-4: held, answered later
        return v, frame, t

    def icmp_error(self, frame: bytes, now: int):
        """RFC 5508: an ICMP error about a packet the NAT sent out, translated back (the
        quoted packet too); NAT_UNSUPPORTED if it is none."""
        q = _quote(frame)
        if q[0] != V.OK:
            return q[0], frame, -1
        _, l3, l4, end, e3, e4, pc = q
        at = e4 + 4 if pc == 2 else e4
        (public,) = struct.unpack_from("!I", frame, e3 + 12)
        (port,) = struct.unpack_from("!H", frame, at)
        if struct.unpack_from("!I", frame, l3 + 16)[0] != public:
            return V.NAT_NO_SESSION, frame, -1
        s = self.live_outside(pc, public, port, now)
        if s is None:
            return V.NAT_NO_SESSION, frame, -1
        m = self.slots[s]
        b = bytearray(frame)
        struct.pack_into("!I", b, l3 + 16, m.in_addr)
        _reseal_ip(b, l3)
        _requote(b, (l4, end, e3, e4, pc), 12, at, (public, port), (m.in_addr, m.in_port))
        return V.OK, bytes(b), m.tenant

    def icmp_error_out(self, frame: bytes, t: int, now: int):
        """RFC 5508: an inside host's ICMP error about a packet the NAT delivered to it,
        the source and the quoted destination made public; NAT_UNSUPPORTED if it is none."""
        q = _quote(frame)
        if q[0] != V.OK:
            return q[0], frame, t
        _, l3, l4, end, e3, e4, pc = q
        if t not in self.pools:
            return V.NO_MAPPING, frame, t
        at = e4 + 4 if pc == 2 else e4 + 2  # the quoted packet's destination port
        (host,) = struct.unpack_from("!I", frame, e3 + 16)
        (port,) = struct.unpack_from("!H", frame, at)
        if struct.unpack_from("!I", frame, l3 + 12)[0] != host:
            return V.NAT_UNSUPPORTED, frame, t
        s = self.inside.get((t, pc, host, port))
        if s is None or self.is_expired(s, now):
            return V.NAT_NO_SESSION, frame, t
        m = self.slots[s]
        b = bytearray(frame)
        struct.pack_into("!I", b, l3 + 12, m.pub)
        _reseal_ip(b, l3)
        _requote(b, (l4, end, e3, e4, pc), 16, at, (host, port), (m.pub, m.pport))
        return V.OK, bytes(b), t

    def live_outside(self, pc: int, addr: int, port: int, now: int) -> int | None:
        """The mapping of public (pc, addr, port), unless none or it has run out (left
        for the idle timer to free)."""
        s = self.outside.get((pc, addr, port))
        return None if s is None or self.is_expired(s, now) else s

    def deliver(self, frame: bytes, p, now: int):
        s = self.live_outside(p.pc, p.dst, p.dport, now)
        if s is None:
            return V.NAT_NO_SESSION, frame, -1
        m = self.slots[s]
        if self.filters.get(m.tenant, False) and not m.static and p.src not in m.remotes:
            return V.NAT_FILTERED, frame, -1
        if p.pc == 1:
            self.tcp_update(m, p.flags, False)
        m.last = max(m.last, now)
        return V.OK, rewrite(frame, p, "dst", m.in_addr, m.in_port), m.tenant

    def mappings(self) -> set[tuple]:
        return {
            (m.tenant, PROTOS[m.pc], m.in_addr, m.in_port, m.pub, m.pport)
            for m in self.slots.values()
        }


def _quote(frame: bytes):
    """(verdict, l3, l4, end, quoted IP header, quoted transport header, pcode) of a frame
    that may be an ICMP error the NAT translates; NAT_UNSUPPORTED if it is none."""
    v, l3 = l3_start(frame)
    v, ihl, total, proto = check_ipv4(frame, l3)
    l4, end = l3 + ihl, l3 + total
    if proto != 1 or end - l4 < 8 or frame[l4] not in (3, 11, 12):
        return (V.NAT_UNSUPPORTED,)
    e3 = l4 + 8
    if end - e3 < 20 or frame[e3] >> 4 != 4:
        return (V.BAD_L4,)
    eihl = (frame[e3] & 0xF) * 4
    e4 = e3 + eihl
    if eihl < 20 or end - e4 < 8:
        return (V.BAD_L4,)
    eproto = frame[e3 + 9]
    if eproto == 1 and frame[e4] not in (0, 8) or eproto not in (1, 6, 17):
        return (V.NAT_UNSUPPORTED,)
    return V.OK, l3, l4, end, e3, e4, {17: 0, 6: 1, 1: 2}[eproto]


def _requote(b: bytearray, where, addr_at: int, at: int, old, new) -> None:
    """The quoted packet's address at ``e3 + addr_at`` and port at ``at`` from ``old`` to
    ``new`` (address, port): its IP header resealed, its transport checksum patched by RFC
    1624 where quoted, then the ICMP checksum over the whole message computed anew."""
    l4, end, e3, e4, pc = where
    struct.pack_into("!I", b, e3 + addr_at, new[0])
    _reseal_ip(b, e3)
    struct.pack_into("!H", b, at, new[1])
    words = [(old[0] >> 16, new[0] >> 16), (old[0] & 0xFFFF, new[0] & 0xFFFF), (old[1], new[1])]
    if pc == 0 and struct.unpack_from("!H", b, e4 + 6)[0] != 0:
        _patch(b, e4 + 6, words, udp=True)
    elif pc == 1 and end - e4 >= 18:
        _patch(b, e4 + 16, words, udp=False)
    elif pc == 2:
        _patch(b, e4 + 2, words[2:], udp=False)
    struct.pack_into("!H", b, l4 + 2, 0)
    struct.pack_into("!H", b, l4 + 2, checksum(bytes(b[l4:end])))


def _reseal_ip(b: bytearray, l3: int) -> None:
    """The IPv4 header checksum at ``l3``, computed anew."""
    ihl = (b[l3] & 0xF) * 4
    struct.pack_into("!H", b, l3 + 10, 0)
    struct.pack_into("!H", b, l3 + 10, checksum(bytes(b[l3 : l3 + ihl])))


def _patch(b: bytearray, at: int, words: list[tuple[int, int]], udp: bool) -> None:
    hc = struct.unpack_from("!H", b, at)[0]
    for old, new in words:
        hc = update16(hc, old, new)
    struct.pack_into("!H", b, at, 0xFFFF if udp and hc == 0 else hc)


@dataclass
class L4:
    l3: int
    l4: int
    pc: int
    src: int
    dst: int
    sport: int
    dport: int
    flags: int


def parse(frame: bytes):
    v, l3 = l3_start(frame)
    if v != V.OK:
        return v, None
    v, ihl, total, proto = check_ipv4(frame, l3)
    if v != V.OK:
        return v, None
    ip, l4, l4len = IPV4.unpack(frame, l3), l3 + ihl, total - ihl
    if proto == 17:
        if l4len < UDP.length:
            return V.BAD_L4, None
        u = UDP.unpack(frame, l4)
        return V.OK, L4(l3, l4, 0, ip["src"], ip["dst"], u["sport"], u["dport"], 0)
    if proto == 6:
        if l4len < TCP.length:
            return V.BAD_L4, None
        h = TCP.unpack(frame, l4)
        flags = h["off_flags"] & 0x1FF
        return V.OK, L4(l3, l4, 1, ip["src"], ip["dst"], h["sport"], h["dport"], flags)
    if proto == 1:
        if l4len < ICMP_ECHO.length:
            return V.BAD_L4, None
        h = ICMP_ECHO.unpack(frame, l4)
        if h["type"] not in (0, 8):
            return V.NAT_UNSUPPORTED, None
        return V.OK, L4(l3, l4, 2, ip["src"], ip["dst"], h["ident"], h["ident"], 0)
    return V.NAT_UNSUPPORTED, None


def rewrite(frame: bytes, p: L4, which: str, addr: int, port: int) -> bytes:
    """Set src or dst address and port (ICMP: identifier), recomputing checksums in full."""
    b = bytearray(frame)
    ip = IPV4.unpack(b, p.l3)
    ihl = (ip["ver_ihl"] & 0xF) * 4
    struct.pack_into("!I", b, p.l3 + (12 if which == "src" else 16), addr)
    struct.pack_into("!H", b, p.l3 + 10, 0)
    struct.pack_into("!H", b, p.l3 + 10, checksum(bytes(b[p.l3 : p.l3 + ihl])))
    end = p.l3 + ip["total_length"]
    if p.pc == 2:
        struct.pack_into("!H", b, p.l4 + 4, port)
        struct.pack_into("!H", b, p.l4 + 2, 0)
        struct.pack_into("!H", b, p.l4 + 2, checksum(bytes(b[p.l4 : end])))
        return bytes(b)
    struct.pack_into("!H", b, p.l4 + (0 if which == "src" else 2), port)
    at = p.l4 + (6 if p.pc == 0 else 16)
    if p.pc == 0 and struct.unpack_from("!H", b, at)[0] == 0:
        return bytes(b)  # UDP without checksum stays without
    src, dst = struct.unpack_from("!II", b, p.l3 + 12)
    struct.pack_into("!H", b, at, 0)
    proto = PROTOS[p.pc]
    c = checksum(pseudo_header(src, dst, proto, end - p.l4) + bytes(b[p.l4 : end]))
    struct.pack_into("!H", b, at, (c or 0xFFFF) if p.pc == 0 else c)
    return bytes(b)
