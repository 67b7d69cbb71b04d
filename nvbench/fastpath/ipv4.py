"""IPv4 header validation shared by every kernel that parses a packet it did not build."""

from __future__ import annotations

from nvbench.config import kernel
from nvbench.fastpath import verdict as V
from nvbench.packet.checksum import fold, sum16
from nvbench.packet.layouts import ETH_P_8021Q, ETH_P_IPV4, ETHERNET, IPV4
from nvbench.packet.wire import rd8, rd16

ETH_LEN = ETHERNET.length
IP_LEN = IPV4.length
_TOTLEN = IPV4.offset("total_length")
_FRAG = IPV4.offset("flags_frag")
_PROTO = IPV4.offset("proto")
SRC = IPV4.offset("src")
DST = IPV4.offset("dst")
CSUM = IPV4.offset("checksum")


@kernel
def l3_start(pkt, o, n):
    """(verdict, offset of the IPv4 header) for an Ethernet frame, one 802.1Q tag allowed."""
    if n < ETH_LEN:
        return V.TRUNCATED, 0
    et = rd16(pkt, o + 12)
    l3 = o + ETH_LEN
    if et == ETH_P_8021Q:
        if n < ETH_LEN + 4:
            return V.TRUNCATED, 0
        et = rd16(pkt, o + 16)
        l3 += 4
    if et != ETH_P_IPV4:
        return V.BAD_ETHERTYPE, 0
    return V.OK, l3


@kernel
def check_ipv4(pkt, l3, avail):
    """Validate the IPv4 header at ``l3`` with ``avail`` bytes left in the frame.

    Returns ``(verdict, header_bytes, total_length, protocol)``. Checks, in order:
    20 bytes present, version 4, IHL >= 5, IHL*4 <= total length <= bytes present,
    header checksum. Fragments are reported as ``FRAGMENT`` after all of that.
    """
    if avail < IP_LEN:
        return V.TRUNCATED, 0, 0, 0
    vi = rd8(pkt, l3)
    if vi >> 4 != 4:
        return V.BAD_IP_VERSION, 0, 0, 0
    ihl = (vi & 0xF) * 4
    if ihl < IP_LEN:
        return V.BAD_IHL, 0, 0, 0
    total = rd16(pkt, l3 + _TOTLEN)
    if total < ihl:
        return V.BAD_TOTAL_LENGTH, 0, 0, 0
    if total > avail:
        return V.TRUNCATED, 0, 0, 0
    if fold(sum16(pkt, l3, ihl)) != 0xFFFF:
        return V.BAD_IP_CHECKSUM, 0, 0, 0
    proto = rd8(pkt, l3 + _PROTO)
    if rd16(pkt, l3 + _FRAG) & 0x3FFF:  # MF set or a non-zero offset
        return V.FRAGMENT, ihl, total, proto
    return V.OK, ihl, total, proto
