"""Internet checksum (RFC 1071), full and incremental (RFC 1624).

``checksum`` computes the one's-complement checksum of a byte range. The incremental
forms use RFC 1624 equation 3, ``HC' = ~(~HC + ~m + m')``, which never produces the
-0 (0xFFFF) that the RFC 1141 form ``HC + m - m'`` can give where a full recompute
gives 0x0000. Per erratum 4782 an unchanged field leaves the checksum as it is.
UDP is special (RFC 768): a checksum field of 0 means "no checksum" and is left
alone, and a computed 0 is sent as 0xFFFF.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.packet.wire import ix, rd16, wr16


@kernel
def sum16(pkt, start, n):
    """Sum of the big-endian 16-bit words of ``pkt[start:start+n]`` (odd byte padded)."""
    # Summing high and low bytes apart is the same sum with half the work per word.
    hi = np.int64(0)
    lo = np.int64(0)
    for p in range(start, start + n - 1, 2):
        hi += pkt[ix(p)]
        lo += pkt[ix(p + 1)]
    if n & 1:
        hi += pkt[ix(start + n - 1)]
    return (hi << 8) + lo


@kernel
def fold(s):
    """Fold carries into 16 bits (end-around carry)."""
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


@kernel
def checksum(pkt, start, n, initial):
    """One's-complement checksum of ``pkt[start:start+n]`` plus a partial sum ``initial``."""
    return (~fold(sum16(pkt, start, n) + initial)) & 0xFFFF


@kernel
def pseudo_sum(src, dst, proto, l4_len):
    """Partial sum of the IPv4 pseudo-header (RFC 768, RFC 9293)."""
    return (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + proto + l4_len


@kernel
def update16(hc, old, new):
    """Checksum ``hc`` after a 16-bit field changed from ``old`` to ``new`` (RFC 1624 eq. 3)."""
    if old == new:
        return hc
    return (~fold(((~hc) & 0xFFFF) + ((~old) & 0xFFFF) + new)) & 0xFFFF


@kernel
def update32(hc, old, new):
    """Checksum ``hc`` after a 32-bit field (an address) changed."""
    if old == new:
        return hc
    s = ((~hc) & 0xFFFF) + ((~(old >> 16)) & 0xFFFF) + ((~old) & 0xFFFF)
    return (~fold(s + (new >> 16) + (new & 0xFFFF))) & 0xFFFF


@kernel
def patch16(pkt, csum_at, old, new):
    """Rewrite the checksum at ``csum_at`` for a 16-bit change (IP, TCP, ICMP)."""
    wr16(pkt, csum_at, update16(rd16(pkt, csum_at), old, new))


@kernel
def patch32(pkt, csum_at, old, new):
    """Rewrite the checksum at ``csum_at`` for a 32-bit change."""
    wr16(pkt, csum_at, update32(rd16(pkt, csum_at), old, new))


@kernel
def patch16_udp(pkt, csum_at, old, new):
    """As ``patch16`` for a UDP checksum: 0 (none) stays 0, a result of 0 is sent as 0xFFFF."""
    hc = rd16(pkt, csum_at)
    if hc == 0:
        return
    hc = update16(hc, old, new)
    wr16(pkt, csum_at, 0xFFFF if hc == 0 else hc)


@kernel
def patch32_udp(pkt, csum_at, old, new):
    """As ``patch32`` for a UDP checksum."""
    hc = rd16(pkt, csum_at)
    if hc == 0:
        return
    hc = update32(hc, old, new)
    wr16(pkt, csum_at, 0xFFFF if hc == 0 else hc)
