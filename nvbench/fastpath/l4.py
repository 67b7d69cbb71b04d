"""Transport-header parsing and address/port rewriting with incremental checksums.

Shared by the NAPT and 1:1 NAT kernels. A "port" of an ICMP echo message is its
identifier, as NAT44 treats it (RFC 5508). Every rewrite patches the IPv4 header
checksum and the L4 checksum (the pseudo-header covers the addresses) with RFC 1624
updates; a UDP checksum of 0 stays 0.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import CSUM, check_ipv4, l3_start
from nvbench.packet.checksum import patch16, patch16_udp, patch32, patch32_udp
from nvbench.packet.layouts import ICMP_ECHO, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP, UDP
from nvbench.packet.wire import rd8, rd16, rd32, wr16, wr32

# Protocol codes: small integers so a NAT key packs the protocol into 2 bits.
PC_UDP = 0
PC_TCP = 1
PC_ICMP = 2
N_PCODES = 3
PCODE_PROTO = np.array([IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP], dtype=np.int64)

ICMP_ECHO_REPLY = 0
ICMP_ECHO_REQUEST = 8
TCP_FIN = 0x01
TCP_SYN = 0x02
TCP_RST = 0x04
TCP_ACK = 0x10

_UDP_CSUM = UDP.offset("checksum")
_TCP_CSUM = TCP.offset("checksum")
_TCP_FLAGS = TCP.offset("off_flags")
_ICMP_CSUM = ICMP_ECHO.offset("checksum")
_ICMP_ID = ICMP_ECHO.offset("ident")
UDP_LEN = UDP.length
TCP_LEN = TCP.length
ICMP_LEN = ICMP_ECHO.length


@kernel
def parse(pkt, o, n):
    """Parse an Ethernet/IPv4 frame down to its transport ports.

    Returns ``(verdict, l3, l4, pcode, sport, dport, tcp_flags)``; for ICMP echo the
    identifier is returned as both ports. ICMP other than echo, fragments and other
    protocols get ``NAT_UNSUPPORTED`` / ``FRAGMENT``; short headers ``BAD_L4``.
    """
    v, l3 = l3_start(pkt, o, n)
    if v != V.OK:
        return v, 0, 0, 0, 0, 0, 0
    v, ihl, total, proto = check_ipv4(pkt, l3, o + n - l3)
    if v != V.OK:
        return v, 0, 0, 0, 0, 0, 0
    l4 = l3 + ihl
    l4len = total - ihl
    if proto == IPPROTO_UDP:
        if l4len < UDP_LEN:
            return V.BAD_L4, 0, 0, 0, 0, 0, 0
        return V.OK, l3, l4, PC_UDP, rd16(pkt, l4), rd16(pkt, l4 + 2), 0
    if proto == IPPROTO_TCP:
        if l4len < TCP_LEN:
            return V.BAD_L4, 0, 0, 0, 0, 0, 0
        flags = rd16(pkt, l4 + _TCP_FLAGS) & 0x1FF
        return V.OK, l3, l4, PC_TCP, rd16(pkt, l4), rd16(pkt, l4 + 2), flags
    if proto == IPPROTO_ICMP:
        if l4len < ICMP_LEN:
            return V.BAD_L4, 0, 0, 0, 0, 0, 0
        t = rd8(pkt, l4)
        if t != ICMP_ECHO_REQUEST and t != ICMP_ECHO_REPLY:
            return V.NAT_UNSUPPORTED, 0, 0, 0, 0, 0, 0
        ident = rd16(pkt, l4 + _ICMP_ID)
        return V.OK, l3, l4, PC_ICMP, ident, ident, 0
    return V.NAT_UNSUPPORTED, 0, 0, 0, 0, 0, 0


@kernel
def rewrite(pkt, l3, l4, pcode, addr_at, port_at, addr, port):
    """Set the address at ``l3 + addr_at`` and the port at ``l4 + port_at``.

    ``addr_at`` is the IPv4 src or dst offset, ``port_at`` 0 (source) or 2
    (destination); for ICMP the identifier is rewritten whatever ``port_at`` says.
    """
    old_addr = rd32(pkt, l3 + addr_at)
    wr32(pkt, l3 + addr_at, addr)
    patch32(pkt, l3 + CSUM, old_addr, addr)
    if pcode == PC_ICMP:  # no pseudo-header in ICMPv4
        old_port = rd16(pkt, l4 + _ICMP_ID)
        wr16(pkt, l4 + _ICMP_ID, port)
        patch16(pkt, l4 + _ICMP_CSUM, old_port, port)
        return
    old_port = rd16(pkt, l4 + port_at)
    wr16(pkt, l4 + port_at, port)
    if pcode == PC_UDP:
        patch32_udp(pkt, l4 + _UDP_CSUM, old_addr, addr)
        patch16_udp(pkt, l4 + _UDP_CSUM, old_port, port)
    else:
        patch32(pkt, l4 + _TCP_CSUM, old_addr, addr)
        patch16(pkt, l4 + _TCP_CSUM, old_port, port)


@kernel
def rewrite_addr(pkt, l3, l4, pcode, addr_at, addr):
    """Set only the address (1:1 NAT), patching IP and pseudo-header checksums."""
    old_addr = rd32(pkt, l3 + addr_at)
    wr32(pkt, l3 + addr_at, addr)
    patch32(pkt, l3 + CSUM, old_addr, addr)
    if pcode == PC_UDP:
        patch32_udp(pkt, l4 + _UDP_CSUM, old_addr, addr)
    elif pcode == PC_TCP:
        patch32(pkt, l4 + _TCP_CSUM, old_addr, addr)
