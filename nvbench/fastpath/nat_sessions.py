"""NAT44 session state: the layout of the state tuple, and a mapping's life (create,
pair with a pool address, time out, release). Per-packet translation is in
:mod:`nvbench.fastpath.nat`; the tuple is built by :class:`nvbench.fastpath.nat_table.NatTable`.

Time: every decision is taken at a packet's own arrival time, never at a clock shared
with other packets, so the outcome cannot depend on how packets were grouped in time
(the quantum). A mapping idle past its timeout is dead from that instant (a packet after
it finds none). It is freed (its slot, and its port into hold-down) when the NAT's idle
timer ticks: on whole multiples of ``sweep_every`` (1 s; assumed, Windows' granularity is
NOT FOUND), swept in time order before the first outbound packet at or after the tick,
or by an outbound packet of the same inside endpoint, which opens a new mapping.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.l4 import N_PCODES, PC_ICMP, PC_TCP, PC_UDP, TCP_FIN, TCP_RST

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
NEXT_SWEEP = 8  # int64[1]: the first idle-timer tick at which a mapping may be freed
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
PAIR_KEY = 21  # paired pooling: inside hosts (tenant << 32 | address), -1 for a free entry
PAIR_SLOTS = 22
PAIR_AIDX = 23  # the host's pool address
PAIR_REFS = 24  # its dynamic mappings; for a free entry, the next free entry
PAIR_HEAD = 25  # first free entry, -1 when full
T_ADF = 26  # per tenant: 1 where its filtering is address-dependent
N_STATE = 27

# Positions in the config tuple (NatConfig.as_tuple).
CFG_ADF, CFG_UDP, CFG_ICMP, CFG_EST, CFG_TRANS, CFG_HOLD, CFG_SWEEP = 0, 1, 2, 3, 4, 5, 6
CFG_HOLD_SYN = 7  # 1: an unsolicited inbound SYN is held, not dropped (RFC 5382 REQ-4)
NEVER = np.int64(1) << 62  # NEXT_SWEEP when no mapping can run out

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
    adf, to_udp, to_icmp, to_est, to_trans, hold, sweep, hold_syn = cfg
    if b & STATIC:
        return -1
    if pc == PC_UDP:
        return to_udp
    if pc == PC_ICMP:
        return to_icmp
    return to_est if (b & BASE) == TCP_EST else to_trans


@kernel
def end_of(st, cfg, s):
    """When mapping ``s`` runs out if nothing refreshes it, ns; -1 for a static one."""
    tmo = timeout_ns(np.int64(st[STATE][s]), (st[OUT_KEY][s] >> 48) & 3, cfg)
    return -1 if tmo < 0 else st[LAST][s] + tmo


@kernel
def expired(st, cfg, s, now):
    e = end_of(st, cfg, s)
    return e >= 0 and now > e


@kernel
def touch(st, cfg, s, now):
    """Mapping ``s`` saw a packet at ``now``: its idle timer restarts (never backwards: an
    earlier packet handled later leaves it), and the next sweep is no later than the tick
    at which it would run out (a TCP state change can shorten its timeout)."""
    if now > st[LAST][s]:
        st[LAST][s] = now
    e = end_of(st, cfg, s)
    if e >= 0:
        tick = (e // cfg[CFG_SWEEP] + 1) * cfg[CFG_SWEEP]  # the first tick after e
        if tick < st[NEXT_SWEEP][0]:
            st[NEXT_SWEEP][0] = tick


@kernel
def catch_up(st, cfg, now):
    """Run the idle timer's ticks up to ``now`` at which a mapping runs out, in order; each
    frees the mappings dead by then. Returns how many were freed."""
    freed = 0
    while st[NEXT_SWEEP][0] <= now:
        freed += sweep(st, cfg, st[NEXT_SWEEP][0])
    return freed


@kernel
def sweep(st, cfg, tick):
    """Free every mapping dead before ``tick`` (its port held down from ``tick``); the next
    sweep is set to the first tick after the earliest end among the others."""
    freed = 0
    nxt = NEVER
    period = cfg[CFG_SWEEP]
    for s in range(st[STATE].shape[0]):
        if st[STATE][s] == FREE:
            continue
        e = end_of(st, cfg, s)
        if e < 0:
            continue
        if e < tick:
            free_session(st, cfg, s, tick)
            freed += 1
        else:
            nxt = min(nxt, (e // period + 1) * period)
    st[NEXT_SWEEP][0] = nxt
    st[STATS][ST_EXPIRED] += freed
    return freed


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
    if not st[STATE][s] & STATIC:
        unpair(st, st[IN_KEY][s] >> 50, (st[IN_KEY][s] >> 16) & 0xFFFFFFFF)
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
    p, a = pool_address(st, t, addr)
    if p < 0 and st[PAIR_HEAD][0] < 0:
        return V.NAT_STATE_FULL, -1  # no room to remember one more inside host
    ring = a * N_PCODES + pc
    h = st[RING_HEAD][ring]
    if st[RING_COUNT][ring] == 0 or np.int64(st[RING_AVAIL][ring, h]) * NS > now:
        return V.NAT_PORTS_EXHAUSTED, -1
    pair(st, p, t, addr, a)
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
    touch(st, cfg, s, now)
    st[T_USED][t] += 1
    st[STATS][ST_CREATED] += 1
    return V.OK, s


@kernel
def pair_key(t, addr):
    return (np.int64(t) << 32) | np.int64(addr)


@kernel
def pool_address(st, t, addr):
    """(pair entry, address index) of inside host (t, addr): its paired address, or (-1,
    the least-loaded address of the tenant's pool) if it has none."""
    p = hashtable.find(st[PAIR_SLOTS], st[PAIR_KEY], pair_key(t, addr))
    if p >= 0:
        return p, np.int64(st[PAIR_AIDX][p])
    best, fewest = np.int64(-1), np.int64(1) << 40
    start = st[T_POOL_START][t]
    for j in range(st[T_POOL_LEN][t]):
        a = np.int64(st[POOL_AIDX][start + j])
        used = np.int64(0)
        for pc in range(N_PCODES):
            used += RING - st[RING_COUNT][a * N_PCODES + pc]
        if used < fewest:
            best, fewest = a, used
    return np.int64(-1), best


@kernel
def pair(st, p, t, addr, a):
    """One more dynamic mapping of host (t, addr) on address ``a`` (entry ``p``, or a new
    one when -1: the caller checked there is room)."""
    if p < 0:
        p = st[PAIR_HEAD][0]
        st[PAIR_HEAD][0] = st[PAIR_REFS][p]
        st[PAIR_KEY][p] = pair_key(t, addr)
        st[PAIR_AIDX][p] = a
        st[PAIR_REFS][p] = 0
        hashtable.insert(st[PAIR_SLOTS], st[PAIR_KEY], p)
    st[PAIR_REFS][p] += 1


@kernel
def unpair(st, t, addr):
    """One dynamic mapping of host (t, addr) fewer; the pairing ends with the last one."""
    p = hashtable.find(st[PAIR_SLOTS], st[PAIR_KEY], pair_key(t, addr))
    if p < 0:
        return
    st[PAIR_REFS][p] -= 1
    if st[PAIR_REFS][p] == 0:
        hashtable.remove(st[PAIR_SLOTS], st[PAIR_KEY], p)
        st[PAIR_KEY][p] = -1
        st[PAIR_REFS][p] = st[PAIR_HEAD][0]
        st[PAIR_HEAD][0] = p


@kernel
def live_session(st, cfg, pc, addr, port, now):
    """The mapping whose public side is (pc, addr, port), or -1 if none or it had run out
    by ``now`` (it is left for the idle timer to free: an inbound packet frees nothing)."""
    s = hashtable.find(st[OUT_SLOTS], st[OUT_KEY], outside_key(pc, addr, port))
    if s >= 0 and expired(st, cfg, s, now):
        return -1
    return s
