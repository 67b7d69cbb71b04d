import struct

import numpy as np
from scapy.layers.inet import IP
from scapy.utils import rdpcap

from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames
from nvbench.packet.pcap import PCAP_MAGIC_NS, PcapWriter


def test_pcap_round_trip_with_nanosecond_times(tmp_path):
    b = PacketBatch(3)
    build_frames(b, 3, src_ip=0x0A000001, dst_ip=0x0A000002, size=np.array([60, 100, 1514]))
    b.time[:3] = [1, 1_000_000_001, 2_123_456_789]
    b.verdict[1] = 5  # dropped: not written unless asked
    path = tmp_path / "x.pcap"
    with PcapWriter(path) as w:
        w.write_batch(b)
    raw = path.read_bytes()
    magic, major, minor, _, _, snap, link = struct.unpack_from("<IHHiIII", raw)
    assert (magic, major, minor, link) == (PCAP_MAGIC_NS, 2, 4, 1)
    pkts = rdpcap(str(path))
    assert [bytes(p) for p in pkts] == [b.frame(0), b.frame(2)]
    assert [int(p.time * 10**9) for p in pkts] == [1, 2_123_456_789]
    assert pkts[1][IP].len == 1500


def test_write_all_including_drops(tmp_path):
    b = PacketBatch(2)
    build_frames(b, 2, src_ip=1, dst_ip=2)
    b.verdict[0] = 1
    with PcapWriter(tmp_path / "y.pcap") as w:
        w.write_batch(b, only_ok=False)
        assert w.count == 2


def test_pcapng_names_each_capture_point_and_keeps_nanoseconds(tmp_path):
    """Read back by scapy's own pcapng reader: the point of each frame, its exact time."""
    from scapy.utils import PcapNgReader

    from nvbench.packet.pcapng import PcapngWriter

    frames = [bytes(range(60)), bytes(61), bytes(range(100))]
    path = tmp_path / "c.pcapng"
    with PcapngWriter(path, ["hv01.provider", "gw.internet.out"]) as w:
        w.write_frame(frames[0], 1_000_000_001, "hv01.provider")
        w.write_frame(frames[1], 5_000_000_000_123, "gw.internet.out")
        w.write_frame(frames[2], 7, "hv01.provider")
    got = list(PcapNgReader(str(path)))
    assert [p.sniffed_on for p in got] == ["hv01.provider", "gw.internet.out", "hv01.provider"]
    assert [bytes(p) for p in got] == frames
    assert [int(round(p.time * 10**9)) for p in got] == [1_000_000_001, 5_000_000_000_123, 7]
