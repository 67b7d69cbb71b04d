"""Twin of NVGRE encapsulation/decapsulation and the HNV policy lookup, with dicts."""

from __future__ import annotations

import struct

from nvbench.fastpath.verdict import Verdict as V
from nvbench.packet.layouts import ETHERNET, GRE_NVGRE, IPV4
from tests.oracle.frames import check_ipv4, ipv4_header, l3_start, mac
from tests.oracle.hashing import hash64


class Policy:
    """(domain, CA) -> (PA, MAC, VSID), with the CA 0.0.0.0 wildcard as fallback."""

    def __init__(self) -> None:
        self.records: dict[tuple[int, int], tuple[int, int, int]] = {}

    def add(self, domain: int, ca: int, pa: int, mac_: int, vsid: int) -> None:
        self.records[(domain, ca)] = (pa, mac_, vsid)

    def lookup(self, domain: int, ca: int):
        return self.records.get((domain, ca)) or self.records.get((domain, 0))


def flow_id(frame: bytes, l3: int) -> int:
    ip = IPV4.unpack(frame, l3)
    ihl = (ip["ver_ihl"] & 0xF) * 4
    ports = 0
    if ip["proto"] in (6, 17) and ihl >= 20 and len(frame) - l3 >= ihl + 4:
        ports = struct.unpack_from("!I", frame, l3 + ihl)[0]
    h = hash64((ip["src"] << 31) ^ ip["dst"] ^ (ip["proto"] << 48) ^ (ports << 20))
    return (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) & 0xFF


def encap(
    frame: bytes,
    domain: int,
    policy: Policy,
    local_pa: int,
    local_mac: int,
    next_hop_mac: int,
    vlan: int,
    mtu: int,
    ident: int,
    headroom: int = 128,
):
    """(verdict, frame, vsid, flowid)."""
    if len(frame) < 34:
        return V.TRUNCATED, frame, -1, 0
    if struct.unpack_from("!H", frame, 12)[0] != 0x0800:
        return V.BAD_ETHERTYPE, frame, -1, 0
    rec = policy.lookup(domain, IPV4.unpack(frame, 14)["dst"])
    if rec is None:
        return V.NO_MAPPING, frame, -1, 0
    pa, mac_, vsid = rec
    hdr = 14 + (4 if vlan >= 0 else 0) + 28
    if not 4096 <= vsid <= 0xFFFFFE:
        return V.RESERVED_VSID, frame, -1, 0
    if 28 + len(frame) > mtu:
        return V.TOO_BIG, frame, -1, 0
    if headroom < hdr:
        return V.NO_HEADROOM, frame, -1, 0
    fid = flow_id(frame, 14)
    inner = mac(mac_) + frame[6:]
    outer = mac(next_hop_mac) + mac(local_mac)
    if vlan >= 0:
        outer += struct.pack("!HH", 0x8100, vlan & 0xFFF)
    outer += struct.pack("!H", 0x0800)
    outer += ipv4_header(28 + len(frame), ident & 0xFFFF, 47, local_pa, pa)
    outer += GRE_NVGRE.pack(key=(vsid << 8) | fid)
    return V.OK, outer + inner, vsid, fid


def decap(frame: bytes, vsid_domain: dict[int, int]):
    """(verdict, inner frame, vsid, flowid, domain), validating in the documented order."""
    v, l3 = l3_start(frame)
    if v != V.OK:
        return v, None, 0, 0, 0
    v, ihl, total, proto = check_ipv4(frame, l3)
    if v == V.OK and proto != 47:
        v = V.BAD_PROTOCOL
    if v == V.OK and total < ihl + 8 + ETHERNET.length:
        v = V.TRUNCATED
    if v != V.OK:
        return v, None, 0, 0, 0
    g = GRE_NVGRE.unpack(frame, l3 + ihl)
    if g["flags_ver"] & 0x7:
        return V.BAD_GRE_VERSION, None, 0, 0, 0
    if g["flags_ver"] != 0x2000:
        return V.BAD_GRE_FLAGS, None, 0, 0, 0
    if g["proto"] != 0x6558:
        return V.BAD_GRE_PROTOCOL, None, 0, 0, 0
    vsid, fid = g["key"] >> 8, g["key"] & 0xFF
    if not 4096 <= vsid <= 0xFFFFFE:
        return V.RESERVED_VSID, None, 0, 0, 0
    if vsid not in vsid_domain:
        return V.UNKNOWN_VSID, None, 0, 0, 0
    return V.OK, frame[l3 + ihl + 8 : l3 + total], vsid, fid, vsid_domain[vsid]
