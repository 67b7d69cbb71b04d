"""NVGRE encapsulation and decapsulation (RFC 7637) over a PacketBatch.

Encapsulation writes outer Ethernet (optionally 802.1Q tagged), outer IPv4 (protocol
47, DF set) and the 8-byte GRE header in front of the tenant frame, in the slot's
headroom [S1]. The GRE key is ``VSID << 8 | FlowID``; the FlowID is an 8-bit hash of
the inner 5-tuple, giving transit ECMP its entropy [S1]. The outer addresses come from
the HNV policy lookup. The 42 bytes of overhead (outer IPv4 20 + GRE 8 + inner
Ethernet 14) cap the tenant's IP packet at 1458 bytes on a 1500-byte provider MTU
[S4][S5].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import DST, ETH_LEN, IP_LEN, SRC, check_ipv4, l3_start
from nvbench.fastpath.lookup import VSID_MAX, VSID_MIN, PolicyTable, VsidTable, policy_find
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import write_ipv4
from nvbench.packet.layouts import (
    ETH_P_8021Q,
    ETH_P_IPV4,
    ETH_P_TEB,
    GRE_NVGRE,
    IPPROTO_GRE,
    IPPROTO_TCP,
    IPPROTO_UDP,
)
from nvbench.packet.wire import rd8, rd16, rd32, wr16, wr32, wr48

GRE_LEN = GRE_NVGRE.length
NVGRE_FLAGS = 0x2000  # C=0 K=1 S=0, version 0 [S1]
OVERHEAD = IP_LEN + GRE_LEN + ETH_LEN  # 42 bytes, the MTU reduction [S4]
PROVIDER_MTU = 1500


@dataclass(frozen=True)
class Tunnel:
    """This host's end of the provider network.

    Parameters
    ----------
    local_pa : int
        The host's provider address (outer source), 32-bit.
    local_mac, next_hop_mac : int
        Outer source MAC and the provider router's MAC, 48-bit.
    vlan : int
        Outer 802.1Q VLAN id, or -1 for an untagged provider network.
    mtu : int
        Provider network IP MTU: 1500, or the jumbo setting.
    """

    local_pa: int
    local_mac: int = 0x00155D0000FE
    next_hop_mac: int = 0x00155D0000FF
    vlan: int = -1
    mtu: int = PROVIDER_MTU


@kernel
def flow_id(pkt, l3, avail):
    """8-bit FlowID from the inner 5-tuple (addresses only when ports are unreadable)."""
    src = rd32(pkt, l3 + SRC)
    dst = rd32(pkt, l3 + DST)
    proto = rd8(pkt, l3 + 9)
    ihl = (rd8(pkt, l3) & 0xF) * 4
    ports = 0
    if (proto == IPPROTO_TCP or proto == IPPROTO_UDP) and ihl >= IP_LEN and avail >= ihl + 4:
        ports = rd32(pkt, l3 + ihl)
    h = hashtable.hash64((src << 31) ^ dst ^ (proto << 48) ^ (ports << 20))
    return (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) & 0xFF


@kernel
def _encap(
    buf,
    offset,
    length,
    rd,
    vsid,
    flow,
    verdict,
    counts,
    slots,
    keys,
    pa_col,
    mac_col,
    vsid_col,
    local_pa,
    local_mac,
    next_hop_mac,
    vlan,
    mtu,
    ident,
):
    """NVGRE-encapsulate every live frame (RFC 7637) with the HNV policy record of its
    tenant and inner destination.

    Parameters
    ----------
    buf, offset, length : uint8[n, slot], int32[n], int32[n]
        The batch's frames (:class:`~nvbench.packet.batch.PacketBatch` columns).
    rd, vsid, flow, verdict : int32[n], int32[n], int32[n], uint8[n]
        Tenant of each packet (in); VSID and FlowID written (out; as ``-1 - FlowID`` where
        the flow was negative: a piece or a router's message, see
        :class:`nvbench.model.metrics.Counters`); verdict (in/out).
    counts : int64[N_VERDICTS]
        Packets per verdict, added to.
    slots, keys : int32[S], int64[R]
        The policy table's hash index (:class:`~nvbench.fastpath.lookup.PolicyTable`).
    pa_col, mac_col, vsid_col : int64[R]
        Each policy record's provider address, inner MAC and VSID.
    local_pa, local_mac, next_hop_mac : int
        The outer IPv4 source, outer Ethernet source and destination.
    vlan : int
        The provider VLAN's id, or -1 for untagged frames.
    mtu : int
        The provider network's MTU, bytes: a larger outer packet is TOO_BIG.
    ident : int64[1]
        The outer IPv4 identification counter, kept across calls.
    """
    hdr = ETH_LEN + (4 if vlan >= 0 else 0) + IP_LEN + GRE_LEN
    # Counters live in locals while the loop runs: an array element would be reloaded
    # after every store the compiler cannot prove does not alias it.
    ip_id = ident[0]
    passed = 0
    for i in range(verdict.shape[0]):
        if verdict[i] != V.OK:
            continue
        pkt = buf[i]
        o = offset[i]
        n = length[i]
        v = V.OK
        if n < ETH_LEN + IP_LEN:
            v = V.TRUNCATED
        elif rd16(pkt, o + 12) != ETH_P_IPV4:
            v = V.BAD_ETHERTYPE
        if v != V.OK:
            verdict[i] = v
            counts[v] += 1
            continue
        r = policy_find(slots, keys, rd[i], rd32(pkt, o + ETH_LEN + DST))
        if r < 0:
            v = V.NO_MAPPING
        elif vsid_col[r] < VSID_MIN or vsid_col[r] > VSID_MAX:
            v = V.RESERVED_VSID
        elif IP_LEN + GRE_LEN + n > mtu:
            v = V.TOO_BIG
        elif o < hdr:
            v = V.NO_HEADROOM
        if v != V.OK:
            verdict[i] = v
            counts[v] += 1
            continue
        fid = flow_id(pkt, o + ETH_LEN, n - ETH_LEN)
        wr48(pkt, o, mac_col[r])  # inner destination MAC as the policy record says
        s = o - hdr
        wr48(pkt, s, next_hop_mac)
        wr48(pkt, s + 6, local_mac)
        p = s + 12
        if vlan >= 0:
            wr16(pkt, p, ETH_P_8021Q)
            wr16(pkt, p + 2, vlan & 0xFFF)
            p += 4
        wr16(pkt, p, ETH_P_IPV4)
        l3 = p + 2
        ip_id = (ip_id + 1) & 0xFFFF
        write_ipv4(pkt, l3, IP_LEN + GRE_LEN + n, ip_id, IPPROTO_GRE, local_pa, pa_col[r], True)
        g = l3 + IP_LEN
        vs = np.int64(vsid_col[r])
        wr16(pkt, g, NVGRE_FLAGS)
        wr16(pkt, g + 2, ETH_P_TEB)
        wr32(pkt, g + 4, (vs << 8) | fid)
        offset[i] = s
        length[i] = n + hdr
        vsid[i] = vs
        flow[i] = fid if flow[i] >= 0 else -1 - fid  # a piece or an ICMP error stays marked
        passed += 1
    ident[0] = ip_id
    counts[V.OK] += passed


@kernel
def check_gre(pkt, g):
    """(verdict, VSID, FlowID) of the NVGRE header at ``g`` (8 bytes known present)."""
    fv = rd16(pkt, g)
    if fv & 0x7:
        return V.BAD_GRE_VERSION, 0, 0
    if fv != NVGRE_FLAGS:
        return V.BAD_GRE_FLAGS, 0, 0
    if rd16(pkt, g + 2) != ETH_P_TEB:
        return V.BAD_GRE_PROTOCOL, 0, 0
    key = rd32(pkt, g + 4)
    vs = key >> 8
    if vs < VSID_MIN or vs > VSID_MAX:
        return V.RESERVED_VSID, 0, 0
    return V.OK, vs, key & 0xFF


@kernel
def decap_one(pkt, o, n, vslots, vkeys):
    """(verdict, inner offset, inner length, VSID, FlowID, VSID record) of one frame."""
    v, l3 = l3_start(pkt, o, n)
    if v != V.OK:
        return v, 0, 0, 0, 0, -1
    v, ihl, total, proto = check_ipv4(pkt, l3, o + n - l3)
    if v == V.OK and proto != IPPROTO_GRE:
        v = V.BAD_PROTOCOL
    if v == V.OK and total < ihl + GRE_LEN + ETH_LEN:
        v = V.TRUNCATED
    if v != V.OK:
        return v, 0, 0, 0, 0, -1
    g = l3 + ihl
    v, vs, fid = check_gre(pkt, g)
    if v != V.OK:
        return v, 0, 0, 0, 0, -1
    r = hashtable.find(vslots, vkeys, vs)
    if r < 0:
        return V.UNKNOWN_VSID, 0, 0, 0, 0, -1
    inner = g + GRE_LEN
    return V.OK, inner, l3 + total - inner, vs, fid, r


@kernel
def _decap(buf, offset, length, rd, vsid, flow, verdict, counts, vslots, vkeys, vdomain):
    """Strip NVGRE from every live frame; the inner frame's tenant is its VSID's.

    Parameters
    ----------
    buf, offset, length : uint8[n, slot], int32[n], int32[n]
        The batch's frames (:class:`~nvbench.packet.batch.PacketBatch` columns).
    rd, vsid, flow, verdict : int32[n], int32[n], int32[n], uint8[n]
        Out: tenant, VSID and FlowID of the inner frame (negative flows stay negative, as
        in ``_encap``); verdict (in/out).
    counts : int64[N_VERDICTS]
        Packets per verdict, added to.
    vslots, vkeys, vdomain : int32[S], int64[R], int64[R]
        The VSID table's hash index and each VSID's routing domain
        (:class:`~nvbench.fastpath.lookup.VsidTable`).
    """
    for i in range(verdict.shape[0]):
        if verdict[i] != V.OK:
            continue
        v, inner, inner_len, vs, fid, r = decap_one(buf[i], offset[i], length[i], vslots, vkeys)
        counts[v] += 1
        if v != V.OK:
            verdict[i] = v
            continue
        offset[i] = inner
        length[i] = inner_len
        vsid[i] = vs
        flow[i] = fid if flow[i] >= 0 else -1 - fid  # a piece or an ICMP error stays marked
        rd[i] = vdomain[r]


def encapsulate(
    batch: PacketBatch, table: PolicyTable, tunnel: Tunnel, counts: np.ndarray, ident: np.ndarray
) -> None:
    """NVGRE-encapsulate every OK frame of ``batch`` in place.

    ``batch.rd`` selects each packet's routing domain for the lookup; on success the
    VSID and FlowID columns are set. ``ident`` (int64[1]) is the outer IPv4
    identification counter, kept by the caller across batches.
    """
    n = batch.n
    _encap(
        batch.buf,
        batch.offset,
        batch.length,
        batch.rd,
        batch.vsid,
        batch.flow,
        batch.verdict[:n],
        counts,
        table.index.slots,
        table.index.keys,
        table.pa,
        table.mac,
        table.vsid,
        tunnel.local_pa,
        tunnel.local_mac,
        tunnel.next_hop_mac,
        tunnel.vlan,
        tunnel.mtu,
        ident,
    )


def decapsulate(batch: PacketBatch, vsids: VsidTable, counts: np.ndarray) -> None:
    """Validate and strip the NVGRE headers of every OK frame of ``batch`` in place.

    Sets VSID, FlowID and routing domain (from ``vsids``) of each good packet; every
    bad one gets its own verdict (see :func:`decap_one`).
    """
    n = batch.n
    _decap(
        batch.buf,
        batch.offset,
        batch.length,
        batch.rd,
        batch.vsid,
        batch.flow,
        batch.verdict[:n],
        counts,
        vsids.index.slots,
        vsids.index.keys,
        vsids.domain,
    )
