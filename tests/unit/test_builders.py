import numpy as np
import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether

from nvbench.packet.batch import JUMBO_FRAME, PacketBatch
from nvbench.packet.builders import build_flow_frames, build_frames, imix_sizes
from tests.helpers import assert_checksums_valid
from tests.oracle.frames import build_frame

SIZES = [60, 64, 65, 128, 512, 1500, 1514]


@pytest.mark.parametrize("proto", [17, 6, 1])
def test_frames_decode_in_scapy_with_our_fields(proto):
    n = len(SIZES)
    b = PacketBatch(n)
    build_frames(
        b,
        n,
        src_ip=0x0A000105,
        dst_ip=0xC0A80A01,
        proto=proto,
        sport=40000,
        dport=443,
        size=np.array(SIZES),
        tcp_flags=0x02,
    )
    for i, size in enumerate(SIZES):
        f = b.frame(i)
        assert len(f) == size
        p = Ether(f)
        assert p[IP].src == "10.0.1.5" and p[IP].dst == "192.168.10.1"
        assert p[IP].len == size - 14 and p[IP].flags.DF
        if proto == 17:
            assert (p[UDP].sport, p[UDP].dport, p[UDP].len) == (40000, 443, size - 34)
        elif proto == 6:
            assert (p[TCP].sport, p[TCP].dport, p[TCP].flags.S) == (40000, 443, True)
        else:
            assert p[ICMP].type == 8 and p[ICMP].id == 40000
        assert_checksums_valid(f)


@pytest.mark.parametrize("proto", [17, 6, 1])
def test_builder_matches_twin(proto):
    b = PacketBatch(3)
    build_frames(
        b,
        3,
        src_ip=np.array([1, 2, 3]) + 0x0A000000,
        dst_ip=0x08080808,
        proto=proto,
        sport=np.array([1024, 5000, 65535]),
        dport=53,
        size=np.array([60, 333, 1514]),
        ident=np.array([0, 77, 65535]),
    )
    for i in range(3):
        want = build_frame(
            0x00155D000001,
            0x00155D000002,
            0x0A000001 + i,
            0x08080808,
            proto,
            [1024, 5000, 65535][i],
            53,
            [60, 333, 1514][i],
            0x10,
            [0, 77, 65535][i],
        )
        assert b.frame(i) == want


def test_jumbo_frames():
    b = PacketBatch(1, max_frame=JUMBO_FRAME)
    build_frames(b, 1, src_ip=1, dst_ip=2, size=JUMBO_FRAME)
    assert Ether(b.frame(0))[IP].len == JUMBO_FRAME - 14
    assert_checksums_valid(b.frame(0))


def test_imix_proportion():
    sizes = imix_sizes(1200)
    assert {s: int((sizes == s).sum()) for s in (64, 576, 1500)} == {64: 700, 576: 400, 1500: 100}


@pytest.mark.parametrize("bad", [{"size": 59}, {"size": 1515}, {"proto": 47}])
def test_bad_fields_are_rejected(bad):
    with pytest.raises(ValueError):
        build_frames(PacketBatch(1), 1, src_ip=1, dst_ip=2, **bad)


def test_flow_table_builder_equals_the_per_packet_builder():
    """The sources' builder (headers looked up per flow) makes the same bytes."""
    rng = np.random.default_rng(3)
    flows, n = 7, 50
    table = (
        rng.integers(1, 2**32, flows), rng.integers(1, 2**32, flows),
        np.array([17, 6, 1, 17, 6, 1, 17]), rng.integers(1024, 65536, flows),
        rng.integers(1, 65536, flows),
    )  # fmt: skip
    flow = rng.integers(0, flows, n)
    size = rng.integers(60, 1515, n)
    flags = rng.choice([0x02, 0x10], n)
    a = build_flow_frames(PacketBatch(n), flow, table, size, flags, 65530, 0xA, 0xB)
    b = build_frames(PacketBatch(n), n, src_ip=table[0][flow], dst_ip=table[1][flow],
                     proto=table[2][flow], sport=table[3][flow], dport=table[4][flow],
                     size=size, src_mac=0xA, dst_mac=0xB, tcp_flags=flags,
                     ident=(65530 + np.arange(n)) & 0xFFFF)  # fmt: skip
    assert a.frames() == b.frames()
    for f in a.frames():
        assert_checksums_valid(f)
