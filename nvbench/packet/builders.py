"""Frame builders: real Ethernet/IPv4 frames carrying UDP, TCP or ICMP echo.

``build_frames`` fills a :class:`PacketBatch` from per-packet arrays (scalars are
broadcast). Every frame gets valid IPv4, UDP, TCP and ICMP checksums. The payload is a
deterministic byte pattern so a frame can be rebuilt and compared.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.packet.batch import PacketBatch
from nvbench.packet.checksum import checksum, fold, pseudo_sum
from nvbench.packet.layouts import (
    ETH_P_IPV4,
    ETHERNET,
    ICMP_ECHO,
    IPPROTO_ICMP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    IPV4,
    TCP,
    UDP,
)
from nvbench.packet.wire import ix, wr8, wr16, wr32, wr48

ETH_LEN = ETHERNET.length
IP_LEN = IPV4.length
MIN_FRAME = 60  # Ethernet minimum without FCS: a smaller frame would need padding
L4_LEN = {IPPROTO_UDP: UDP.length, IPPROTO_TCP: TCP.length, IPPROTO_ICMP: ICMP_ECHO.length}

_IP_TOTLEN = IPV4.offset("total_length")
_IP_ID = IPV4.offset("ident")
_IP_FRAG = IPV4.offset("flags_frag")
_IP_TTL = IPV4.offset("ttl")
_IP_CSUM = IPV4.offset("checksum")
_IP_SRC = IPV4.offset("src")
_IP_DST = IPV4.offset("dst")
_TCP_SEQ = TCP.offset("seq")
_TCP_FLAGS = TCP.offset("off_flags")
_TCP_WIN = TCP.offset("window")
_TCP_CSUM = TCP.offset("checksum")
_UDP_LEN = UDP.offset("length")
_UDP_CSUM = UDP.offset("checksum")
_ICMP_CSUM = ICMP_ECHO.offset("checksum")

# The payload is a byte ramp: payload byte k is (s + k) & 0xFF. Copying it from RAMP and
# summing it from prefix sums of RAMP's even and odd bytes keeps the build cost of a frame
# independent of its size (the checksum of a 1500-byte frame is two table reads).
_RAMP_LEN = 256 + 9100
RAMP = (np.arange(_RAMP_LEN) & 0xFF).astype(np.uint8)
_EVEN = np.where(np.arange(_RAMP_LEN) % 2 == 0, RAMP, 0).astype(np.int64)
RAMP_EVEN = np.concatenate([[0], np.cumsum(_EVEN)])  # sum of RAMP[m], m < i, m even
RAMP_ODD = np.concatenate([[0], np.cumsum(RAMP.astype(np.int64) - _EVEN)])
# RAMP_WORDS[v]: the 8 ramp bytes v, v+1, ... as one uint64 word (native byte order).
RAMP_WORDS = RAMP[np.arange(256)[:, None] + np.arange(8)].copy().view(np.uint64).ravel()


@kernel
def write_ipv4(pkt, l3, total_len, ident, proto, src, dst, df):
    """Write an option-less IPv4 header at ``l3`` with its checksum."""
    wr16(pkt, l3, 0x4500)
    wr16(pkt, l3 + _IP_TOTLEN, total_len)
    wr16(pkt, l3 + _IP_ID, ident)
    wr16(pkt, l3 + _IP_FRAG, 0x4000 if df else 0)
    wr16(pkt, l3 + _IP_TTL, (64 << 8) | proto)  # TTL 64, then the protocol byte
    wr32(pkt, l3 + _IP_SRC, src)
    wr32(pkt, l3 + _IP_DST, dst)
    # Every word is known: sum the values instead of reading the 20 bytes back.
    words = 0x4500 + total_len + ident + (0x4000 if df else 0) + (64 << 8) + proto
    words += (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF)
    wr16(pkt, l3 + _IP_CSUM, (~fold(words)) & 0xFFFF)


@kernel
def write_payload(pkt, words, at, n, s):
    """Write the ramp payload starting at value ``s``; returns its 16-bit word sum.

    ``words`` is the same slot seen as uint64 (the slot starts 8-byte aligned): the
    aligned middle is written a word at a time. ``at`` must be an even distance from the
    start of the checksummed range.
    """
    k = 0
    while k < n and (at + k) & 7:
        wr8(pkt, at + k, RAMP[s + k])
        k += 1
    while k + 8 <= n:
        words[ix((at + k) >> 3)] = RAMP_WORDS[(s + k) & 0xFF]
        k += 8
    while k < n:
        wr8(pkt, at + k, RAMP[s + k])
        k += 1
    if s & 1:  # the high bytes of the words are the odd ramp positions
        return ((RAMP_ODD[s + n] - RAMP_ODD[s]) << 8) + RAMP_EVEN[s + n] - RAMP_EVEN[s]
    return ((RAMP_EVEN[s + n] - RAMP_EVEN[s]) << 8) + RAMP_ODD[s + n] - RAMP_ODD[s]


@kernel
def _write_l4(pkt, l4, l4_len, proto, src, dst, sport, dport, tcp_flags, seq, payload):
    """Write the L4 header; ``payload`` is the word sum of the payload already written."""
    if proto == IPPROTO_UDP:
        wr16(pkt, l4, sport)
        wr16(pkt, l4 + 2, dport)
        wr16(pkt, l4 + _UDP_LEN, l4_len)
        wr16(pkt, l4 + _UDP_CSUM, 0)
        c = checksum(pkt, l4, 8, pseudo_sum(src, dst, proto, l4_len) + payload)
        wr16(pkt, l4 + _UDP_CSUM, 0xFFFF if c == 0 else c)
    elif proto == IPPROTO_TCP:
        wr16(pkt, l4, sport)
        wr16(pkt, l4 + 2, dport)
        wr32(pkt, l4 + _TCP_SEQ, seq)
        wr32(pkt, l4 + _TCP_SEQ + 4, 0)
        wr16(pkt, l4 + _TCP_FLAGS, 0x5000 | (tcp_flags & 0x1FF))
        wr16(pkt, l4 + _TCP_WIN, 65535)
        wr32(pkt, l4 + _TCP_CSUM, 0)  # checksum and urgent pointer
        c = checksum(pkt, l4, 20, pseudo_sum(src, dst, proto, l4_len) + payload)
        wr16(pkt, l4 + _TCP_CSUM, c)
    else:  # ICMP echo request: the identifier plays the source port's part
        wr16(pkt, l4, 0x0800)
        wr16(pkt, l4 + _ICMP_CSUM, 0)
        wr16(pkt, l4 + 4, sport)
        wr16(pkt, l4 + 6, seq & 0xFFFF)
        wr16(pkt, l4 + _ICMP_CSUM, checksum(pkt, l4, 8, payload))


@kernel
def build_one(pkt, words, o, n, src_mac, dst_mac, src, dst, proto, sport, dport, flags, ident):
    """Write one frame of ``n`` bytes at offset ``o`` of slot ``pkt`` (``words``: the slot
    as uint64)."""
    wr48(pkt, o, dst_mac)
    wr48(pkt, o + 6, src_mac)
    wr16(pkt, o + 12, ETH_P_IPV4)
    l3 = o + ETH_LEN
    l4 = l3 + IP_LEN
    hdr = 8 if proto != IPPROTO_TCP else 20
    # payload byte at p is (p - l4 + ident) & 0xFF: it depends on packet and position
    payload = write_payload(pkt, words, l4 + hdr, o + n - l4 - hdr, (hdr + ident) & 0xFF)
    write_ipv4(pkt, l3, n - ETH_LEN, ident, proto, src, dst, True)
    _write_l4(pkt, l4, n - ETH_LEN - IP_LEN, proto, src, dst, sport, dport, flags,
              ident * 1000, payload)  # fmt: skip


@kernel
def _build(
    buf, words, offset, length, src_mac, dst_mac, src_ip, dst_ip, proto, sport, dport, size,
    flags, ident,
):  # fmt: skip
    for i in range(size.shape[0]):
        build_one(buf[i], words[i], offset[i], size[i], src_mac[i], dst_mac[i], src_ip[i],
                  dst_ip[i], proto[i], sport[i], dport[i], flags[i], ident[i])  # fmt: skip
        length[i] = size[i]


@kernel
def _build_flows(buf, words, offset, length, flow, src_ip, dst_ip, proto, sport, dport,
                 src_mac, dst_mac, size, flags, ident0):  # fmt: skip
    for i in range(size.shape[0]):
        f = flow[i]
        build_one(buf[i], words[i], offset[i], size[i], src_mac, dst_mac, src_ip[f], dst_ip[f],
                  proto[f], sport[f], dport[f], flags[i], (ident0 + i) & 0xFFFF)  # fmt: skip
        length[i] = size[i]


def _column(x: int | np.ndarray, n: int, dtype: type) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(x, dtype=np.int64), (n,))
    return np.ascontiguousarray(arr, dtype=dtype)


def build_frames(
    batch: PacketBatch,
    n: int,
    *,
    src_ip: int | np.ndarray,
    dst_ip: int | np.ndarray,
    proto: int | np.ndarray = IPPROTO_UDP,
    sport: int | np.ndarray = 1024,
    dport: int | np.ndarray = 80,
    size: int | np.ndarray = 64,
    src_mac: int | np.ndarray = 0x00155D000001,
    dst_mac: int | np.ndarray = 0x00155D000002,
    tcp_flags: int | np.ndarray = 0x10,
    ident: int | np.ndarray | None = None,
) -> PacketBatch:
    """Fill ``batch`` with ``n`` frames built from the given fields.

    Parameters
    ----------
    n : int
        Number of frames; the batch is cleared first.
    src_ip, dst_ip : int or int64 array
        IPv4 addresses as 32-bit integers.
    proto : int or array
        17 UDP, 6 TCP (header without options), 1 ICMP echo request.
    sport, dport : int or array
        Ports; for ICMP ``sport`` is the echo identifier.
    size : int or array
        Frame length in bytes without FCS, ``MIN_FRAME`` .. ``batch.max_frame``.
    src_mac, dst_mac : int or array
        48-bit MAC addresses as integers. 0x00155D is Hyper-V's OUI.
    tcp_flags : int or array
        TCP flags (SYN 0x02, ACK 0x10, FIN 0x01, RST 0x04).
    ident : int or array, optional
        IPv4 identification; defaults to the packet index.
    """
    if not 0 <= n <= batch.capacity:
        raise ValueError(f"n={n} outside 0..{batch.capacity}")
    cols = {
        "proto": _column(proto, n, np.int64),
        "size": _column(size, n, np.int64),
    }
    bad_proto = set(np.unique(cols["proto"]).tolist()) - set(L4_LEN)
    if bad_proto:
        raise ValueError(f"proto must be one of {sorted(L4_LEN)}, got {sorted(bad_proto)}")
    smallest = int(cols["size"].min(initial=MIN_FRAME))
    largest = int(cols["size"].max(initial=MIN_FRAME))
    if smallest < MIN_FRAME or largest > batch.max_frame:
        raise ValueError(f"size must be {MIN_FRAME}..{batch.max_frame} bytes")
    batch.clear()
    _build(
        batch.buf,
        batch.buf.view(np.uint64),
        batch.offset,
        batch.length,
        _column(src_mac, n, np.int64),
        _column(dst_mac, n, np.int64),
        _column(src_ip, n, np.int64),
        _column(dst_ip, n, np.int64),
        cols["proto"],
        _column(sport, n, np.int64),
        _column(dport, n, np.int64),
        cols["size"],
        _column(tcp_flags, n, np.int64),
        _column(np.arange(n) if ident is None else ident, n, np.int64) & 0xFFFF,
    )
    batch.n = n
    return batch


def build_flow_frames(
    batch: PacketBatch,
    flow: np.ndarray,
    table: tuple[np.ndarray, ...],
    size: np.ndarray,
    tcp_flags: np.ndarray,
    ident0: int,
    src_mac: int = 0x00155D000001,
    dst_mac: int = 0x00155D000002,
) -> PacketBatch:
    """Fill ``batch`` with one frame per entry of ``flow`` from per-flow header tables.

    ``table`` = (src_ip, dst_ip, proto, sport, dport), int64 arrays indexed by flow;
    ``size`` and ``tcp_flags`` are per packet (int64); IPv4 identifications count up from
    ``ident0``. The fast path of the simulator's sources: nothing per packet is allocated
    but the frame. Sizes are the caller's to check (``MIN_FRAME`` .. ``batch.max_frame``).
    """
    n = flow.shape[0]
    batch.clear()
    _build_flows(batch.buf, batch.buf.view(np.uint64), batch.offset, batch.length, flow,
                 *table, src_mac, dst_mac, size, tcp_flags, ident0)  # fmt: skip
    batch.n = n
    return batch


IMIX_SIZES = np.array([64, 576, 1500], dtype=np.int64)
IMIX_WEIGHTS = np.array([7, 4, 1], dtype=np.int64)  # simple IMIX 7:4:1


def imix_sizes(n: int) -> np.ndarray:
    """``n`` frame sizes in the 7:4:1 IMIX proportion, deterministically interleaved."""
    cycle = np.repeat(IMIX_SIZES, IMIX_WEIGHTS)
    return np.resize(cycle, n)
