"""pcapng writer: one interface per capture point, named, nanosecond timestamps.

A capture of several points of a path (a host's NIC, the gateway's uplink, beyond the
upstream NAT) keeps each frame's point as its interface, so Wireshark and tshark show
where it was taken (``frame.interface_name``). Blocks per the pcapng specification
(IETF draft-ietf-opsawg-pcapng): a section header, an interface description per point
(``if_name``, ``if_tsresol`` = 9: ns), an enhanced packet block per frame.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

LINKTYPE_ETHERNET = 1
SNAPLEN = 65535
_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_BYTE_ORDER = 0x1A2B3C4D
_IF_NAME, _IF_TSRESOL = 2, 9


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad(value)


def _block(kind: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", kind, total) + body + struct.pack("<I", total)


class PcapngWriter:
    """Write frames taken at the named ``points`` to ``path``; use as a context manager."""

    def __init__(self, path: str | Path, points: list[str]) -> None:
        self._f: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._f.write(_block(_SHB, struct.pack("<IHHq", _BYTE_ORDER, 1, 0, -1)))
        for name in points:
            options = (_option(_IF_NAME, name.encode()) + _option(_IF_TSRESOL, bytes([9]))
                       + struct.pack("<HH", 0, 0))  # fmt: skip
            self._f.write(_block(_IDB, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, SNAPLEN)
                                 + options))  # fmt: skip
        self.points = {name: k for k, name in enumerate(points)}
        self.count = 0

    def write_frame(self, frame: bytes, time_ns: int, point: str) -> None:
        """``frame`` as taken at ``point`` (one of the points) at ``time_ns``."""
        t = int(time_ns)
        cap = frame[:SNAPLEN]
        head = struct.pack("<IIIII", self.points[point], t >> 32, t & 0xFFFFFFFF, len(cap),
                           len(frame))  # fmt: skip
        self._f.write(_block(_EPB, head + _pad(cap)))
        self.count += 1

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> PcapngWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
