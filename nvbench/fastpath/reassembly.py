"""IPv4 reassembly (RFC 791, RFC 815) at the receiving end of a tunnel whose packets were
fragmented on the way (:mod:`nvbench.fastpath.fragment`).

Fragments are taken in arrival order. Each datagram being put together (keyed by source,
destination, protocol and identification) has an entry: its payload bytes at their
offsets, a bitmap of the 8-byte blocks received, the headers of its first fragment, and
how many fragments it holds. A fragment that is not the last of its datagram leaves its
row (MOVED: its bytes are in the entry, in flight here); the one that completes the
datagram gets the whole packet in its row, with More Fragments and the offset cleared and
a fresh header checksum, and goes on at its own arrival time, as its first piece's flow.
The fragments held are then *absorbed* into it (:class:`nvbench.model.metrics.Counters`).

Refused with their own verdict, the entry left as it was: a fragment that overlaps bytes
already received or lies past a known end, a non-last fragment whose length is not a
multiple of 8, a second last fragment, one that would make the packet longer than a
batch slot holds less 128 bytes (BAD_FRAGMENT; RFC 5722
drops overlaps for IPv6, and overlapping IPv4 fragments are how the classic attacks work);
one that would need an entry when all are in use (REASSEMBLY_FULL). A datagram not complete
``timeout`` after its first fragment arrived is given up: the packet is dropped as
REASSEMBLY_TIMEOUT if its first piece is here (the others are absorbed), else all its
pieces are absorbed (the first piece's loss was counted where it was lost). Decided by each
fragment's own time, the outcome does not depend on how packets are grouped in time.

Assumed (NOT FOUND for Windows): a 30 s timeout (Linux's ``ipfrag_time``; RFC 791 suggests
15 s at least) and 4,096 datagrams at once.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import verdict as V
from nvbench.fastpath.fragment import DF, MF, OFFSET, write_header
from nvbench.fastpath.ipv4 import DST, SRC, check_ipv4, l3_start
from nvbench.fastpath.scan import selected
from nvbench.packet.batch import PacketBatch
from nvbench.packet.layouts import IPV4
from nvbench.packet.wire import ix, rd8, rd16, rd32, wr8

_FRAG = IPV4.offset("flags_frag")
_ID = IPV4.offset("ident")
_PROTO = IPV4.offset("proto")
DATA = 128  # where an entry's payload starts; its first fragment's headers go before
TIMEOUT_NS = 30_000_000_000
MAX_ENTRIES = 4096
FREE = -1

# Entry columns (int64[P, N_COLS]).
K_ADDR, K_ID, GOT, TOTAL, FIRST_T, FRAGS, HEAD, IHL, RD, FLOW = range(10)
N_COLS = 10


@kernel
def find(e, addr, ident):
    """The entry of (addr, ident), or -1."""
    for k in range(e.shape[0]):
        if e[k, K_ADDR] == addr and e[k, K_ID] == ident:
            return k
    return -1


@kernel
def give_up(e, k, counts, drops_by, absorbed_by):
    """Give entry ``k`` up and free it: its packet dropped as REASSEMBLY_TIMEOUT if its
    first piece is here, the other pieces absorbed."""
    n = e[k, FRAGS]
    if e[k, HEAD] > 0:
        counts[V.REASSEMBLY_TIMEOUT] += 1
        drops_by[e[k, RD], V.REASSEMBLY_TIMEOUT] += 1
        n -= 1
    absorbed_by[e[k, RD]] += n
    e[k, K_ID] = FREE
    e[k, K_ADDR] = FREE


@kernel
def new_entry(e, bits, addr, ident, t, rd):
    for k in range(e.shape[0]):
        if e[k, K_ID] == FREE:
            e[k, K_ADDR], e[k, K_ID], e[k, GOT], e[k, TOTAL] = addr, ident, 0, -1
            e[k, FIRST_T], e[k, FRAGS], e[k, HEAD], e[k, IHL], e[k, RD] = t, 0, 0, 0, rd
            e[k, FLOW] = 0
            bits[k, :] = 0
            return k
    return -1


@kernel
def fits(e, bits, k, off, chunk, more, room):
    """Whether a fragment of ``chunk`` bytes at ``off`` may join entry ``k``."""
    if (more and chunk % 8) or off + chunk > room or chunk <= 0:
        return False
    if not more and e[k, TOTAL] >= 0:
        return False  # a second last fragment
    end = off + chunk if not more else -1
    if e[k, TOTAL] >= 0 and off + chunk > e[k, TOTAL]:
        return False
    for b in range(off // 8, (off + chunk + 7) // 8):
        if bits[k, b >> 3] & (1 << (b & 7)):
            return False  # overlaps what came before
    if end >= 0:  # nothing received may lie past the end
        for b in range((end + 7) // 8, bits.shape[1] * 8):
            if bits[k, b >> 3] & (1 << (b & 7)):
                return False
    return True


@kernel
def store(e, bits, ebuf, k, pkt, o, l3, ihl, off, chunk, more, flow, t):
    """Copy a fragment's payload (and, for the first, its headers and flow) into entry
    ``k``."""
    for b in range(chunk):
        wr8(ebuf[k], DATA + off + b, rd8(pkt, l3 + ihl + b))
    for b in range(off // 8, (off + chunk + 7) // 8):
        bits[k, b >> 3] |= 1 << (b & 7)
    if off == 0:
        head = l3 - o + ihl
        for b in range(head):
            wr8(ebuf[k], DATA - head + b, rd8(pkt, o + b))
        e[k, HEAD], e[k, IHL] = head, ihl
        e[k, FLOW] = flow if flow >= 0 else -1 - flow
    if not more:
        e[k, TOTAL] = off + chunk
    e[k, GOT] += chunk
    e[k, FRAGS] += 1
    if t < e[k, FIRST_T]:  # an earlier piece handled later: the wait began with it
        e[k, FIRST_T] = t


@kernel
def complete(e, ebuf, k, pkt):
    """Entry ``k``'s whole packet written into ``pkt``; returns (offset, length)."""
    head, ihl, total = e[k, HEAD], e[k, IHL], e[k, TOTAL]
    n = head + total
    w = pkt.shape[0] - n
    start = DATA - head
    for b in range(n):
        wr8(pkt, w + b, rd8(ebuf[k], start + b))
    l3 = w + head - ihl
    write_header(pkt, l3, ihl, ihl + total, rd16(pkt, l3 + _FRAG) & DF)
    return w, n


