"""NAT44 (NAPT) kernels, per routing domain.

The state is a tuple of arrays built by :class:`nvbench.fastpath.nat_table.NatTable`
(see there for the layout and the memory budget); the kernels only read and write it.

Behaviour, with the requirement each line meets:

- Endpoint-independent mapping: one mapping per (tenant, inside address, inside port,
  protocol), whatever the destination (RFC 4787 REQ-1, RFC 5382 REQ-1).
- No port overloading: a public (address, port, protocol) belongs to one mapping at a
  time (RFC 4787 REQ-3); ports 1024..65535, 64,512 per address [S38].
- Paired pooling: an inside address always uses the same address of its tenant's pool,
  chosen by a hash (RFC 4787 REQ-2, RFC 6888 REQ-2, the "subscriber" read as tenant).
- Filtering endpoint-independent or address-dependent, configurable (RFC 4787 REQ-8);
  static (published) mappings accept any remote.
- Hairpinning, the hairpinned source being the external address and port (REQ-9, 9a).
- A port quota per tenant and a state limit; when either or the pool is exhausted the
  packet is dropped with its own verdict and no live mapping is evicted (RFC 6888
  REQ-4, REQ-5, REQ-11).
- Timers on the simulation clock passed in: UDP, TCP established / transitory, ICMP
  (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508); refreshed by outbound and inbound
  traffic (RFC 4787 REQ-6). A freed port is not reused for the hold-down time
  (RFC 6888 REQ-8), which the per-address FIFO port rings give for free.
- Checksums updated incrementally (RFC 1624), see :mod:`nvbench.fastpath.l4`.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import DST, SRC
from nvbench.fastpath.l4 import N_PCODES, PC_ICMP, PC_TCP, PC_UDP, TCP_FIN, TCP_RST, parse, rewrite
from nvbench.packet.layouts import ETHERNET, TCP
from nvbench.packet.wire import ix, rd32

# The bytes from a frame's start the NAT kernels read or write, at most: an Ethernet
# header with one 802.1Q tag, an IPv4 header with the longest options (IHL 15), and the
# longest transport header they touch (TCP without options; UDP and ICMP echo are 8).
# The gateway runs NAT on copies of just these bytes when it must reorder packets.
SPAN = ETHERNET.length + 4 + 15 * 4 + TCP.length

PORT_FIRST = 1024
RING = 65536 - PORT_FIRST  # 64,512 ports per address and protocol [S38]
MAX_TENANTS = 1 << 13  # the tenant index takes 13 bits of the inside key
NS = 1_000_000_000

# Session state byte: base state in the low 3 bits, flags above.
FREE, ACTIVE, TCP_TRANS, TCP_EST, TCP_CLOSING = 0, 1, 2, 3, 4
BASE = 0x07
FIN_OUT = 0x08
FIN_IN = 0x10
STATIC = 0x80

# Positions in the state tuple (see nat_table for the layout); numba takes these module
# constants as literal tuple indices.
IN_KEY = 0
OUT_KEY = 1
LAST = 2
STATE = 3
REMOTE = 4
IN_SLOTS = 5
OUT_SLOTS = 6
FREE_HEAD = 7
CLOCK = 8
T_USED = 9
T_QUOTA = 10
T_POOL_START = 11
T_POOL_LEN = 12
POOL_AIDX = 13
ADDR_SLOTS = 14
ADDR_KEYS = 15
RING_PORT = 16
RING_AVAIL = 17
RING_HEAD = 18
RING_COUNT = 19
STATS = 20
N_STATE = 21

# Positions in the config tuple (NatConfig.as_tuple).
CFG_ADF, CFG_UDP, CFG_ICMP, CFG_EST, CFG_TRANS, CFG_HOLD = 0, 1, 2, 3, 4, 5

# Counters in the NAT's stats array.
ST_CREATED, ST_EXPIRED, ST_HAIRPIN = 0, 1, 2
N_STATS = 3


@kernel
def inside_key(t, pc, addr, port):
    return (np.int64(t) << 50) | (np.int64(pc) << 48) | (np.int64(addr) << 16) | port


@kernel
def outside_key(pc, addr, port):
    return (np.int64(pc) << 48) | (np.int64(addr) << 16) | port


@kernel
def timeout_ns(b, pc, cfg):
    """Idle timeout of a mapping whose state byte is ``b``; -1 for static mappings."""
    adf, to_udp, to_icmp, to_est, to_trans, hold = cfg
    if b & STATIC:
        return -1
    if pc == PC_UDP:
        return to_udp
    if pc == PC_ICMP:
        return to_icmp
    return to_est if (b & BASE) == TCP_EST else to_trans


@kernel
def expired(st, cfg, s, now):
    b = np.int64(st[STATE][s])
    tmo = timeout_ns(b, (st[OUT_KEY][s] >> 48) & 3, cfg)
    return tmo >= 0 and now - st[LAST][s] > tmo


@kernel
def tcp_next(b, flags, outbound):
    """Next TCP state byte (a simplified RFC 7857 / RFC 6146 machine, per mapping)."""
    base = b & BASE
    keep = b & STATIC
    if flags & TCP_RST:
        return keep | TCP_CLOSING
    if outbound and (flags & 0x12) == 0x02 and base == TCP_CLOSING:  # a new SYN reopens
        return keep | TCP_TRANS
    if not outbound and base == TCP_TRANS:  # the other side answered
        base = TCP_EST
    b = b | (FIN_OUT if (flags & TCP_FIN) and outbound else 0)
    b = b | (FIN_IN if (flags & TCP_FIN) and not outbound else 0)
    if (b & FIN_OUT) and (b & FIN_IN):
        base = TCP_CLOSING
    return (b & ~BASE) | base


@kernel
def free_session(st, cfg, s, now):
    """Release mapping ``s``: unindex it, queue its port for hold-down, recycle the slot."""
    release(st, s, (now + cfg[CFG_HOLD] + NS - 1) // NS)  # whole seconds, rounded up


@kernel
def release(st, s, avail_s):
    """Free mapping ``s``; its port is queued to be handed out again from ``avail_s``."""
    ok = st[OUT_KEY][s]
    pc = (ok >> 48) & 3
    hashtable.remove(st[IN_SLOTS], st[IN_KEY], s)
    hashtable.remove(st[OUT_SLOTS], st[OUT_KEY], s)
    ring = hashtable.find(st[ADDR_SLOTS], st[ADDR_KEYS], (ok >> 16) & 0xFFFFFFFF) * N_PCODES + pc
    tail = (st[RING_HEAD][ring] + st[RING_COUNT][ring]) % RING
    st[RING_PORT][ring, tail] = ok & 0xFFFF
    st[RING_AVAIL][ring, tail] = avail_s
    st[RING_COUNT][ring] += 1
    st[T_USED][st[IN_KEY][s] >> 50] -= 1
    st[STATE][s] = FREE
    st[REMOTE][s % st[REMOTE].shape[0], :] = 0
    st[IN_KEY][s] = -1
    st[OUT_KEY][s] = st[FREE_HEAD][0]  # the free list is threaded through out_key
    st[FREE_HEAD][0] = s


@kernel
def create_session(st, cfg, t, pc, addr, port, now):
    """(verdict, session) of a new mapping for (t, pc, addr, port); never evicts."""
    if st[FREE_HEAD][0] < 0:
        return V.NAT_STATE_FULL, -1
    if st[T_USED][t] >= st[T_QUOTA][t]:
        return V.NAT_QUOTA_EXCEEDED, -1
    pick = hashtable.hash64((np.int64(t) << 32) | addr) % np.int64(st[T_POOL_LEN][t])  # paired
    a = st[POOL_AIDX][st[T_POOL_START][t] + pick]
    ring = a * N_PCODES + pc
    h = st[RING_HEAD][ring]
    if st[RING_COUNT][ring] == 0 or np.int64(st[RING_AVAIL][ring, h]) * NS > now:
        return V.NAT_PORTS_EXHAUSTED, -1
    st[RING_HEAD][ring] = (h + 1) % RING
    st[RING_COUNT][ring] -= 1
    s = st[FREE_HEAD][0]
    st[FREE_HEAD][0] = st[OUT_KEY][s]
    st[IN_KEY][s] = inside_key(t, pc, addr, port)
    st[OUT_KEY][s] = outside_key(pc, st[ADDR_KEYS][a], np.int64(st[RING_PORT][ring, h]))
    hashtable.insert(st[IN_SLOTS], st[IN_KEY], s)
    hashtable.insert(st[OUT_SLOTS], st[OUT_KEY], s)
    st[STATE][s] = TCP_TRANS if pc == PC_TCP else ACTIVE
    st[LAST][s] = now
    st[T_USED][t] += 1
    st[STATS][ST_CREATED] += 1
    return V.OK, s


@kernel
def remember(remote, s, dst):
    """Address-dependent filtering: keep the last few remote addresses of mapping s."""
    k = remote.shape[1]
    for j in range(k):
        if remote[s, j] == dst:
            return
    for j in range(k - 1, 0, -1):
        remote[s, j] = remote[s, j - 1]
    remote[s, 0] = dst


@kernel
def permitted(remote, s, src):
    if src == 0:  # 0.0.0.0 marks an empty entry, never a remote we sent to
        return False
    for j in range(remote.shape[1]):
        if remote[s, j] == src:
            return True
    return False


@kernel
def tick(clock, t):
    """Monotone NAT clock: the later of the last time seen and ``t``."""
    if t > clock[0]:
        clock[0] = t
    return clock[0]


@kernel
def deliver_inbound(st, cfg, pkt, l3, l4, pc, src, dst, dport, flags, now):
    """Translate a packet addressed to (dst, dport) back inside; (verdict, tenant)."""
    s = hashtable.find(st[OUT_SLOTS], st[OUT_KEY], outside_key(pc, dst, dport))
    if s < 0:
        return V.NAT_NO_SESSION, -1
    if expired(st, cfg, s, now):
        free_session(st, cfg, s, now)
        st[STATS][ST_EXPIRED] += 1
        return V.NAT_NO_SESSION, -1
    b = np.int64(st[STATE][s])
    if cfg[CFG_ADF] and not (b & STATIC) and not permitted(st[REMOTE], s, src):
        return V.NAT_FILTERED, -1
    if pc == PC_TCP:
        st[STATE][s] = tcp_next(b, flags, False)
    st[LAST][s] = now
    ik = st[IN_KEY][s]
    rewrite(pkt, l3, l4, pc, DST, 2, (ik >> 16) & 0xFFFFFFFF, ik & 0xFFFF)
    return V.OK, ik >> 50


@kernel
def translate_outbound(st, cfg, pkt, l3, l4, pc, sport, dport, flags, t, now):
    """Translate one parsed outbound packet of tenant ``t``.

    Returns (verdict, tenant after, the mapping it used or -1, whether it opened it).
    """
    if t < 0 or t >= st[T_POOL_LEN].shape[0] or st[T_POOL_LEN][t] == 0:
        return V.NO_MAPPING, t, -1, False
    src = rd32(pkt, l3 + SRC)
    dst = rd32(pkt, l3 + DST)
    s = hashtable.find(st[IN_SLOTS], st[IN_KEY], inside_key(t, pc, src, sport))
    if s >= 0 and expired(st, cfg, s, now):
        free_session(st, cfg, s, now)
        st[STATS][ST_EXPIRED] += 1
        s = -1
    opened = s < 0
    if opened:
        v, s = create_session(st, cfg, t, pc, src, sport, now)
        if v != V.OK:
            return v, t, -1, False
    if pc == PC_TCP:
        st[STATE][s] = tcp_next(np.int64(st[STATE][s]), flags, True)
    st[LAST][s] = now
    if cfg[CFG_ADF]:
        remember(st[REMOTE], s, dst)
    ok = st[OUT_KEY][s]
    pub = (ok >> 16) & 0xFFFFFFFF
    rewrite(pkt, l3, l4, pc, SRC, 0, pub, ok & 0xFFFF)
    if hashtable.find(st[ADDR_SLOTS], st[ADDR_KEYS], dst) < 0:
        return V.OK, t, s, opened
    # Hairpinning: the destination is one of our public addresses (REQ-9); its source
    # is now our external address and port, as REQ-9a asks.
    if pc == PC_ICMP:  # the echo identifier was just translated: look up the new one
        dport = ok & 0xFFFF
    v, t2 = deliver_inbound(st, cfg, pkt, l3, l4, pc, pub, dst, dport, flags, now)
    if v == V.OK:
        st[STATS][ST_HAIRPIN] += 1
    return v, t2, s, opened


@kernel
def _outbound(buf, offset, length, rd, time, verdict, rows, counts, st, cfg, session, opened):
    """Translate the live outbound packets among ``rows``, in that order.

    Parameters
    ----------
    buf, offset, length : uint8[n, slot], int32[n], int32[n]
        The batch's frames (:class:`~nvbench.packet.batch.PacketBatch` columns).
    rd, time, verdict : int32[n], int64[n], uint8[n]
        Tenant (in; out: the receiving tenant of a hairpin), arrival time (the NAT's
        clock), verdict (in/out).
    rows : int64[m]
        The rows to work on, in this order.
    counts : int64[N_VERDICTS]
        Packets per verdict, added to.
    st, cfg : tuple of arrays
        The NAT's state and configuration (:class:`~nvbench.fastpath.nat_table.NatTable`).
    session, opened : int64[n], bool[n], or empty
        Out: the mapping each packet used (-1: none) and whether it opened it; empty
        arrays when not wanted.
    """
    track = session.shape[0] > 0
    for j in range(rows.shape[0]):
        i = ix(rows[j])  # unsigned: no wraparound test on every column access
        if verdict[i] != V.OK:
            continue
        pkt = buf[i]
        now = tick(st[8], time[i])
        s, made = -1, False
        v, l3, l4, pc, sport, dport, flags = parse(pkt, offset[i], length[i])
        if v == V.OK:
            v, t, s, made = translate_outbound(
                st, cfg, pkt, l3, l4, pc, sport, dport, flags, rd[i], now
            )
            if v == V.OK:
                rd[i] = t
        if track:
            session[i] = s
            opened[i] = made
        counts[v] += 1
        verdict[i] = v


@kernel
def _inbound(buf, offset, length, rd, time, verdict, rows, counts, st, cfg):
    """Translate inbound packets ``rows`` (in that order)."""
    for j in range(rows.shape[0]):
        i = ix(rows[j])  # unsigned: no wraparound test on every column access
        if verdict[i] != V.OK:
            continue
        pkt = buf[i]
        now = tick(st[8], time[i])
        v, l3, l4, pc, sport, dport, flags = parse(pkt, offset[i], length[i])
        if v == V.OK:
            src = rd32(pkt, l3 + SRC)
            dst = rd32(pkt, l3 + DST)
            v, t = deliver_inbound(st, cfg, pkt, l3, l4, pc, src, dst, dport, flags, now)
            if v == V.OK:
                rd[i] = t
        counts[v] += 1
        verdict[i] = v


@kernel
def _expire(st, cfg, now):
    """Free every mapping idle past its timeout; returns how many."""
    now = tick(st[8], now)
    freed = 0
    for s in range(st[STATE].shape[0]):
        if st[STATE][s] != FREE and expired(st, cfg, s, now):
            free_session(st, cfg, s, now)
            freed += 1
    st[STATS][ST_EXPIRED] += freed
    return freed


@kernel
def _unopen(st, sessions):
    """Free ``sessions`` as if never opened: their ports at once, no hold-down, and
    they leave the count of mappings created. Returns how many were live."""
    undone = 0
    for k in range(sessions.shape[0]):
        s = sessions[k]
        if st[STATE][s] == FREE or st[STATE][s] & STATIC:
            continue
        release(st, s, 0)
        undone += 1
    st[STATS][ST_CREATED] -= undone
    return undone


@kernel
def _add_static(st, t, pc, addr, port, a, pport):
    """Reserve (address a, pport) for a static mapping; False if the port is taken."""
    if st[FREE_HEAD][0] < 0:
        return False
    ring = a * N_PCODES + pc
    h = st[RING_HEAD][ring]
    for j in range(st[RING_COUNT][ring]):
        k = (h + j) % RING
        if st[RING_PORT][ring, k] == pport:
            st[RING_PORT][ring, k] = st[RING_PORT][ring, h]  # setup time: ring order is free
            st[RING_AVAIL][ring, k] = st[RING_AVAIL][ring, h]
            st[RING_HEAD][ring] = (h + 1) % RING
            st[RING_COUNT][ring] -= 1
            s = st[FREE_HEAD][0]
            st[FREE_HEAD][0] = st[OUT_KEY][s]
            st[IN_KEY][s] = inside_key(t, pc, addr, port)
            st[OUT_KEY][s] = outside_key(pc, st[ADDR_KEYS][a], pport)
            hashtable.insert(st[IN_SLOTS], st[IN_KEY], s)
            hashtable.insert(st[OUT_SLOTS], st[OUT_KEY], s)
            st[STATE][s] = STATIC | (TCP_EST if pc == PC_TCP else ACTIVE)
            return True
    return False
