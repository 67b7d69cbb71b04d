"""Twin of ESP tunnel-mode encapsulation and decapsulation (RFC 4303, 3948)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from nvbench.fastpath.verdict import Verdict as V
from nvbench.packet.layouts import IPV4
from tests.oracle.frames import check_ipv4, ipv4_header, l3_start, mac
from tests.oracle.hashing import hash64

# (IV, ICV, alignment) per suite, from the RFCs: 4106 for GCM, 3602 + 2404/4868 for CBC.
SUITES = {
    "aes-gcm-128": (8, 16, 4),
    "aes-gcm-256": (8, 16, 4),
    "aes-cbc-hmac-sha1-96": (16, 12, 16),
    "aes-cbc-hmac-sha256-128": (16, 16, 16),
}


@dataclass
class Sa:
    spi: int
    suite: str
    src: int
    dst: int
    tenant: int = 0
    nat_t: bool = False
    sport: int = 4500
    dport: int = 4500
    seq: int = 0
    top: int = 0
    window: int = 0  # bit k set: sequence top - k was received


def fill(spi: int, seq: int, salt: int, n: int) -> bytes:
    """Stand-in IV/ICV bytes: a hashed seed, then xorshift32 words, low byte first."""
    h = hash64((spi << 31) ^ (seq << 2) ^ salt) | 1
    out = bytearray()
    for k in range(n):
        out.append((h >> (8 * (k % 4))) & 0xFF)
        if k % 4 == 3:
            h ^= (h << 13) & 0xFFFFFFFF
            h ^= h >> 17
            h ^= (h << 5) & 0xFFFFFFFF
    return bytes(out)


def encap(frame: bytes, sa: Sa, local_mac: int, next_hop_mac: int, mtu: int,
          clear_df: bool = False):  # fmt: skip
    """(verdict, frame); advances ``sa.seq`` on success. The outer DF is the inner's, or
    clear; over ``mtu`` only a DF packet is refused (the others are cut later)."""
    v, l3 = l3_start(frame)
    if v != V.OK:
        return v, frame
    v, ihl, total, proto = check_ipv4(frame, l3)
    if v not in (V.OK, V.FRAGMENT):
        return v, frame
    iv, icv, align = SUITES[sa.suite]
    inner = frame[l3 : l3 + total]
    pad = -(total + 2) % align
    esp_len = 8 + iv + total + pad + 2 + icv
    outer_len = 20 + (8 if sa.nat_t else 0) + esp_len
    df = bool(IPV4.unpack(frame, l3)["flags_frag"] & 0x4000) and not clear_df
    if outer_len > mtu and df:
        return V.TOO_BIG, frame
    if sa.seq >= 0xFFFFFFFF:
        return V.ESP_SEQ_OVERFLOW, frame
    sa.seq += 1
    esp = struct.pack("!II", sa.spi, sa.seq) + fill(sa.spi, sa.seq, 1, iv) + inner
    esp += bytes(range(1, pad + 1)) + bytes([pad, 4]) + fill(sa.spi, sa.seq, 2, icv)
    if sa.nat_t:
        esp = struct.pack("!HHHH", sa.sport, sa.dport, 8 + len(esp), 0) + esp
    proto_out = 17 if sa.nat_t else 50
    ip = ipv4_header(outer_len, sa.seq & 0xFFFF, proto_out, sa.src, sa.dst, df)
    return V.OK, mac(next_hop_mac) + mac(local_mac) + b"\x08\x00" + ip + esp


def decap(frame: bytes, by_spi: dict[int, Sa], dst_mac: int, src_mac: int):
    """(verdict, inner Ethernet frame, SA)."""
    v, l3 = l3_start(frame)
    if v != V.OK:
        return v, None, None
    v, ihl, total, proto = check_ipv4(frame, l3)
    if v != V.OK:
        return v, None, None
    e = l3 + ihl
    if proto == 17:
        if total - ihl < 16:
            return V.TRUNCATED, None, None
        dport, marker = struct.unpack_from("!H", frame, e + 2)[0], frame[e + 8 : e + 12]
        if dport != 4500 or marker == b"\0\0\0\0":
            return V.BAD_PROTOCOL, None, None
        e += 8
    elif proto != 50:
        return V.BAD_PROTOCOL, None, None
    end = l3 + total
    if end - e < 8:
        return V.TRUNCATED, None, None
    spi, seq = struct.unpack_from("!II", frame, e)
    sa = by_spi.get(spi)
    if sa is None:
        return V.ESP_UNKNOWN_SA, None, None
    iv, icv, align = SUITES[sa.suite]
    body = end - e - 8 - iv - icv
    if body < 22:
        return V.TRUNCATED, None, None
    if body % align:
        return V.ESP_BAD_TRAILER, None, None
    if seq == 0 or (seq <= sa.top and (sa.top - seq >= 64 or sa.window >> (sa.top - seq) & 1)):
        return V.ESP_REPLAY, None, None
    if frame[end - icv : end] != fill(spi, seq, 2, icv):
        return V.ESP_BAD_ICV, None, None
    pad, nh = frame[end - icv - 2], frame[end - icv - 1]
    if nh != 4 or pad > body - 2 - 20:
        return V.ESP_BAD_TRAILER, None, None
    if frame[end - icv - 2 - pad : end - icv - 2] != bytes(range(1, pad + 1)):
        return V.ESP_BAD_TRAILER, None, None
    inner = frame[e + 8 + iv : end - icv - 2 - pad]
    v, _, total2, _ = check_ipv4(inner, 0)
    if v == V.FRAGMENT:
        v = V.OK
    if v == V.OK and total2 != len(inner):
        v = V.BAD_TOTAL_LENGTH
    if v != V.OK:
        return v, None, None
    if seq > sa.top:
        shift = seq - sa.top
        sa.window = ((sa.window << shift) | 1) & (2**64 - 1) if shift < 64 else 1
        sa.top = seq
    else:
        sa.window |= 1 << (sa.top - seq)
    return V.OK, mac(dst_mac) + mac(src_mac) + b"\x08\x00" + inner, sa
