"""Twin of nvbench.fastpath.vlan: 802.1Q tags put on and taken off, on bytes."""

from __future__ import annotations

import struct


def push(frame: bytes, vid: int) -> bytes:
    """``frame`` with a tag of VLAN ``vid`` after its MAC addresses (unchanged if 0)."""
    if vid == 0:
        return frame
    return frame[:12] + struct.pack("!HH", 0x8100, vid & 0xFFF) + frame[12:]


def pop(frame: bytes, want: int) -> bytes | str:
    """``frame`` without its tag of VLAN ``want``, or "NO_ROUTE"."""
    tagged = len(frame) >= 18 and frame[12:14] == b"\x81\x00"
    vid = struct.unpack_from("!H", frame, 14)[0] & 0xFFF if tagged else 0
    if vid != want:
        return "NO_ROUTE"
    return frame[:12] + frame[16:] if tagged else frame
