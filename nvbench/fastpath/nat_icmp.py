"""ICMP error messages through the NAT, both ways (RFC 5508 REQ-3, REQ-4).

Inbound: a router on the Internet that cannot deliver a packet the NAT sent out
(Destination Unreachable, e.g. "fragmentation needed"; Time Exceeded; Parameter Problem)
sends an ICMP error to the packet's source, the NAT's public address, quoting the packet's
IP header and at least 8 bytes after it. The NAT finds the mapping by the quoted packet's
source (address, port) and translates both the error's destination and the quoted source
back to the inside host's.

Outbound: an inside host that refuses a packet the NAT delivered to it (say, port
unreachable) sends the error to the packet's remote source, quoting the packet as it
received it, addressed to the host's own inside address and port. The NAT finds the
mapping by the quoted destination and the host's tenant, and translates both the error's
source and the quoted destination to the public address and port, so the remote sees an
error about the packet it sent. An error from an inside router (its source is not the
quoted destination) is not translated (NAT_UNSUPPORTED; the VM networks have none).

Every checksum is kept valid: the outer IP header's, the quoted IP header's, the quoted
transport checksum where its bytes are quoted (RFC 1624 updates), and the ICMP checksum
over the whole message. An error never refreshes a mapping's timer, and is not filtered
(inbound, it comes from a router, not from the remote the mapping talks to).
"""

from __future__ import annotations

from nvbench.config import kernel
from nvbench.fastpath import hashtable
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import CSUM, DST, SRC, check_ipv4, l3_start
from nvbench.fastpath.l4 import PC_ICMP, PC_TCP, PC_UDP
from nvbench.fastpath.nat_sessions import (
    IN_KEY,
    IN_SLOTS,
    OUT_KEY,
    T_POOL_LEN,
    expired,
    inside_key,
    live_session,
)
from nvbench.packet.checksum import checksum, patch16, patch16_udp, patch32, patch32_udp
from nvbench.packet.layouts import IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP
from nvbench.packet.wire import rd8, rd16, rd32, wr16, wr32

UNREACHABLE, TIME_EXCEEDED, PARAMETER_PROBLEM = 3, 11, 12
ICMP_HEADER = 8  # type, code, checksum, 4 bytes (unused, or the next-hop MTU)


@kernel
def quoted(pkt, l4, end):
    """(verdict, pcode, offset of the quoted IP header, offset of the quoted port) of an
    ICMP error at ``l4``; BAD_L4 if the quote is short, NAT_UNSUPPORTED if it is not an error
    or quotes a protocol the NAT does not translate."""
    t = rd8(pkt, l4)
    if t != UNREACHABLE and t != TIME_EXCEEDED and t != PARAMETER_PROBLEM:
        return V.NAT_UNSUPPORTED, 0, 0, 0
    e3 = l4 + ICMP_HEADER
    if end - e3 < 20 or rd8(pkt, e3) >> 4 != 4:
        return V.BAD_L4, 0, 0, 0
    e4 = e3 + (rd8(pkt, e3) & 0xF) * 4
    if (rd8(pkt, e3) & 0xF) < 5 or end - e4 < 8:
        return V.BAD_L4, 0, 0, 0
    proto = rd8(pkt, e3 + 9)
    if proto == IPPROTO_UDP:
        return V.OK, PC_UDP, e3, e4
    if proto == IPPROTO_TCP:
        return V.OK, PC_TCP, e3, e4
    if proto == IPPROTO_ICMP and (rd8(pkt, e4) == 0 or rd8(pkt, e4) == 8):
        return V.OK, PC_ICMP, e3, e4 + 4  # an echo's identifier is its "port"
    return V.NAT_UNSUPPORTED, 0, 0, 0


@kernel
def error_at(pkt, o, n):
    """(verdict, pcode, l3, l4, end, quoted IP header, quoted source port) of a frame that
    may be an ICMP error; NAT_UNSUPPORTED if it is none."""
    v, l3 = l3_start(pkt, o, n)
    if v != V.OK:
        return v, 0, 0, 0, 0, 0, 0
    v, ihl, total, proto = check_ipv4(pkt, l3, o + n - l3)
    if v != V.OK:
        return v, 0, 0, 0, 0, 0, 0
    l4, end = l3 + ihl, l3 + total
    if proto != IPPROTO_ICMP or end - l4 < ICMP_HEADER:
        return V.NAT_UNSUPPORTED, 0, 0, 0, 0, 0, 0
    v, pc, e3, at = quoted(pkt, l4, end)
    return v, pc, l3, l4, end, e3, at


