import numpy as np
import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import GRE, Dot1Q, Ether

from nvbench.fastpath import nvgre
from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.verdict import Verdict as V
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import JUMBO_FRAME, PacketBatch
from nvbench.packet.builders import build_frames
from tests.helpers import assert_checksums_valid, batch_of

CA_SRC, CA_DST = 0x0A000104, 0x0A000105
PA_LOCAL, PA_PEER = 0xC0A80001, 0xC0A80002
VM_MAC = 0x00155D000105


def setup(n=1, size=100, max_frame=1514, **kw):
    t = PolicyTable(8)
    t.add(3, CA_DST, PA_PEER, VM_MAC, 5001)
    b = PacketBatch(n, max_frame=max_frame)
    build_frames(b, n, src_ip=CA_SRC, dst_ip=CA_DST, size=size, dst_mac=VM_MAC, **kw)
    b.rd[:n] = 3
    return b, t


def encap(b, t, **tunnel):
    counts = new_counts()
    nvgre.encapsulate(b, t, nvgre.Tunnel(PA_LOCAL, **tunnel), counts, np.zeros(1, np.int64))
    return counts


def test_outer_headers_per_rfc7637():
    b, t = setup(sport=np.array([1000]))
    inner = b.frame(0)
    counts = encap(b, t)
    assert counts[V.OK] == 1
    p = Ether(b.frame(0))
    assert p[IP].proto == 47 and p[IP].flags.DF and p[IP].ttl == 64
    assert (p[IP].src, p[IP].dst) == ("192.168.0.1", "192.168.0.2")
    assert p[GRE].key_present == 1 and p[GRE].chksum_present == 0 and p[GRE].seqnum_present == 0
    assert p[GRE].proto == 0x6558
    assert p[GRE].key >> 8 == 5001 and p[GRE].key & 0xFF == b.flow[0]
    assert bytes(p[GRE].payload) == inner
    assert len(b.frame(0)) == len(inner) + 14 + 20 + 8
    assert b.vsid[0] == 5001
    assert_checksums_valid(b.frame(0))


def test_vlan_tagged_provider_network():
    b, t = setup()
    encap(b, t, vlan=42)
    p = Ether(b.frame(0))
    assert p[Dot1Q].vlan == 42 and p[Dot1Q].type == 0x0800 and p[IP].proto == 47


def test_mtu_1500_caps_the_tenant_packet_at_1458_bytes():
    # 42 bytes of overhead [S4]: an inner IP packet of 1458 fits, 1459 does not.
    b, t = setup(n=2, size=np.array([1458 + 14, 1459 + 14]))
    counts = encap(b, t)
    assert b.verdict[:2].tolist() == [V.OK, V.TOO_BIG]
    assert counts[V.TOO_BIG] == 1
    assert Ether(b.frame(0))[IP].len == 1500


def test_jumbo_provider_mtu_carries_full_frames():
    b, t = setup(n=2, size=np.array([1514, JUMBO_FRAME]), max_frame=JUMBO_FRAME)
    encap(b, t, mtu=9000)
    assert b.verdict[:2].tolist() == [V.OK, V.TOO_BIG]  # 9018 + 28 > 9000


def test_wildcard_sends_unknown_destinations_to_the_gateway():
    b, t = setup()
    t.add(3, 0, 0xC0A800FE, 0x00155D0000FE, 5002)
    Ether_ = Ether
    b.buf[0, b.offset[0] + 30 : b.offset[0] + 34] = [8, 8, 8, 8]  # dst 8.8.8.8
    encap(b, t)
    assert Ether_(b.frame(0))[IP].dst == "192.168.0.254" and b.vsid[0] == 5002


def test_no_mapping_and_other_tenant():
    b, t = setup(n=2)
    b.rd[1] = 4  # same CA, other routing domain: must not match
    b.buf[0, b.offset[0] + 33] = 99  # 10.0.1.99 unknown in domain 3
    counts = encap(b, t)
    assert b.verdict[:2].tolist() == [V.NO_MAPPING, V.NO_MAPPING]
    assert counts[V.NO_MAPPING] == 2


def test_flow_id_is_per_flow():
    b, t = setup(n=64, sport=1024 + np.arange(64) % 32)
    encap(b, t)
    assert (b.flow[:32] == b.flow[32:64]).all()  # same flow, same FlowID
    assert len(set(b.flow[:32].tolist())) > 16  # different flows spread out


def test_decap_restores_the_frame_and_tenant():
    b, t = setup(n=3, size=np.array([60, 700, 1472]))
    before = b.frames()
    encap(b, t)
    vs = VsidTable()
    vs.add(5001, 3)
    b.rd[:3] = -1
    counts = new_counts()
    nvgre.decapsulate(b, vs, counts)
    assert counts[V.OK] == 3
    assert b.frames() == before
    assert b.rd[:3].tolist() == [3, 3, 3] and (b.vsid[:3] == 5001).all()


def _nvgre_frame(**changes) -> bytes:
    inner = bytes(Ether(dst="00:15:5d:00:01:05") / IP(src="10.0.1.4", dst="10.0.1.5") / UDP())
    gre = dict(key_present=1, proto=0x6558, key=(5001 << 8) | 9)
    ip = dict(src="192.168.0.1", dst="192.168.0.2", proto=47, flags="DF")
    for k, v in changes.items():
        (gre if k.startswith("gre_") else ip)[k.removeprefix("gre_")] = v
    return bytes(Ether() / IP(**ip) / GRE(**gre) / inner)


@pytest.mark.parametrize(
    ("frame", "verdict"),
    [
        (_nvgre_frame(), V.OK),
        (_nvgre_frame()[:13], V.TRUNCATED),
        (bytes(Ether(type=0x86DD)) + bytes(60), V.BAD_ETHERTYPE),
        (_nvgre_frame(version=6), V.BAD_IP_VERSION),
        (_nvgre_frame(ihl=4), V.BAD_IHL),
        (_nvgre_frame(len=19), V.BAD_TOTAL_LENGTH),
        (_nvgre_frame(len=2000), V.TRUNCATED),
        (_nvgre_frame(chksum=0x1234), V.BAD_IP_CHECKSUM),
        (_nvgre_frame(proto=17), V.BAD_PROTOCOL),
        (_nvgre_frame(flags="MF"), V.FRAGMENT),
        (_nvgre_frame(gre_chksum_present=1), V.BAD_GRE_FLAGS),
        (_nvgre_frame(gre_seqnum_present=1), V.BAD_GRE_FLAGS),
        (_nvgre_frame(gre_version=1), V.BAD_GRE_VERSION),
        (_nvgre_frame(gre_proto=0x0800), V.BAD_GRE_PROTOCOL),
        (_nvgre_frame(gre_key=(4095 << 8)), V.RESERVED_VSID),
        (_nvgre_frame(gre_key=(0xFFFFFF << 8)), V.RESERVED_VSID),
        (_nvgre_frame(gre_key=(7777 << 8)), V.UNKNOWN_VSID),
    ],
)
def test_decap_gives_each_fault_its_own_verdict(frame, verdict):
    vs = VsidTable()
    vs.add(5001, 3)
    b = batch_of([frame])
    counts = new_counts()
    nvgre.decapsulate(b, vs, counts)
    assert b.verdict[0] == verdict
    assert counts[verdict] == 1 and counts.sum() == 1
