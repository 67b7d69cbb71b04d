"""The one's-complement zero cases through the real rewrite path, judged by scapy.

A port is chosen so that the correct transport checksum after the rewrite is 0:
UDP must then carry 0xffff (RFC 768; 0 would mean "no checksum"), TCP 0x0000, and
scapy, recomputing from scratch, must agree with the incremental update.
"""

import numpy as np
import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

from nvbench.fastpath.l4 import PC_TCP, PC_UDP, rewrite
from tests.helpers import assert_checksums_valid
from tests.oracle.checksum import ones_sum, pseudo_header


def _port_making_checksum_zero(frame: bytes, proto: int) -> int:
    """The source port for which the transport checksum of ``frame`` becomes 0x0000."""
    p = Ether(frame)
    seg = bytearray(bytes(p[IP].payload))
    csum_at = 6 if proto == 17 else 16
    seg[csum_at : csum_at + 2] = b"\0\0"
    seg[0:2] = b"\0\0"
    header = pseudo_header(_ip(p[IP].src), _ip(p[IP].dst), proto, len(seg))
    rest = ones_sum(header + bytes(seg))
    # sum(rest + port) must fold to 0xffff, so that its complement is 0.
    return (0xFFFF - rest) % 0xFFFF


def _ip(dotted: str) -> int:
    return int.from_bytes(bytes(int(x) for x in dotted.split(".")), "big")


@pytest.mark.parametrize(("layer", "pc", "want"), [(UDP, PC_UDP, 0xFFFF), (TCP, PC_TCP, 0x0000)])
def test_zero_checksum_after_rewrite(layer, pc, want):
    frame = bytes(
        Ether() / IP(src="10.0.1.5", dst="8.8.8.8") / layer(sport=1234, dport=53) / b"abc"
    )
    port = _port_making_checksum_zero(frame, 17 if layer is UDP else 6)
    assert port != 1234
    pkt = np.frombuffer(frame, np.uint8).copy()
    rewrite(pkt, 14, 34, pc, 12, 0, _ip("10.0.1.5"), port)
    out = pkt.tobytes()
    ours = Ether(out)[layer].chksum
    assert Ether(out)[layer].sport == port
    assert ours == want
    assert_checksums_valid(out)  # scapy's own recomputation gives the same value
