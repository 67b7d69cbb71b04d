"""Provider-network forwarding: route on the outer destination, ECMP over the next hops.

The hash covers the outer source and destination addresses and, for GRE, the 32-bit key
(VSID and FlowID), as RFC 7637 asks transit devices to do [S1]: the FlowID is what spreads
one VSID's flows over equal-cost paths.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import DST, SRC, l3_start
from nvbench.packet.layouts import IPPROTO_GRE
from nvbench.packet.wire import rd8, rd32

GRE_KEY_AT = 4  # the key follows the 2-byte flags and 2-byte protocol


@kernel
def ecmp_hash(pkt, l3, avail):
    src = rd32(pkt, l3 + SRC)
    dst = rd32(pkt, l3 + DST)
    ihl = (rd8(pkt, l3) & 0xF) * 4
    key = 0
    if rd8(pkt, l3 + 9) == IPPROTO_GRE and avail >= ihl + GRE_KEY_AT + 4:
        key = rd32(pkt, l3 + ihl + GRE_KEY_AT)
    return hashtable.hash64((src << 31) ^ dst ^ (key << 17))


@kernel
def choose(buf, offset, length, verdict, counts, route_dst, group_first, group_size,
           default_group, members, port):  # fmt: skip
    """Fill ``port`` with each live packet's output port; NO_ROUTE where none matches.

    Parameters
    ----------
    buf, offset, length : uint8[n, slot], int32[n], int32[n]
        The batch's frames (:class:`~nvbench.packet.batch.PacketBatch` columns).
    verdict : uint8[n]
        In/out.
    counts : int64[N_VERDICTS]
        Packets per verdict, added to.
    route_dst : int64[R]
        The routes' destination addresses, sorted.
    group_first, group_size : int64[G]
        Group g sends to ``members[group_first[g] : group_first[g] + group_size[g]]``;
        route r uses group r.
    default_group : int
        The group of destinations with no route of their own, or -1 (NO_ROUTE).
    members : int64[M]
        Output ports, group after group.
    port : int64[n]
        Out: each packet's output port, -1 for none.
    """
    for i in range(verdict.shape[0]):
        port[i] = -1
        if verdict[i] != V.OK:
            continue
        pkt, o, n = buf[i], offset[i], length[i]
        v, l3 = l3_start(pkt, o, n)
        avail = n - (l3 - o)
        if v != V.OK or avail < 20:
            verdict[i] = V.NO_ROUTE
            counts[V.NO_ROUTE] += 1
            continue
        dst = rd32(pkt, l3 + DST)
        r = np.searchsorted(route_dst, dst)
        g = r if r < route_dst.shape[0] and route_dst[r] == dst else default_group
        if g < 0:
            verdict[i] = V.NO_ROUTE
            counts[V.NO_ROUTE] += 1
            continue
        h = ecmp_hash(pkt, l3, avail)
        port[i] = members[group_first[g] + (h * group_size[g] >> 32)]
