"""ESP tunnel mode (RFC 4303) for S2S and remote-access VPN, optionally UDP-encapsulated.

Encapsulation turns a tenant Ethernet/IPv4 frame into outer Ethernet / outer IPv4
(protocol 50, or 17 with NAT-T on UDP 4500 [S29]) / ESP header (SPI, per-SA sequence
number) / IV / the inner IP packet / padding 1, 2, 3, ... / pad length / next header 4
/ ICV. Sizes per suite are exact [S26][S27][S28]; the payload is not really encrypted
(the simulator charges crypto from its cost model), but the IV and ICV are filled with
bytes derived from (SPI, sequence), so decapsulation can check an ICV and catch a
mangled frame. Decapsulation validates every field, applies a 64-packet anti-replay
window (RFC 4303 section 3.4.3) and rebuilds the inner Ethernet frame.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import ETH_LEN, IP_LEN, check_ipv4, l3_start
from nvbench.fastpath.sa import SUITE_TABLE, SaTable, inner_mtu, overhead  # noqa: F401
from nvbench.fastpath.scan import selected
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import write_ipv4
from nvbench.packet.layouts import (
    ESP,
    ETH_P_IPV4,
    IPPROTO_ESP,
    IPPROTO_UDP,
    IPV4,
    NAT_T_PORT,
    UDP_ESP,
)
from nvbench.packet.wire import ix, rd8, rd16, rd32, wr8, wr16, wr32, wr48

ESP_LEN = ESP.length
UDP_LEN = UDP_ESP.length
NEXT_HEADER_IPV4 = 4
REPLAY_WINDOW = 64  # RFC 4303 3.4.3: 64 SHOULD be the default
SEQ_MAX = 0xFFFFFFFF  # no extended sequence numbers: the SA must be rekeyed before this
_FRAG = IPV4.offset("flags_frag")


@kernel
def stand_in_seed(spi, seq, salt):
    """First word of the stand-in IV (salt 1) or ICV (salt 2) bytes of one packet."""
    return hashtable.hash64((np.int64(spi) << 31) ^ (np.int64(seq) << 2) ^ salt) | 1


@kernel
def stand_in_next(h):
    """Next 32-bit word: xorshift32, cheap, since these bytes only stand in for crypto."""
    h ^= (h << 13) & 0xFFFFFFFF
    h ^= h >> 17
    return h ^ ((h << 5) & 0xFFFFFFFF)


@kernel
def fill_bytes(pkt, p, n, spi, seq, salt):
    """Write ``n`` deterministic stand-in IV/ICV bytes derived from (SPI, sequence, salt)."""
    h = stand_in_seed(spi, seq, salt)
    for k in range(n):
        wr8(pkt, p + k, h >> (8 * (k & 3)))
        if k & 3 == 3:
            h = stand_in_next(h)


@kernel
def icv_ok(pkt, p, n, spi, seq):
    """True if the ``n`` ICV bytes at ``p`` are the ones the sender wrote."""
    h = stand_in_seed(spi, seq, 2)
    for k in range(n):
        if rd8(pkt, p + k) != (h >> (8 * (k & 3))) & 0xFF:
            return False
        if k & 3 == 3:
            h = stand_in_next(h)
    return True


@kernel
def encap_one(pkt, o, n, sa, sas, suites, local_mac, next_hop_mac, mtu, clear_df):
    """(verdict, new offset, new length) of the tunnel-mode ESP frame for one packet.

    The outer DF bit is the inner one's, or clear with ``clear_df`` (RFC 4301 8.1: an SA
    copies, sets or clears it). A packet over ``mtu`` with DF set is TOO_BIG; with DF
    clear it is sealed whole, for :mod:`nvbench.fastpath.fragment` to cut."""
    spi, seq, suite, src, dst, natt, sport, dport, tenant, rx_top, rx_win = sas
    if sa < 0 or sa >= spi.shape[0]:
        return V.ESP_UNKNOWN_SA, 0, 0
    v, l3 = l3_start(pkt, o, n)
    if v != V.OK:
        return v, 0, 0
    v, ihl, tot, proto = check_ipv4(pkt, l3, o + n - l3)
    if v != V.OK and v != V.FRAGMENT:  # a fragment is tunnelled as it is
        return v, 0, 0
    iv = suites[suite[sa], 0]
    icv = suites[suite[sa], 1]
    pad = -(tot + 2) % suites[suite[sa], 2]
    udp = UDP_LEN if natt[sa] else 0
    outer_len = IP_LEN + udp + ESP_LEN + iv + tot + pad + 2 + icv
    start = l3 - (ETH_LEN + IP_LEN + udp + ESP_LEN + iv)
    end = l3 + tot + pad + 2 + icv
    df = (rd16(pkt, l3 + _FRAG) & 0x4000) != 0 and not clear_df
    if outer_len > mtu and df:
        return V.TOO_BIG, 0, 0
    if start < 0:
        return V.NO_HEADROOM, 0, 0
    if end > pkt.shape[0]:
        return V.NO_TAILROOM, 0, 0
    if seq[sa] >= SEQ_MAX:
        return V.ESP_SEQ_OVERFLOW, 0, 0
    seq[sa] += 1
    q = seq[sa]
    t = l3 + tot
    for k in range(pad):
        wr8(pkt, t + k, k + 1)
    wr8(pkt, t + pad, pad)
    wr8(pkt, t + pad + 1, NEXT_HEADER_IPV4)
    fill_bytes(pkt, t + pad + 2, icv, spi[sa], q, 2)
    e = l3 - iv - ESP_LEN
    wr32(pkt, e, spi[sa])
    wr32(pkt, e + 4, q)
    fill_bytes(pkt, e + ESP_LEN, iv, spi[sa], q, 1)
    ip = start + ETH_LEN
    if natt[sa]:
        u = ip + IP_LEN
        wr16(pkt, u, sport[sa])
        wr16(pkt, u + 2, dport[sa])
        wr16(pkt, u + 4, UDP_LEN + ESP_LEN + iv + tot + pad + 2 + icv)
        wr16(pkt, u + 6, 0)  # RFC 3948 2.1: the checksum may be zero
    proto_out = IPPROTO_UDP if natt[sa] else IPPROTO_ESP
    write_ipv4(pkt, ip, outer_len, q & 0xFFFF, proto_out, src[sa], dst[sa], df)
    wr48(pkt, start, next_hop_mac)
    wr48(pkt, start + 6, local_mac)
    wr16(pkt, start + 12, ETH_P_IPV4)
    return V.OK, start, end - start


@kernel
def _encap(buf, offset, length, sa_col, verdict, rows, counts, sas, suites, local_mac, nh_mac,
           mtu, clear_df):  # fmt: skip
    """ESP tunnel-mode encapsulation of the live frames among ``rows``.

    Parameters
    ----------
    buf, offset, length : uint8[n, slot], int32[n], int32[n]
        The batch's frames (:class:`~nvbench.packet.batch.PacketBatch` columns).
    sa_col, verdict : int32[n], uint8[n]
        The SA of each packet (its index in ``sas``); verdict (in/out).
    rows : int64[m]
        The rows to work on, in this order (:func:`nvbench.fastpath.scan.selected`).
    counts : int64[N_VERDICTS]
        Packets per verdict, added to.
    sas : tuple of arrays
        :meth:`SaTable._view <nvbench.fastpath.sa.SaTable>`: the SAs' columns (the
        sequence counter is advanced).
    suites : int64[K, 3]
        IV, ICV and alignment of each cipher suite (``SUITE_TABLE``).
    local_mac, nh_mac : int
        The outer Ethernet source and destination.
    mtu, clear_df : int, bool
        The path MTU, bytes: a larger outer packet is TOO_BIG if its DF bit is set;
        ``clear_df`` clears it on every outer packet (see :func:`encap_one`).
    """
    for j in range(rows.shape[0]):
        i = ix(rows[j])  # unsigned: no wraparound test on every column access
        if verdict[i] != V.OK:
            continue
        v, start, n = encap_one(
            buf[i], offset[i], length[i], sa_col[i], sas, suites, local_mac, nh_mac, mtu, clear_df
        )
        counts[v] += 1
        verdict[i] = v
        if v == V.OK:
            offset[i] = start
            length[i] = n


@kernel
def esp_start(pkt, l3, ihl, total, proto):
    """(verdict, offset of the ESP header) behind an outer IPv4 header, NAT-T or not."""
    p = l3 + ihl
    if proto == IPPROTO_ESP:
        return V.OK, p
    if proto != IPPROTO_UDP:
        return V.BAD_PROTOCOL, 0
    if total - ihl < UDP_LEN + ESP_LEN:
        return V.TRUNCATED, 0
    if rd16(pkt, p + 2) != NAT_T_PORT or rd32(pkt, p + UDP_LEN) == 0:
        return V.BAD_PROTOCOL, 0  # not NAT-T, or an IKE message (non-ESP marker)
    return V.OK, p + UDP_LEN


@kernel
def replay_check(rx_top, rx_win, sa, q):
    """True if sequence ``q`` is new and inside the window (RFC 4303 3.4.3)."""
    top = rx_top[sa]
    if q == 0:
        return False
    if q > top:
        return True
    d = top - q
    if d >= REPLAY_WINDOW:
        return False
    return ((rx_win[sa] >> np.uint64(d)) & np.uint64(1)) == np.uint64(0)


@kernel
def replay_accept(rx_top, rx_win, sa, q):
    top = rx_top[sa]
    if q > top:
        d = q - top
        rx_win[sa] = (rx_win[sa] << np.uint64(d)) | np.uint64(1) if d < 64 else np.uint64(1)
        rx_top[sa] = q
    else:
        rx_win[sa] |= np.uint64(1) << np.uint64(top - q)


@kernel
def decap_one(pkt, o, n, sas, suites, spi_slots, spi_keys):
    """(verdict, inner IPv4 offset, inner IPv4 length, SA) of one ESP frame."""
    spi, seq, suite, src, dst, natt, sport, dport, tenant, rx_top, rx_win = sas
    v, l3 = l3_start(pkt, o, n)
    if v != V.OK:
        return v, 0, 0, -1
    v, ihl, total, proto = check_ipv4(pkt, l3, o + n - l3)
    if v == V.OK:
        v, e = esp_start(pkt, l3, ihl, total, proto)
    if v != V.OK:
        return v, 0, 0, -1
    esp_len = l3 + total - e
    if esp_len < ESP_LEN:
        return V.TRUNCATED, 0, 0, -1
    sa = hashtable.find(spi_slots, spi_keys, rd32(pkt, e))
    if sa < 0:
        return V.ESP_UNKNOWN_SA, 0, 0, -1
    iv = suites[suite[sa], 0]
    icv = suites[suite[sa], 1]
    body = esp_len - ESP_LEN - iv - icv  # inner packet + padding + 2
    if body < IP_LEN + 2:
        return V.TRUNCATED, 0, 0, -1
    if body % suites[suite[sa], 2]:
        return V.ESP_BAD_TRAILER, 0, 0, -1
    q = rd32(pkt, e + 4)
    if not replay_check(rx_top, rx_win, sa, q):
        return V.ESP_REPLAY, 0, 0, -1
    if not icv_ok(pkt, e + ESP_LEN + iv + body, icv, spi[sa], q):
        return V.ESP_BAD_ICV, 0, 0, -1
    t = e + ESP_LEN + iv + body - 2
    pad = rd8(pkt, t)
    if rd8(pkt, t + 1) != NEXT_HEADER_IPV4 or pad > body - 2 - IP_LEN:
        return V.ESP_BAD_TRAILER, 0, 0, -1
    for k in range(pad):
        if rd8(pkt, t - pad + k) != k + 1:
            return V.ESP_BAD_TRAILER, 0, 0, -1
    ip = e + ESP_LEN + iv
    inner = body - 2 - pad
    v, ihl2, tot2, proto2 = check_ipv4(pkt, ip, inner)
    if v == V.FRAGMENT:
        v = V.OK
    if v == V.OK and tot2 != inner:
        v = V.BAD_TOTAL_LENGTH
    if v != V.OK:
        return v, 0, 0, -1
    replay_accept(rx_top, rx_win, sa, q)  # only after the ICV checked out (RFC 4303)
    return V.OK, ip, inner, sa


@kernel
def _decap(
    buf,
    offset,
    length,
    rd,
    sa_col,
    verdict,
    rows,
    counts,
    sas,
    suites,
    spi_slots,
    spi_keys,
    dst_mac,
    src_mac,
):
    """Validate and strip ESP from the live frames among ``rows``; sets each packet's SA
    and tenant (the SA's), and gives the inner IPv4 packet a fresh Ethernet header.

    Parameters
    ----------
    buf, offset, length : uint8[n, slot], int32[n], int32[n]
        The batch's frames (:class:`~nvbench.packet.batch.PacketBatch` columns).
    rd, sa_col, verdict : int32[n], int32[n], uint8[n]
        Out: tenant and SA; verdict (in/out).
    rows : int64[m]
        The rows to work on, in this order.
    counts : int64[N_VERDICTS]
        Packets per verdict, added to.
    sas : tuple of arrays
        The SAs' columns (the anti-replay window is advanced).
    suites : int64[K, 3]
        IV, ICV and alignment of each cipher suite (``SUITE_TABLE``).
    spi_slots, spi_keys : int32[S], int64[R]
        The hash index of the SAs by SPI.
    dst_mac, src_mac : int
        The inner frame's new Ethernet destination and source.
    """
    tenant = sas[8]
    for j in range(rows.shape[0]):
        i = ix(rows[j])  # unsigned: no wraparound test on every column access
        if verdict[i] != V.OK:
            continue
        pkt = buf[i]
        v, ip, inner, sa = decap_one(pkt, offset[i], length[i], sas, suites, spi_slots, spi_keys)
        counts[v] += 1
        verdict[i] = v
        if v != V.OK:
            continue
        s = ip - ETH_LEN
        wr48(pkt, s, dst_mac)
        wr48(pkt, s + 6, src_mac)
        wr16(pkt, s + 12, ETH_P_IPV4)
        offset[i] = s
        length[i] = ETH_LEN + inner
        sa_col[i] = sa
        rd[i] = tenant[sa]


def encapsulate(
    batch: PacketBatch,
    sas: SaTable,
    counts: np.ndarray,
    *,
    local_mac: int = 0x00155D0000FE,
    next_hop_mac: int = 0x00155D0000FF,
    mtu: int = 1500,
    rows: np.ndarray | None = None,
    clear_df: bool = False,
) -> None:
    """ESP-encapsulate every OK frame of ``batch`` (of ``rows`` only, if given) with the SA
    in its ``sa`` column; the outer DF copied from the inner, or cleared (``clear_df``)."""
    n = batch.n
    _encap(
        batch.buf,
        batch.offset,
        batch.length,
        batch.sa,
        batch.verdict[:n],
        selected(rows, n),
        counts,
        sas._view(),
        SUITE_TABLE,
        local_mac,
        next_hop_mac,
        mtu,
        clear_df,
    )


def decapsulate(
    batch: PacketBatch,
    sas: SaTable,
    counts: np.ndarray,
    *,
    dst_mac: int = 0x00155D000001,
    src_mac: int = 0x00155D0000FE,
    rows: np.ndarray | None = None,
) -> None:
    """Validate and strip ESP from every OK frame (of ``rows`` only, if given); sets ``sa``
    and ``rd`` (the SA's tenant).

    The inner IPv4 packet gets a fresh Ethernet header (``dst_mac``, ``src_mac``).
    """
    n = batch.n
    _decap(
        batch.buf,
        batch.offset,
        batch.length,
        batch.rd,
        batch.sa,
        batch.verdict[:n],
        selected(rows, n),
        counts,
        sas._view(),
        SUITE_TABLE,
        sas.spi_index.slots,
        sas.spi_index.keys,
        dst_mac,
        src_mac,
    )
