"""Writes the hand-made part of the regression corpus (run once; files are committed).

Each file is one frame in hex. Inputs that a fuzzing run ever finds failing are added
here too, under a name that says what they broke.
"""

from pathlib import Path

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import GRE, Dot1Q, Ether

HERE = Path(__file__).parent / "corpus"

CASES = {
    "empty": b"",
    "one_byte": b"\x00",
    "ether_only": bytes(Ether()),
    "vlan_truncated": bytes(Ether() / Dot1Q())[:16],
    "ihl_15_short": bytes(Ether() / IP(ihl=15)),
    "total_length_ffff": bytes(Ether() / IP(len=0xFFFF) / UDP()),
    "total_length_0": bytes(Ether() / IP(len=0) / UDP()),
    "gre_truncated_key": bytes(Ether() / IP(proto=47) / GRE(key_present=1))[:40],
    "gre_inner_empty": bytes(Ether() / IP() / GRE(key_present=1, proto=0x6558, key=5001 << 8)),
    "udp_length_short": bytes(Ether() / IP(src="10.0.1.5", dst="8.8.8.8") / UDP())[:38],
    "udp_4500_keepalive": bytes(Ether() / IP(proto=17) / UDP(sport=4500, dport=4500) / b"\xff"),
    "udp_4500_ike_marker": bytes(Ether() / IP() / UDP(sport=4500, dport=4500) / bytes(40)),
    "esp_pad_255": bytes(
        Ether()
        / IP(proto=50)
        / (bytes.fromhex("0000100000000001") + bytes(30) + b"\xff\x04" + bytes(16))
    ),
    "icmp_short": bytes(Ether() / IP(src="10.0.1.5", dst="8.8.8.8", proto=1) / b"\x08\x00"),
    "icmp_error": bytes(Ether() / IP(src="8.8.8.8", dst="198.51.100.1") / ICMP(type=3, code=4)),
    "ipv6_ethertype": bytes(Ether(type=0x86DD)) + bytes(40),
}

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, data in CASES.items():
        (HERE / f"{name}.hex").write_text(data.hex() + "\n")