@kernel
def _reassemble(buf, offset, length, time, rd, flow, verdict, rows, counts, e, bits, ebuf,
                timeout, drops_by, absorbed_by, own):  # fmt: skip
    """Reassemble the fragments among the live ``rows`` addressed to one of ``own`` (any,
    if it is empty), in that order (see the module)."""
    # A whole packet goes back into a row: its payload must leave room for any headers
    # (the caller checked that the entries are at least as wide as the rows).
    room = buf.shape[1] - DATA
    for j in range(rows.shape[0]):
        i = ix(rows[j])
        if verdict[i] != V.OK:
            continue
        pkt, o = buf[i], offset[i]
        v, l3 = l3_start(pkt, o, length[i])
        if v != V.OK:
            continue
        v, ihl, total, proto = check_ipv4(pkt, l3, o + length[i] - l3)
        if v != V.FRAGMENT:
            continue  # whole packets (or malformed ones, for the next kernel) go on
        ff = rd16(pkt, l3 + _FRAG)
        off, chunk, more = (ff & OFFSET) * 8, total - ihl, (ff & MF) != 0
        if own.shape[0] and not addressed(own, rd32(pkt, l3 + DST)):
            continue  # in transit: a router forwards fragments as they are
        addr = (np.int64(rd32(pkt, l3 + SRC)) << 32) | rd32(pkt, l3 + DST)
        ident = (np.int64(rd8(pkt, l3 + _PROTO)) << 16) | rd16(pkt, l3 + _ID)
        t = time[i]
        k = find(e, addr, ident)
        if k >= 0 and t - e[k, FIRST_T] > timeout:
            give_up(e, k, counts, drops_by, absorbed_by)
            k = -1
        made = k < 0
        if made:
            tenant = min(max(np.int64(rd[i]), 0), drops_by.shape[0] - 1)
            k = new_entry(e, bits, addr, ident, t, tenant)
            if k < 0:
                verdict[i] = V.REASSEMBLY_FULL
                counts[V.REASSEMBLY_FULL] += 1
                continue
        if not fits(e, bits, k, off, chunk, more, room):
            verdict[i] = V.BAD_FRAGMENT
            counts[V.BAD_FRAGMENT] += 1
            if made:
                e[k, K_ID] = FREE
                e[k, K_ADDR] = FREE
            continue
        store(e, bits, ebuf, k, pkt, o, l3, ihl, off, chunk, more, flow[i], t)
        if e[k, HEAD] > 0 and e[k, TOTAL] >= 0 and e[k, GOT] == e[k, TOTAL]:
            offset[i], length[i] = complete(e, ebuf, k, pkt)
            absorbed_by[e[k, RD]] += e[k, FRAGS] - 1
            rd[i], flow[i] = e[k, RD], e[k, FLOW]
            e[k, K_ID] = FREE
            e[k, K_ADDR] = FREE
        else:
            verdict[i] = V.MOVED  # its bytes wait in the entry


@kernel
def addressed(own, dst):
    for k in range(own.shape[0]):
        if own[k] == dst:
            return True
    return False


