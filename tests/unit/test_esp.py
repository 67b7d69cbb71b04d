import numpy as np
import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import Ether

from nvbench.fastpath import esp
from nvbench.fastpath.sa import SUITES, SaTable
from nvbench.fastpath.verdict import Verdict as V
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames
from tests.helpers import assert_checksums_valid, batch_of

GW, PEER = 0xC6336401, 0xCB007101
SUITES = [s.name for s in SUITES]


def frames(n=1, size=100):
    b = PacketBatch(n)
    build_frames(b, n, src_ip=0x0A000105, dst_ip=0x0A640005, size=size)
    return b


def table(suite="aes-gcm-128", nat_t=False, tenant=0):
    t = SaTable(4)
    sa = t.add(0x1000, suite, GW, PEER, tenant=tenant, nat_t=nat_t)
    return t, sa


def run_encap(b, t, sa, mtu=1500):
    b.sa[: b.n] = sa
    c = new_counts()
    esp.encapsulate(b, t, c, mtu=mtu)
    return c


def expected_overhead(iv, icv, align, inner, nat_t):
    # RFC 4303: ESP header 8, IV, payload padded so payload+2 aligns, trailer 2, ICV;
    # tunnel mode adds a 20-byte IPv4 header, NAT-T an 8-byte UDP header (RFC 3948).
    pad = (align - (inner + 2) % align) % align
    return 20 + (8 if nat_t else 0) + 8 + iv + pad + 2 + icv


@pytest.mark.parametrize("nat_t", [False, True])
@pytest.mark.parametrize(
    ("suite", "iv", "icv", "align"),
    [
        ("aes-gcm-128", 8, 16, 4),
        ("aes-gcm-256", 8, 16, 4),
        ("aes-cbc-hmac-sha1-96", 16, 12, 16),
        ("aes-cbc-hmac-sha256-128", 16, 16, 16),
    ],
)
@pytest.mark.parametrize("inner", [46, 47, 48, 49, 1000, 1400])
def test_exact_sizes_per_suite(suite, iv, icv, align, nat_t, inner):
    b = frames(size=inner + 14)
    t, sa = table(suite, nat_t)
    assert run_encap(b, t, sa)[V.OK] == 1
    outer = Ether(b.frame(0))[IP]
    assert outer.len == inner + expected_overhead(iv, icv, align, inner, nat_t)
    assert outer.len - inner == esp.overhead(suite, inner, nat_t)


def test_published_worked_example():
    # [S30]: AES-256-CBC + SHA-256 tunnel mode on a 1500-byte path leaves MTU 1436: 64 B.
    assert esp.overhead("aes-cbc-hmac-sha256-128", 1436) == 64
    # [S30]: AES-128-GCM tunnel mode costs about 50-58 bytes.
    assert all(50 <= esp.overhead("aes-gcm-128", n) <= 58 for n in range(1000, 1100))


@pytest.mark.parametrize("nat_t", [False, True])
def test_scapy_reads_spi_and_sequence(nat_t):
    b = frames(3)
    t, sa = table(nat_t=nat_t)
    run_encap(b, t, sa)
    for i in range(3):
        p = Ether(b.frame(i))
        assert p[IP].src == "198.51.100.1" and p[IP].dst == "203.0.113.1"
        if nat_t:
            assert p[IP].proto == 17 and p[UDP].sport == p[UDP].dport == 4500
            assert p[UDP].chksum == 0 and p[UDP].len == p[IP].len - 20
            spi, seq = (
                int.from_bytes(bytes(p[UDP].payload)[:4], "big"),
                int.from_bytes(bytes(p[UDP].payload)[4:8], "big"),
            )
        else:
            assert p[IP].proto == 50
            spi, seq = p[ESP].spi, p[ESP].seq
        assert (spi, seq) == (0x1000, i + 1)  # per-SA sequence numbers start at 1
        assert_checksums_valid(b.frame(i))


def test_round_trip_restores_the_frame_and_tenant():
    b = frames(4, size=np.array([64, 65, 700, 1400]))
    before = b.frames()
    t, sa = table("aes-cbc-hmac-sha1-96", nat_t=True, tenant=7)
    run_encap(b, t, sa)
    c = new_counts()
    esp.decapsulate(b, t, c, dst_mac=0x00155D000002, src_mac=0x00155D000001)
    assert c[V.OK] == 4
    assert b.frames() == before
    assert (b.rd[:4] == 7).all() and (b.sa[:4] == sa).all()


def test_too_big_after_encapsulation():
    b = frames(2, size=np.array([1400 + 14, 1500 + 14]))
    t, sa = table()
    run_encap(b, t, sa)
    assert b.verdict[:2].tolist() == [V.OK, V.TOO_BIG]


def test_replay_and_unknown_sa_and_mangling():
    b = frames(1)
    t, sa = table()
    run_encap(b, t, sa)
    packet = b.frame(0)
    c = new_counts()
    copies = batch_of([packet, packet])
    esp.decapsulate(copies, t, c)
    assert copies.verdict[:2].tolist() == [V.OK, V.ESP_REPLAY]
    other = SaTable(2)
    other.add(0x2000, "aes-gcm-128", GW, PEER)
    unknown = batch_of([packet])
    esp.decapsulate(unknown, other, c)
    assert unknown.verdict[0] == V.ESP_UNKNOWN_SA
    mangled = bytearray(packet)
    mangled[-1] ^= 0xFF  # last ICV byte
    t2, _ = table()
    bad = batch_of([bytes(mangled)])
    esp.decapsulate(bad, t2, c)
    assert bad.verdict[0] == V.ESP_BAD_ICV


def test_replay_window_accepts_reordering_within_64():
    # RFC 4303 3.4.3 with a 64-packet window: after 70, 11 and 7 are new and inside
    # the window, 6 is too old, 11 again is a duplicate.
    t, sa = table()
    b = frames(70)
    run_encap(b, t, sa)
    rx, _ = table()
    seqs = [70, 11, 7, 6, 69, 11]
    got = batch_of([b.frame(q - 1) for q in seqs])
    esp.decapsulate(got, rx, new_counts())
    assert got.verdict[:6].tolist() == [V.OK, V.OK, V.OK, V.ESP_REPLAY, V.OK, V.ESP_REPLAY]


def test_sequence_overflow_needs_a_rekey():
    t, sa = table()
    t.cols[1][sa] = 0xFFFFFFFF  # the last sequence number was used
    b = frames(1)
    assert run_encap(b, t, sa)[V.ESP_SEQ_OVERFLOW] == 1


def test_sa_table_errors():
    t = SaTable(2)
    with pytest.raises(ValueError, match="suite"):
        t.add(0x1000, "des", GW, PEER)
    with pytest.raises(ValueError, match="spi"):
        t.add(5, "aes-gcm-128", GW, PEER)
    t.add(0x1000, "aes-gcm-128", GW, PEER)
    with pytest.raises(ValueError, match="in use"):
        t.add(0x1000, "aes-gcm-128", GW, PEER)


def test_frames_without_an_sa():
    b = frames(1)
    t, _ = table()
    assert run_encap(b, t, -1)[V.ESP_UNKNOWN_SA] == 1