@kernel
def error_inbound(st, cfg, pkt, o, n, now):
    """(verdict, tenant) of an inbound frame that may be an ICMP error; NAT_UNSUPPORTED
    (unchanged) if it is none."""
    v, pc, l3, l4, end, e3, at = error_at(pkt, o, n)
    if v != V.OK:
        return v, -1
    public, port = rd32(pkt, e3 + 12), rd16(pkt, at)
    if rd32(pkt, l3 + DST) != public:  # an error goes to the quoted packet's sender
        return V.NAT_NO_SESSION, -1
    s = live_session(st, cfg, pc, public, port, now)
    if s < 0:
        return V.NAT_NO_SESSION, -1
    ik = st[IN_KEY][s]
    inside, inside_port = (ik >> 16) & 0xFFFFFFFF, ik & 0xFFFF
    rewrite_error(pkt, pc, (l3, l4, end, e3, at), DST, 12, public, inside, port, inside_port)
    return V.OK, ik >> 50


@kernel
def error_outbound(st, cfg, pkt, o, n, t, now):
    """The verdict of an outbound frame of tenant ``t`` that may be an inside host's ICMP
    error; NAT_UNSUPPORTED (unchanged) if it is none."""
    v, pc, l3, l4, end, e3, at = error_at(pkt, o, n)
    if v != V.OK:
        return v
    if t < 0 or t >= st[T_POOL_LEN].shape[0] or st[T_POOL_LEN][t] == 0:
        return V.NO_MAPPING
    if pc != PC_ICMP:
        at += 2  # the quoted packet came in: its destination port is the host's
    inside, port = rd32(pkt, e3 + 16), rd16(pkt, at)
    if rd32(pkt, l3 + SRC) != inside:  # from an inside router, not the host itself
        return V.NAT_UNSUPPORTED
    s = hashtable.find(st[IN_SLOTS], st[IN_KEY], inside_key(t, pc, inside, port))
    if s < 0 or expired(st, cfg, s, now):
        return V.NAT_NO_SESSION
    ok = st[OUT_KEY][s]
    public, public_port = (ok >> 16) & 0xFFFFFFFF, ok & 0xFFFF
    rewrite_error(pkt, pc, (l3, l4, end, e3, at), SRC, 16, inside, public, port, public_port)
    return V.OK


@kernel
def rewrite_error(pkt, pc, where, outer, quote, old, new, old_port, new_port):
    """An error's address at ``l3 + outer`` and its quoted packet's at ``e3 + quote`` (12:
    source, 16: destination) and port, from (old, old_port) to (new, new_port): the outer
    and quoted headers' checksums patched, the ICMP checksum computed anew."""
    l3, l4, end, e3, at = where
    wr32(pkt, l3 + outer, new)
    patch32(pkt, l3 + CSUM, old, new)
    rewrite_quote(pkt, pc, e3, quote, at, end, old, new, old_port, new_port)
    wr16(pkt, l4 + 2, 0)
    wr16(pkt, l4 + 2, checksum(pkt, l4, end - l4, 0))


@kernel
def rewrite_quote(pkt, pc, e3, addr_at, at, end, old, new, old_port, new_port):
    """In the quoted packet at ``e3``: the address at ``e3 + addr_at`` (12: source, 16:
    destination) and the port at ``at``, from (old, old_port) to (new, new_port), with the
    quoted IP header's checksum and the quoted transport checksum where it is quoted."""
    wr32(pkt, e3 + addr_at, new)
    patch32(pkt, e3 + CSUM, old, new)
    wr16(pkt, at, new_port)
    e4 = e3 + (rd8(pkt, e3) & 0xF) * 4
    if pc == PC_UDP:  # its checksum is in the 8 quoted bytes
        patch32_udp(pkt, e4 + 6, old, new)
        patch16_udp(pkt, e4 + 6, old_port, new_port)
    elif pc == PC_TCP and end - e4 >= 18:  # quoted as far as its checksum
        patch32(pkt, e4 + 16, old, new)
        patch16(pkt, e4 + 16, old_port, new_port)
    elif pc == PC_ICMP:
        patch16(pkt, e4 + 2, old_port, new_port)
