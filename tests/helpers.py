"""Shared helpers for the tests: building batches and checking frames with scapy."""

from __future__ import annotations

from pathlib import Path

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether

from nvbench.packet.batch import PacketBatch

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "nvbench" / "scenarios"  # the shipped scenario files
DEFAULT = SHIPPED / "default.toml"


def batch_of(frames: list[bytes], **columns) -> PacketBatch:
    """A batch holding ``frames``, with optional per-packet column values."""
    b = PacketBatch(max(1, len(frames)), max_frame=max([1514, *map(len, frames)]))
    b.load(frames)
    for name, values in columns.items():
        getattr(b, name)[: len(frames)] = values
    return b


def assert_checksums_valid(frame: bytes) -> None:
    """Every IPv4/L4 checksum in ``frame`` equals what scapy computes (VPP's method).

    Each layer's checksum is deleted, scapy rebuilds the packet and the values are
    compared; a UDP checksum of 0 (none) is skipped. Works on nested packets too.
    """
    pkt = Ether(frame)
    layers = [layer for layer in (IP, UDP, TCP, ICMP) if layer in pkt]
    for layer in layers:
        for i, inst in enumerate(_instances(pkt, layer)):
            if inst.chksum is None or (layer is UDP and inst.chksum == 0):
                continue
            copy = Ether(frame)
            target = _instances(copy, layer)[i]
            want = target.chksum
            del target.chksum
            rebuilt = _instances(Ether(bytes(copy)), layer)[i].chksum
            assert rebuilt == want, (
                f"{layer.__name__}[{i}] checksum {want:#06x}, scapy {rebuilt:#06x}"
            )


def _instances(pkt, layer):
    out, cur = [], pkt
    while cur is not None and cur.haslayer(layer):
        cur = cur.getlayer(layer)
        out.append(cur)
        cur = cur.payload if cur.payload else None
    return out


def capture_points(s, tmp_path, packets=4000, pattern=None) -> dict[str, list]:
    """The frames ``nvbench pcap`` writes for scenario ``s`` (0.2 s), by capture point,
    each decoded by scapy (Ether)."""
    from scapy.layers.l2 import Ether
    from scapy.utils import PcapNgReader

    from nvbench import runner

    path = tmp_path / "c.pcapng"
    runner.capture(s, path, pattern, packets, duration_s=0.2)
    out: dict[str, list] = {}
    for p in PcapNgReader(str(path)):
        out.setdefault(p.sniffed_on, []).append(Ether(bytes(p)))
    return out
