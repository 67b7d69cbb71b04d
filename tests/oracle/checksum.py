"""RFC 1071 Internet checksum and RFC 1624 incremental update, the obvious way."""

import struct


def ones_sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def checksum(data: bytes) -> int:
    return ~ones_sum(data) & 0xFFFF


def pseudo_header(src: int, dst: int, proto: int, length: int) -> bytes:
    return struct.pack("!IIBBH", src, dst, 0, proto, length)


def update16(hc: int, old: int, new: int) -> int:
    """RFC 1624 eq. 3, HC' = ~(~HC + ~m + m'); unchanged when m == m' (erratum 4782)."""
    if old == new:
        return hc
    s = (~hc & 0xFFFF) + (~old & 0xFFFF) + new
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
