import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether

from nvbench.fastpath.nat1to1 import StaticNat
from nvbench.fastpath.verdict import Verdict as V
from nvbench.fastpath.verdict import new_counts
from tests.helpers import assert_checksums_valid, batch_of

VM = "10.0.1.5"


def device():
    d = StaticNat(8)
    d.add(1, 0x0A000105, 0xC6336405)  # tenant 1's VM -> 198.51.100.5
    d.add(2, 0x0A000105, 0xC6336406)  # same address in tenant 2 -> .6
    return d


@pytest.mark.parametrize("l4", [UDP(sport=5000, dport=53), TCP(sport=5000, dport=80), ICMP()])
def test_outbound_and_back_keep_ports(l4):
    d = device()
    b = batch_of([bytes(Ether() / IP(src=VM, dst="8.8.8.8") / l4 / b"data")] * 2, rd=[1, 2])
    c = new_counts()
    d.outbound(b, c)
    assert c[V.OK] == 2
    srcs = [Ether(b.frame(i))[IP].src for i in range(2)]
    assert srcs == ["198.51.100.5", "198.51.100.6"]
    for i in range(2):
        assert_checksums_valid(b.frame(i))
        if not isinstance(l4, ICMP):
            assert Ether(b.frame(i))[IP].payload.sport == 5000  # ports untouched
    back = batch_of([bytes(Ether() / IP(src="8.8.8.8", dst=s) / l4 / b"data") for s in srcs])
    d.inbound(back, c)
    assert back.rd[:2].tolist() == [1, 2]
    assert all(Ether(back.frame(i))[IP].dst == VM for i in range(2))
    for i in range(2):
        assert_checksums_valid(back.frame(i))


def test_unmapped_is_dropped():
    d = device()
    b = batch_of([bytes(Ether() / IP(src="10.0.1.9", dst="8.8.8.8") / UDP())], rd=[1])
    c = new_counts()
    d.outbound(b, c)
    assert b.verdict[0] == V.NAT_NO_SESSION and c[V.NAT_NO_SESSION] == 1


def test_later_fragments_only_change_the_ip_header():
    d = device()
    frag = bytes(Ether() / IP(src=VM, dst="8.8.8.8", proto=17, frag=100) / (b"x" * 40))
    b = batch_of([frag], rd=[1])
    d.outbound(b, new_counts())
    p = Ether(b.frame(0))
    assert p[IP].src == "198.51.100.5" and bytes(p[IP].payload) == b"x" * 40
    assert_checksums_valid(b.frame(0))


def test_duplicates_are_refused():
    d = device()
    with pytest.raises(ValueError):
        d.add(1, 0x0A000105, 0xC6336407)
    with pytest.raises(ValueError):
        d.add(3, 0x0A000105, 0xC6336405)
