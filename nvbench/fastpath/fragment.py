"""IPv4 fragmentation (RFC 791) of packets longer than a path MTU.

A tunnel endpoint that clears DF on its ESP packets lets them be fragmented when they do
not fit the path (RFC 4301 section 8.1 lets an SA clear, set or copy DF; RFC 4459 section
3 calls this fragmentation after encapsulation): the receiving endpoint puts the packet
back together (:mod:`nvbench.fastpath.reassembly`) before it decrypts it.

Each piece carries a copy of the Ethernet and IPv4 headers (no options are added: the
outer headers the gateway writes have none), the same IP identification, its offset in
8-byte units and More Fragments on all but the last (the last keeps the original's, so a
fragment fragmented again stays correct), and a fresh header checksum. Every piece but the
last carries the largest multiple of 8 bytes that fits. The packet keeps the first piece in
its own row; the others are written to rows of another batch, in order.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import CSUM, check_ipv4, l3_start
from nvbench.fastpath.scan import selected
from nvbench.packet.batch import PacketBatch
from nvbench.packet.checksum import checksum
from nvbench.packet.layouts import IPV4
from nvbench.packet.wire import ix, rd8, rd16, wr8, wr16

_TOTAL = IPV4.offset("total_length")
_FRAG = IPV4.offset("flags_frag")
DF, MF, OFFSET = 0x4000, 0x2000, 0x1FFF


@kernel
def pieces(total, ihl, mtu):
    """(pieces, payload bytes in each but the last) of a ``total``-byte packet at ``mtu``."""
    step = (mtu - ihl) & ~7
    return (total - ihl + step - 1) // step, step


@kernel
def too_long(pkt, o, n, mtu):
    """(l3, ihl, total) of a packet to fragment at ``mtu``; l3 = -1 if it fits, is not a
    valid IPv4 packet, or the MTU leaves no room for 8 bytes after its header."""
    v, l3 = l3_start(pkt, o, n)
    if v != V.OK:
        return -1, 0, 0
    v, ihl, total, proto = check_ipv4(pkt, l3, o + n - l3)
    if (v != V.OK and v != V.FRAGMENT) or total <= mtu or mtu - ihl < 8:
        return -1, 0, 0
    return l3, ihl, total


@kernel
def _count(buf, offset, length, verdict, rows, mtu):
    """How many rows the pieces after the first will need."""
    extra = 0
    for j in range(rows.shape[0]):
        i = ix(rows[j])
        if verdict[i] != V.OK:
            continue
        l3, ihl, total = too_long(buf[i], offset[i], length[i], mtu)
        if l3 >= 0 and not rd16(buf[i], l3 + _FRAG) & DF:
            extra += pieces(total, ihl, mtu)[0] - 1
    return extra


@kernel
def write_header(pkt, l3, ihl, total, flags_frag):
    wr16(pkt, l3 + _TOTAL, total)
    wr16(pkt, l3 + _FRAG, flags_frag)
    wr16(pkt, l3 + CSUM, 0)
    wr16(pkt, l3 + CSUM, checksum(pkt, l3, ihl, 0))


@kernel
def _fragment(buf, offset, length, verdict, rows, mtu, counts, out_buf, out_offset,
              out_length, source):  # fmt: skip
    """Fragment the live packets among ``rows`` longer than ``mtu``; a packet with DF set
    gets TOO_BIG instead. The pieces after the first go to the rows of ``out_*`` in order,
    ``source`` getting each one's packet row. Returns how many were written."""
    k = 0
    for j in range(rows.shape[0]):
        i = ix(rows[j])
        if verdict[i] != V.OK:
            continue
        pkt, o = buf[i], offset[i]
        l3, ihl, total = too_long(pkt, o, length[i], mtu)
        if l3 < 0:
            continue
        ff = rd16(pkt, l3 + _FRAG)
        if ff & DF:
            verdict[i] = V.TOO_BIG
            counts[V.TOO_BIG] += 1
            continue
        m, step = pieces(total, ihl, mtu)
        head = l3 - o + ihl  # Ethernet (and VLAN) and IPv4 headers
        for p in range(1, m):
            chunk = min(step, total - ihl - p * step)
            q = out_buf[k]
            w = min(out_offset[k], q.shape[0] - head - chunk)  # no longer than the packet
            out_offset[k] = w
            for b in range(head):
                wr8(q, w + b, rd8(pkt, o + b))
            src = l3 + ihl + p * step
            for b in range(chunk):
                wr8(q, w + head + b, rd8(pkt, src + b))
            last = p == m - 1
            more = (ff & MF) if last else MF
            at = (ff & OFFSET) + p * step // 8
            write_header(q, w + l3 - o, ihl, ihl + chunk, more | at)
            out_length[k] = head + chunk
            source[k] = i
            k += 1
        write_header(pkt, l3, ihl, ihl + step, MF | (ff & OFFSET))
        length[i] = head + step
    return k


def fragment(b: PacketBatch, mtu: int, counts: np.ndarray, new_batch,
             rows: np.ndarray | None = None) -> PacketBatch | None:  # fmt: skip
    """Fragment the live packets of ``b`` (of ``rows`` only, if given) whose IPv4 packet is
    longer than ``mtu`` (DF set: TOO_BIG instead). Each keeps its first piece; the other
    pieces come back as a batch (from ``new_batch(n)``), each with its packet's columns
    (time, tenant, SA; the flow as ``-1 - flow``, marking a piece after the first), or
    None if nothing was fragmented."""
    rows = selected(rows, b.n)
    n = b.n
    extra = int(_count(b.buf, b.offset, b.length, b.verdict[:n], rows, mtu))
    if extra == 0:
        _fragment(b.buf, b.offset, b.length, b.verdict[:n], rows, mtu, counts,
                  b.buf[:0], b.offset[:0], b.length[:0], np.zeros(0, np.int64))  # fmt: skip
        return None
    out = new_batch(extra)
    if out.slot_size < b.slot_size:
        raise ValueError("the pieces' batch has smaller slots than the packets'")
    source = np.zeros(extra, np.int64)
    k = _fragment(b.buf, b.offset, b.length, b.verdict[:n], rows, mtu, counts, out.buf,
                  out.offset, out.length, source)  # fmt: skip
    out.n = int(k)
    for name in ("time", "born", "rd", "vsid", "flow", "sa"):
        getattr(out, name)[: out.n] = getattr(b, name)[source[: out.n]]
    f = out.flow[: out.n]
    f[:] = np.where(f >= 0, -1 - f, f)  # pieces after the first (nvbench.model.metrics)
    out.verdict[: out.n] = V.OK
    return out
