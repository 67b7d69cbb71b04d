from pathlib import Path

import pytest
from scapy.layers.l2 import GRE

from nvbench.packet import layouts as L

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("header", "length"),
    [  # the RFCs' header sizes
        (L.ETHERNET, 14),
        (L.DOT1Q, 4),
        (L.IPV4, 20),
        (L.UDP, 8),
        (L.TCP, 20),
        (L.ICMP_ECHO, 8),
        (L.GRE_NVGRE, 8),
        (L.UDP_ESP, 8),
        (L.ESP, 8),
        (L.ESP_TRAILER, 2),
    ],
)
def test_header_lengths(header, length):
    assert header.length == length


def test_ipv4_offsets_follow_rfc791():
    assert [
        L.IPV4.offset(f) for f in ("total_length", "ttl", "proto", "checksum", "src", "dst")
    ] == [
        2,
        8,
        9,
        10,
        12,
        16,
    ]


def test_pack_unpack_round_trip():
    raw = L.TCP.pack(sport=1, dport=2, seq=3, ack=4, off_flags=0x5012)
    assert L.TCP.unpack(raw) == {
        "sport": 1,
        "dport": 2,
        "seq": 3,
        "ack": 4,
        "off_flags": 0x5012,
        "window": 65535,
        "checksum": 0,
        "urgent": 0,
    }


def test_nvgre_defaults_match_scapy():
    ours = L.GRE_NVGRE.pack(key=(5001 << 8) | 7)
    theirs = bytes(GRE(key_present=1, proto=0x6558, key=(5001 << 8) | 7))
    assert ours == theirs


def test_unknown_field_is_an_error():
    with pytest.raises(KeyError):
        L.UDP.pack(nosuch=1)
    with pytest.raises(KeyError):
        L.UDP.offset("nosuch")


def test_docs_table_is_current():
    assert (ROOT / "docs" / "headers.md").read_text() == L.markdown()
