"""Twin of the ICMP error builder (nvbench.fastpath.icmp_error): the packet checked by
the oracle's own parsers, the message built by scapy."""

from __future__ import annotations

from ipaddress import IPv4Address

from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import Ether

from nvbench.fastpath.verdict import Verdict as V
from tests.oracle.frames import check_ipv4, l3_start


def _mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def error(frame: bytes, kind: int, code: int, word: int, src: int) -> bytes | None:
    """The ICMP error a router at ``src`` sends about ``frame`` (None if it is no IPv4
    packet it can quote): its IP header and 8 bytes after it, quoted."""
    v, l3 = l3_start(frame)
    if v != V.OK:
        return None
    v, ihl, total, _ = check_ipv4(frame, l3)
    if v not in (V.OK, V.FRAGMENT):
        return None
    quote = frame[l3 : l3 + ihl + min(8, total - ihl)]
    if code == 4:
        msg = ICMP(type=kind, code=code, unused=word >> 16, nexthopmtu=word & 0xFFFF)
    else:
        msg = ICMP(type=kind, code=code, unused=word)
    sender = str(IPv4Address(frame[l3 + 12 : l3 + 16]))
    out = (
        Ether(src=_mac(frame[0:6]), dst=_mac(frame[6:12]))
        / IP(src=str(IPv4Address(src)), dst=sender, id=0, ttl=64, flags=0)
        / msg
        / quote
    )
    return bytes(out)