@kernel
def _expire(e, before, timeout, counts, drops_by, absorbed_by):
    """Give up every datagram whose first fragment came more than ``timeout`` before
    ``before``; returns how many."""
    gone = 0
    for k in range(e.shape[0]):
        if e[k, K_ID] != FREE and before - e[k, FIRST_T] > timeout:
            give_up(e, k, counts, drops_by, absorbed_by)
            gone += 1
    return gone


class Reassembler:
    """The datagrams one receiver is putting together (see the module).

    Parameters
    ----------
    slot_size : int
        The slot size of the batches it receives: a whole packet must fit one slot.
    timeout_ns, max_entries : int
        How long a datagram may wait for its fragments; how many may wait at once.
    own : sequence of int, optional
        The receiver's own addresses: it joins only the fragments sent to one of them
        (those in transit go on as they are). None: every fragment is for it.
    """

    def __init__(self, slot_size: int, timeout_ns: int = TIMEOUT_NS,
                 max_entries: int = MAX_ENTRIES, own: list[int] | None = None) -> None:  # fmt: skip
        self.slot_size, self.timeout_ns, self.max_entries = slot_size, timeout_ns, max_entries
        self.own = np.array(sorted(set(own or [])), np.int64)
        self._alloc(0)  # no memory until the first fragment

    def _alloc(self, n: int) -> None:
        room = DATA + self.slot_size
        old = getattr(self, "entries", np.zeros((0, N_COLS), np.int64))
        self.entries = np.full((n, N_COLS), FREE, np.int64)
        self.entries[: old.shape[0]] = old
        bits, buf = getattr(self, "bits", None), getattr(self, "buf", None)
        self.bits = np.zeros((n, (room + 63) // 64), np.uint8)
        self.buf = np.zeros((n, room), np.uint8)
        if bits is not None and buf is not None:
            self.bits[: bits.shape[0]], self.buf[: buf.shape[0]] = bits, buf

    def run(self, b: PacketBatch, counts: np.ndarray, drops_by: np.ndarray,
            absorbed_by: np.ndarray, rows: np.ndarray | None = None) -> None:  # fmt: skip
        """Reassemble the fragments among the live packets of ``b`` (of ``rows`` only, if
        given, in that order): drops into ``drops_by[tenant, verdict]``, fragments absorbed
        into a whole packet into ``absorbed_by[tenant]``."""
        rows = selected(rows, b.n)
        if b.slot_size > self.slot_size:
            raise ValueError(f"slots of {b.slot_size} bytes; this reassembler takes "
                             f"{self.slot_size}")  # fmt: skip
        pieces = self._fragments(b, rows)
        if pieces == 0:
            return  # nothing to join (a packet that is no piece goes on untouched)
        self._room_for(pieces)
        _reassemble(b.buf, b.offset, b.length, b.time, b.rd, b.flow, b.verdict[: b.n], rows, counts,
                    self.entries, self.bits, self.buf, self.timeout_ns, drops_by,
                    absorbed_by, self.own)  # fmt: skip

    def expire(self, before_ns: int, counts: np.ndarray, drops_by: np.ndarray,
               absorbed_by: np.ndarray) -> int:  # fmt: skip
        """Give up the datagrams too old at ``before_ns`` (no fragment of theirs can come
        in time any more); returns how many."""
        return int(_expire(self.entries, before_ns, self.timeout_ns, counts, drops_by,
                           absorbed_by))  # fmt: skip

    def held(self) -> int:
        """Fragments held (in flight at the receiver)."""
        return int(self.entries[self.entries[:, K_ID] != FREE, FRAGS].sum())

    def held_by_tenant(self, tenants: int) -> np.ndarray:
        """Fragments held, by tenant (in flight at the receiver)."""
        e = self.entries[self.entries[:, K_ID] != FREE]
        return np.bincount(e[:, RD], weights=e[:, FRAGS], minlength=tenants)[:tenants].astype(
            np.int64
        )

    def _fragments(self, b: PacketBatch, rows: np.ndarray) -> int:
        """An upper bound of the datagrams ``rows`` may start: their live fragments."""
        live = rows[b.verdict[rows] == 0]
        at = b.offset[live].astype(np.int64) + 14 + _FRAG  # no VLAN on the tunnel's path
        ok = at + 1 < b.slot_size
        ff = (b.buf[live[ok], at[ok]].astype(np.int64) << 8) | b.buf[live[ok], at[ok] + 1]
        return int(np.count_nonzero(ff & (MF | OFFSET)))

    def _room_for(self, n: int) -> None:
        used = int(np.count_nonzero(self.entries[:, K_ID] != FREE))
        have = self.entries.shape[0]
        if n and used + n > have and have < self.max_entries:
            self._alloc(min(self.max_entries, max(16, 1 << (used + n - 1).bit_length())))
