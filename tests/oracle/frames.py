"""Twin of the frame builders, and small parsers used by the other twins."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from nvbench.packet.layouts import ETHERNET, ICMP_ECHO, IPV4, TCP, UDP
from tests.oracle.checksum import checksum, pseudo_header

UDP_P, TCP_P, ICMP_P = 17, 6, 1


def mac(x: int) -> bytes:
    return x.to_bytes(6, "big")


def ipv4_header(total: int, ident: int, proto: int, src: int, dst: int, df: bool = True) -> bytes:
    hdr = IPV4.pack(
        total_length=total,
        ident=ident,
        flags_frag=0x4000 if df else 0,
        proto=proto,
        src=src,
        dst=dst,
    )
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]


def build_frame(src_mac, dst_mac, src_ip, dst_ip, proto, sport, dport, size, tcp_flags, ident):
    """The frame ``nvbench.packet.builders.build_frames`` makes for these fields."""
    l4len = size - ETHERNET.length - IPV4.length
    hdr = TCP.length if proto == TCP_P else 8
    payload = bytes((hdr + k + ident) & 0xFF for k in range(l4len - hdr))
    if proto == UDP_P:
        seg = UDP.pack(sport=sport, dport=dport, length=l4len) + payload
        c = checksum(pseudo_header(src_ip, dst_ip, UDP_P, l4len) + seg)
        seg = seg[:6] + struct.pack("!H", c or 0xFFFF) + seg[8:]
    elif proto == TCP_P:
        seg = (
            TCP.pack(
                sport=sport,
                dport=dport,
                seq=(ident * 1000) & 0xFFFFFFFF,
                off_flags=0x5000 | tcp_flags,
            )
            + payload
        )
        c = checksum(pseudo_header(src_ip, dst_ip, TCP_P, l4len) + seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    else:
        seg = ICMP_ECHO.pack(ident=sport, seq=(ident * 1000) & 0xFFFF) + payload
        seg = seg[:2] + struct.pack("!H", checksum(seg)) + seg[4:]
    ip = ipv4_header(size - ETHERNET.length, ident, proto, src_ip, dst_ip)
    return ETHERNET.pack(dst=mac(dst_mac), src=mac(src_mac)) + ip + seg


def echo_reply(frame: bytes) -> bytes:
    """``frame`` (an ICMP echo request built above) turned into an echo reply."""
    raw = bytearray(frame)
    l4 = ETHERNET.length + IPV4.length
    raw[l4] = 0
    raw[l4 + 2 : l4 + 4] = b"\0\0"
    raw[l4 + 2 : l4 + 4] = checksum(bytes(raw[l4:])).to_bytes(2, "big")
    return bytes(raw)


@dataclass
class Parsed:
    """An Ethernet/IPv4 frame split into its parts (no 802.1Q)."""

    eth: dict
    ip: dict
    ihl: int
    l3: int  # offset of the IP header in the frame

    @property
    def l4(self) -> int:
        return self.l3 + self.ihl


def parse_ipv4_frame(frame: bytes) -> Parsed | None:
    if len(frame) < ETHERNET.length + IPV4.length:
        return None
    eth = ETHERNET.unpack(frame)
    ip = IPV4.unpack(frame, ETHERNET.length)
    return Parsed(eth, ip, (ip["ver_ihl"] & 0xF) * 4, ETHERNET.length)


def l3_start(frame: bytes) -> tuple[int, int]:
    """(verdict, IPv4 offset) of an Ethernet frame with at most one 802.1Q tag."""
    from nvbench.fastpath.verdict import Verdict as V

    if len(frame) < 14:
        return V.TRUNCATED, 0
    et, l3 = struct.unpack_from("!H", frame, 12)[0], 14
    if et == 0x8100:
        if len(frame) < 18:
            return V.TRUNCATED, 0
        et, l3 = struct.unpack_from("!H", frame, 16)[0], 18
    return (V.OK, l3) if et == 0x0800 else (V.BAD_ETHERTYPE, 0)


def check_ipv4(frame: bytes, l3: int) -> tuple[int, int, int, int]:
    """(verdict, header bytes, total length, protocol), checks in the documented order."""
    from nvbench.fastpath.verdict import Verdict as V

    avail = len(frame) - l3
    if avail < 20:
        return V.TRUNCATED, 0, 0, 0
    ip = IPV4.unpack(frame, l3)
    ihl = (ip["ver_ihl"] & 0xF) * 4
    if ip["ver_ihl"] >> 4 != 4:
        return V.BAD_IP_VERSION, 0, 0, 0
    if ihl < 20:
        return V.BAD_IHL, 0, 0, 0
    if ip["total_length"] < ihl:
        return V.BAD_TOTAL_LENGTH, 0, 0, 0
    if ip["total_length"] > avail:
        return V.TRUNCATED, 0, 0, 0
    if checksum(frame[l3 : l3 + ihl]) != 0:
        return V.BAD_IP_CHECKSUM, 0, 0, 0
    if ip["flags_frag"] & 0x3FFF:
        return V.FRAGMENT, ihl, ip["total_length"], ip["proto"]
    return V.OK, ihl, ip["total_length"], ip["proto"]
