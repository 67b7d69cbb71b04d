"""NAT44 (NAPT) kernels, per routing domain.

The state is a tuple of arrays built by :class:`nvbench.fastpath.nat_table.NatTable`
(see there for the layout and the memory budget); the kernels only read and write it.

Behaviour, with the requirement each line meets:

- Endpoint-independent mapping: one mapping per (tenant, inside address, inside port,
  protocol), whatever the destination (RFC 4787 REQ-1, RFC 5382 REQ-1).
- No port overloading: a public (address, port, protocol) belongs to one mapping at a
  time (RFC 4787 REQ-3); ports 1024..65535, 64,512 per address [S38].
- Paired pooling: an inside address uses one address of its tenant's pool for all its
  dynamic mappings at once (RFC 4787 REQ-2, RFC 6888 REQ-2); at its first mapping it
  takes the pool's least-loaded address (fewest ports in use; the first on a tie), so a
  pool's addresses are used evenly. The pairing ends with the host's last mapping.
  Static (published) mappings stand apart from the pairing.
- Filtering endpoint-independent or address-dependent, configurable per tenant (RFC 4787
  REQ-8); static (published) mappings accept any remote.
- Hairpinning, the hairpinned source being the external address and port (REQ-9, 9a).
- A port quota per tenant and a state limit; when either or the pool is exhausted the
  packet is dropped with its own verdict and no live mapping is evicted (RFC 6888
  REQ-4, REQ-5, REQ-11).
- Timers at each packet's own time: UDP, TCP established / transitory, ICMP (RFC 4787
  REQ-5, RFC 5382 REQ-5, RFC 5508); refreshed by outbound and inbound traffic (RFC 4787
  REQ-6); dead mappings freed by an idle timer that ticks in packet time
  (:mod:`nvbench.fastpath.nat_sessions`). A freed port is not reused for the hold-down
  time (RFC 6888 REQ-8), which the per-address FIFO port rings give for free.
- Checksums updated incrementally (RFC 1624), see :mod:`nvbench.fastpath.l4`.
- ICMP errors both ways, the quoted packet too: from the Internet about a packet the NAT
  sent out, and from an inside host about a packet the NAT delivered to it (RFC 5508
  REQ-3, REQ-4; :mod:`nvbench.fastpath.nat_icmp`).
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import DST, SRC
from nvbench.fastpath.l4 import N_PCODES, PC_ICMP, PC_TCP, TCP_ACK, TCP_SYN, parse, rewrite
from nvbench.fastpath.nat_icmp import error_inbound, error_outbound
from nvbench.fastpath.nat_sessions import (  # noqa: F401  (the layout, re-exported)
    ACTIVE,
    ADDR_KEYS,
    ADDR_SLOTS,
    CFG_ADF,
    CFG_HOLD_SYN,
    FREE,
    FREE_HEAD,
    IN_KEY,
    IN_SLOTS,
    LAST,
    MAX_TENANTS,
    N_STATE,
    N_STATS,
    NEVER,
    NS,
    OUT_KEY,
    OUT_SLOTS,
    PORT_FIRST,
    REMOTE,
    RING,
    RING_AVAIL,
    RING_COUNT,
    RING_HEAD,
    RING_PORT,
    ST_CREATED,
    ST_EXPIRED,
    ST_HAIRPIN,
    STATE,
    STATIC,
    STATS,
    T_ADF,
    T_POOL_LEN,
    TCP_EST,
    catch_up,
    create_session,
    expired,
    free_session,
    inside_key,
    live_session,
    outside_key,
    release,
    tcp_next,
    touch,
)
from nvbench.packet.layouts import ETHERNET, TCP
from nvbench.packet.wire import ix, rd32

# The bytes from a frame's start the NAT kernels read or write, at most: an Ethernet
# header with one 802.1Q tag, an IPv4 header with the longest options (IHL 15), and the
# longest transport header they touch (TCP without options; UDP and ICMP echo are 8).
# The gateway runs NAT on copies of just these bytes when it must reorder packets.
SPAN = ETHERNET.length + 4 + 15 * 4 + TCP.length
SYN_ACK = TCP_SYN | TCP_ACK


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
def deliver_inbound(st, cfg, pkt, l3, l4, pc, src, dst, dport, flags, now):
    """Translate a packet addressed to (dst, dport) back inside; (verdict, tenant)."""
    s = live_session(st, cfg, pc, dst, dport, now)
    if s < 0:
        return V.NAT_NO_SESSION, -1
    b = np.int64(st[STATE][s])
    ik = st[IN_KEY][s]
    filters = cfg[CFG_ADF] and st[T_ADF][ik >> 50]  # the tenant's filtering
    if filters and not (b & STATIC) and not permitted(st[REMOTE], s, src):
        return V.NAT_FILTERED, -1
    if pc == PC_TCP:
        st[STATE][s] = tcp_next(b, flags, False)
    touch(st, cfg, s, now)  # REQ-6: inbound traffic MAY refresh; this NAT does
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
    touch(st, cfg, s, now)
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
def _out_one(pkt, o, n, t, now, st, cfg):
    """One live outbound packet of tenant ``t``: (verdict, tenant after, mapping, opened)."""
    catch_up(st, cfg, now)  # the idle timer's ticks before it, in time order
    v, l3, l4, pc, sport, dport, flags = parse(pkt, o, n)
    if v == V.OK:
        return translate_outbound(st, cfg, pkt, l3, l4, pc, sport, dport, flags, t, now)
    if v == V.NAT_UNSUPPORTED:  # a host's ICMP error about a packet it was sent?
        return error_outbound(st, cfg, pkt, o, n, t, now), t, -1, False
    return v, t, -1, False


@kernel
def _in_one(pkt, o, n, now, st, cfg):
    """One live inbound packet: (verdict, tenant). An unsolicited SYN (no mapping, or
    filtered) is NAT_SYN_HELD when the NAT holds them (RFC 5382 REQ-4)."""
    v, l3, l4, pc, sport, dport, flags = parse(pkt, o, n)
    if v == V.NAT_UNSUPPORTED:  # an ICMP error about a packet the NAT sent out?
        return error_inbound(st, cfg, pkt, o, n, now)
    if v != V.OK:
        return v, -1
    src = rd32(pkt, l3 + SRC)
    dst = rd32(pkt, l3 + DST)
    v, t = deliver_inbound(st, cfg, pkt, l3, l4, pc, src, dst, dport, flags, now)
    unsolicited = v == V.NAT_NO_SESSION or v == V.NAT_FILTERED
    if unsolicited and cfg[CFG_HOLD_SYN] and pc == PC_TCP and (flags & SYN_ACK) == TCP_SYN:
        return V.NAT_SYN_HELD, -1
    return v, t


@kernel
def _run(buf, offset, length, rd, time, verdict, rows, inward, counts, st, cfg, session,
         opened):  # fmt: skip
    """Translate the live packets among ``rows``, in that order, each its own way.

    Parameters
    ----------
    buf, offset, length : uint8[n, slot], int32[n], int32[n]
        The batch's frames (:class:`~nvbench.packet.batch.PacketBatch` columns).
    rd, time, verdict : int32[n], int64[n], uint8[n]
        Tenant (in for outbound; out: the receiving tenant), arrival time (each packet is
        decided at its own), verdict (in/out).
    rows : int64[m]
        The rows to work on, in this order (arrival order, both ways mixed: an inbound
        packet must see the mappings as they were when it came).
    inward : bool[m] or bool[1]
        Per row, whether it came from outside; one entry: the same for every row.
    counts : int64[N_VERDICTS]
        Packets per verdict, added to.
    st, cfg : tuple of arrays
        The NAT's state and configuration (:class:`~nvbench.fastpath.nat_table.NatTable`).
    session, opened : int64[n], bool[n], or empty
        Out: the mapping each outbound packet used (-1: none) and whether it opened it;
        empty arrays when not wanted.
    """
    track = session.shape[0] > 0
    every = inward.shape[0] == 1
    for j in range(rows.shape[0]):
        i = ix(rows[j])  # unsigned: no wraparound test on every column access
        if verdict[i] != V.OK:
            continue
        now = time[i]  # the packet's own time, never a clock other packets moved
        if inward[0] if every else inward[j]:
            v, t = _in_one(buf[i], offset[i], length[i], now, st, cfg)
            s, made = -1, False
        else:
            v, t, s, made = _out_one(buf[i], offset[i], length[i], rd[i], now, st, cfg)
        if v == V.OK:
            rd[i] = t
        if track:
            session[i] = s
            opened[i] = made
        counts[v] += 1
        verdict[i] = v


@kernel
def _expire(st, cfg, now):
    """Run the idle timer up to ``now``: free every mapping dead by its last tick; returns
    how many."""
    return catch_up(st, cfg, now)


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
