"""libpcap writer: Ethernet link type, nanosecond timestamps.

Files use the nanosecond-resolution magic 0xa1b23c4d, so Wireshark, tshark and scapy
show the batch's exact simulated times (its ``time`` column, in ns).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from nvbench.packet.batch import PacketBatch

PCAP_MAGIC_NS = 0xA1B23C4D
LINKTYPE_ETHERNET = 1
SNAPLEN = 65535

_FILE_HEADER = struct.Struct("<IHHiIII")
_RECORD_HEADER = struct.Struct("<IIII")


class PcapWriter:
    """Write frames to ``path``; use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self._f: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._f.write(_FILE_HEADER.pack(PCAP_MAGIC_NS, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))
        self.count = 0

    def write_frame(self, frame: bytes, time_ns: int) -> None:
        sec, nsec = divmod(int(time_ns), 1_000_000_000)
        cap = frame[:SNAPLEN]
        self._f.write(_RECORD_HEADER.pack(sec, nsec, len(cap), len(frame)))
        self._f.write(cap)
        self.count += 1

    def write_batch(self, batch: PacketBatch, only_ok: bool = True) -> None:
        """Every live frame of ``batch`` (only those with verdict OK unless told otherwise)."""
        rows = batch.delivered() if only_ok else range(batch.n)
        for i in rows:
            self.write_frame(batch.frame(int(i)), int(batch.time[i]))

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
