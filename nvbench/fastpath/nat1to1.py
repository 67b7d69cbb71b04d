"""1:1 static NAT: the external NAT device of the public-IP-per-VM pattern.

Each exposed VM, named by (routing domain, inside address), owns one public address,
all ports and protocols: outbound packets get the public source address, inbound ones
the inside destination address, and ports are never changed. Only the addresses and
the checksums that cover them (IPv4 header, TCP/UDP pseudo-header) are rewritten. Any
IPv4 protocol passes, ICMP and fragments included, since no port is looked at.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import CSUM, DST, SRC, check_ipv4, l3_start
from nvbench.fastpath.l4 import PC_TCP, PC_UDP, TCP_LEN, UDP_LEN, rewrite_addr
from nvbench.packet.batch import PacketBatch
from nvbench.packet.checksum import patch32
from nvbench.packet.layouts import IPPROTO_TCP, IPPROTO_UDP, IPV4
from nvbench.packet.wire import rd16, rd32, wr32

_FRAG = IPV4.offset("flags_frag")


@kernel
def _parse(pkt, o, n):
    """(verdict, l3, ihl, total, proto); fragments are fine here."""
    v, l3 = l3_start(pkt, o, n)
    if v != V.OK:
        return v, 0, 0, 0, 0
    v, ihl, total, proto = check_ipv4(pkt, l3, o + n - l3)
    if v == V.FRAGMENT:
        v = V.OK
    return v, l3, ihl, total, proto


@kernel
def _set_address(pkt, l3, ihl, total, proto, addr_at, addr):
    """Rewrite one address and every checksum that covers it."""
    first = (rd16(pkt, l3 + _FRAG) & 0x1FFF) == 0  # later fragments carry no L4 header
    l4len = total - ihl
    if first and proto == IPPROTO_UDP and l4len >= UDP_LEN:
        rewrite_addr(pkt, l3, l3 + ihl, PC_UDP, addr_at, addr)
    elif first and proto == IPPROTO_TCP and l4len >= TCP_LEN:
        rewrite_addr(pkt, l3, l3 + ihl, PC_TCP, addr_at, addr)
    else:  # ICMP and the rest: no pseudo-header
        old = rd32(pkt, l3 + addr_at)
        wr32(pkt, l3 + addr_at, addr)
        patch32(pkt, l3 + CSUM, old, addr)


@kernel
def _outbound(buf, offset, length, rd, verdict, counts, slots, keys, public):
    for i in range(verdict.shape[0]):
        if verdict[i] != V.OK:
            continue
        pkt = buf[i]
        v, l3, ihl, total, proto = _parse(pkt, offset[i], length[i])
        if v == V.OK:
            r = hashtable.find(slots, keys, (np.int64(rd[i]) << 32) | rd32(pkt, l3 + SRC))
            if r < 0:
                v = V.NAT_NO_SESSION
            else:
                _set_address(pkt, l3, ihl, total, proto, SRC, public[r])
        counts[v] += 1
        verdict[i] = v


@kernel
def _inbound(buf, offset, length, rd, verdict, counts, slots, keys, inside, domain):
    for i in range(verdict.shape[0]):
        if verdict[i] != V.OK:
            continue
        pkt = buf[i]
        v, l3, ihl, total, proto = _parse(pkt, offset[i], length[i])
        if v == V.OK:
            r = hashtable.find(slots, keys, rd32(pkt, l3 + DST))
            if r < 0:
                v = V.NAT_NO_SESSION
            else:
                _set_address(pkt, l3, ihl, total, proto, DST, inside[r])
                rd[i] = domain[r]
        counts[v] += 1
        verdict[i] = v


class StaticNat:
    """A 1:1 NAT device: (routing domain, inside address) <-> public address.

    Parameters
    ----------
    capacity : int
        Most exposed VMs.
    """

    def __init__(self, capacity: int) -> None:
        self.by_inside = hashtable.Index(capacity)  # key: domain << 32 | inside address
        self.by_public = hashtable.Index(capacity)  # key: public address
        self.public = np.zeros(capacity, np.int64)
        self.inside = np.zeros(capacity, np.int64)
        self.domain = np.zeros(capacity, np.int32)

    def __len__(self) -> int:
        return len(self.by_inside)

    def add(self, domain: int, inside: int, public: int) -> None:
        """Expose ``inside`` of routing domain ``domain`` as ``public``."""
        key = (domain << 32) | inside
        if self.by_inside.find(np.array([key]))[0] >= 0:
            raise ValueError(f"domain {domain} address {inside:#x} is already mapped")
        if self.by_public.find(np.array([public]))[0] >= 0:
            raise ValueError(f"public address {public:#x} is already in use")
        r = int(self.by_inside.upsert(np.array([key]))[0])
        self.by_public.upsert(np.array([public]))  # same record number: both append
        self.public[r], self.inside[r], self.domain[r] = public, inside, domain

    def outbound(self, batch: PacketBatch, counts: np.ndarray) -> None:
        """Give every OK frame its VM's public source address (``batch.rd`` = domain)."""
        n = batch.n
        _outbound(
            batch.buf,
            batch.offset,
            batch.length,
            batch.rd,
            batch.verdict[:n],
            counts,
            self.by_inside.slots,
            self.by_inside.keys,
            self.public,
        )

    def inbound(self, batch: PacketBatch, counts: np.ndarray) -> None:
        """Give every OK frame its VM's inside destination address; sets ``rd``."""
        n = batch.n
        _inbound(
            batch.buf,
            batch.offset,
            batch.length,
            batch.rd,
            batch.verdict[:n],
            counts,
            self.by_public.slots,
            self.by_public.keys,
            self.inside,
            self.domain,
        )
