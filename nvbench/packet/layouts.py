"""Header layouts, declared once as data.

Every wire header nvbench reads or writes is declared here as a sequence of
``(name, struct_format, default, doc)`` fields, in network byte order, the way dpkt
declares its headers. From this one declaration come:

- the byte offsets the numba kernels use (``HEADER.offset("field")``, frozen into
  module-level integer constants where a kernel needs them),
- ``pack``/``unpack`` for the pure-Python twins in ``tests/oracle``,
- the table in ``docs/headers.md`` (``python -m nvbench.packet.layouts``).

Sub-byte fields (IPv4 version/IHL, flags/fragment offset, TCP data offset/flags) are
declared as the whole byte or word that holds them; their bit layout is in the doc.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str
    fmt: str  # struct format character(s), network byte order
    default: int | bytes
    doc: str

    @property
    def size(self) -> int:
        return struct.calcsize("!" + self.fmt)


@dataclass(frozen=True)
class Header:
    """A fixed-length header: an ordered tuple of fields."""

    name: str
    fields: tuple[Field, ...]
    doc: str
    _struct: struct.Struct = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fmt = "!" + "".join(f.fmt for f in self.fields)
        object.__setattr__(self, "_struct", struct.Struct(fmt))

    @property
    def length(self) -> int:
        """Header length in bytes."""
        return self._struct.size

    def offset(self, name: str) -> int:
        """Byte offset of field ``name`` from the start of the header."""
        pos = 0
        for f in self.fields:
            if f.name == name:
                return pos
            pos += f.size
        raise KeyError(f"{self.name} has no field {name!r}")

    def pack(self, **values: int | bytes) -> bytes:
        """Header bytes; fields not given take their defaults."""
        unknown = set(values) - {f.name for f in self.fields}
        if unknown:
            raise KeyError(f"{self.name} has no field(s) {sorted(unknown)}")
        return self._struct.pack(*(values.get(f.name, f.default) for f in self.fields))

    def unpack(self, data: bytes | memoryview, at: int = 0) -> dict[str, int | bytes]:
        """Field values of the header that starts at ``data[at]``."""
        vals = self._struct.unpack_from(data, at)
        return {f.name: v for f, v in zip(self.fields, vals, strict=True)}


def _h(name: str, doc: str, *fields: tuple[str, str, int | bytes, str]) -> Header:
    return Header(name, tuple(Field(*f) for f in fields), doc)


ZERO_MAC = b"\x00" * 6

ETHERNET = _h(
    "ethernet",
    "Ethernet II header (IEEE 802.3); no FCS in our frames, as in a pcap.",
    ("dst", "6s", ZERO_MAC, "destination MAC"),
    ("src", "6s", ZERO_MAC, "source MAC"),
    ("type", "H", 0x0800, "EtherType: 0x0800 IPv4, 0x8100 802.1Q tag follows"),
)
DOT1Q = _h(
    "dot1q",
    "802.1Q tag: follows an Ethernet header whose type is 0x8100.",
    ("tci", "H", 0, "PCP (3 bits) | DEI (1) | VLAN id (12)"),
    ("type", "H", 0x0800, "EtherType of what follows"),
)
IPV4 = _h(
    "ipv4",
    "IPv4 header without options (RFC 791).",
    ("ver_ihl", "B", 0x45, "version (4 bits, =4) | IHL in 32-bit words (4 bits, >=5)"),
    ("tos", "B", 0, "DSCP | ECN"),
    ("total_length", "H", 20, "header + payload, bytes"),
    ("ident", "H", 0, "identification"),
    ("flags_frag", "H", 0x4000, "reserved | DF (0x4000) | MF (0x2000) | fragment offset (13 bits)"),
    ("ttl", "B", 64, "time to live"),
    ("proto", "B", 0, "1 ICMP, 6 TCP, 17 UDP, 47 GRE, 50 ESP"),
    ("checksum", "H", 0, "header checksum (RFC 1071)"),
    ("src", "I", 0, "source address"),
    ("dst", "I", 0, "destination address"),
)
UDP = _h(
    "udp",
    "UDP header (RFC 768); a checksum of 0 means none.",
    ("sport", "H", 0, "source port"),
    ("dport", "H", 0, "destination port"),
    ("length", "H", 8, "header + payload, bytes"),
    ("checksum", "H", 0, "over pseudo-header + UDP; 0 = none, a computed 0 is sent as 0xFFFF"),
)
TCP = _h(
    "tcp",
    "TCP header without options (RFC 9293).",
    ("sport", "H", 0, "source port"),
    ("dport", "H", 0, "destination port"),
    ("seq", "I", 0, "sequence number"),
    ("ack", "I", 0, "acknowledgment number"),
    (
        "off_flags",
        "H",
        0x5000,
        "data offset (4 bits, words) | reserved (3) | flags (9): FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10",
    ),
    ("window", "H", 65535, "receive window"),
    ("checksum", "H", 0, "over pseudo-header + segment"),
    ("urgent", "H", 0, "urgent pointer"),
)
ICMP_ECHO = _h(
    "icmp_echo",
    "ICMP echo request (type 8) / reply (type 0) header (RFC 792).",
    ("type", "B", 8, "8 echo request, 0 echo reply"),
    ("code", "B", 0, "0"),
    ("checksum", "H", 0, "over the ICMP message"),
    ("ident", "H", 0, "identifier: NAT translates it like a port"),
    ("seq", "H", 0, "sequence number"),
)
GRE_NVGRE = _h(
    "gre_nvgre",
    "GRE header as NVGRE uses it (RFC 7637): C=0 K=1 S=0, version 0, key present.",
    (
        "flags_ver",
        "H",
        0x2000,
        "C (0x8000) | reserved | K (0x2000) | S (0x1000) | reserved0 | version (3 bits); NVGRE: exactly 0x2000",
    ),
    ("proto", "H", 0x6558, "0x6558 Transparent Ethernet Bridging"),
    ("key", "I", 0, "VSID (24 bits) << 8 | FlowID (8 bits)"),
)
UDP_ESP = _h(
    "udp_esp",
    "UDP header of UDP-encapsulated ESP (NAT-T, RFC 3948): port 4500, checksum 0.",
    ("sport", "H", 4500, "source port"),
    ("dport", "H", 4500, "destination port"),
    ("length", "H", 8, "header + ESP packet, bytes"),
    ("checksum", "H", 0, "0: RFC 3948 section 2.1 lets the sender omit it"),
)
ESP = _h(
    "esp",
    "ESP header (RFC 4303); the IV follows, its length set by the cipher suite.",
    ("spi", "I", 0, "security parameters index"),
    ("seq", "I", 0, "sequence number, per SA, starting at 1"),
)
ESP_TRAILER = _h(
    "esp_trailer",
    "ESP trailer (RFC 4303) after the padding; the ICV follows, its length set by the suite.",
    ("pad_length", "B", 0, "padding bytes before this field"),
    ("next_header", "B", 4, "4 = IPv4 (tunnel mode)"),
)

HEADERS: tuple[Header, ...] = (
    ETHERNET,
    DOT1Q,
    IPV4,
    UDP,
    TCP,
    ICMP_ECHO,
    GRE_NVGRE,
    UDP_ESP,
    ESP,
    ESP_TRAILER,
)

# EtherTypes and IP protocol numbers used across the fast path.
ETH_P_IPV4 = 0x0800
ETH_P_8021Q = 0x8100
ETH_P_TEB = 0x6558
IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_GRE = 47
IPPROTO_ESP = 50
NAT_T_PORT = 4500  # RFC 3948


def markdown() -> str:
    """The header table for docs/headers.md."""
    out = [
        "# Header layouts",
        "",
        "Generated by `python -m nvbench.packet.layouts`; do not edit.",
        "",
    ]
    for h in HEADERS:
        out += [f"## {h.name} ({h.length} bytes)", "", h.doc, ""]
        out += ["| offset | field | bytes | default | meaning |", "|---|---|---|---|---|"]
        for f in h.fields:
            default = f.default.hex() if isinstance(f.default, bytes) else hex(f.default)
            out.append(f"| {h.offset(f.name)} | {f.name} | {f.size} | {default} | {f.doc} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(), end="")
