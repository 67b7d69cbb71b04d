"""The external path MTU: what a tunnel carries inside, and what happens to a packet too
big for it."""

from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation

from nvbench import runner
from nvbench.fastpath.esp import inner_mtu
from nvbench.fastpath.verdict import Verdict as V
from nvbench.scenario.loader import loads
from tests.helpers import SHIPPED, capture_points
from tests.patterns.quanta import QUANTA_MS, differences, figures

# scapy's ESP (with the cryptography package) as the independent sizer [S27][S28]
SCAPY = {
    "aes-gcm-128": {"crypt_algo": "AES-GCM", "crypt_key": b"k" * 20, "auth_algo": None},
    "aes-cbc-hmac-sha1-96": {"crypt_algo": "AES-CBC", "crypt_key": b"k" * 16,
                             "auth_algo": "HMAC-SHA1-96", "auth_key": b"a" * 20},
    "aes-cbc-hmac-sha256-128": {"crypt_algo": "AES-CBC", "crypt_key": b"k" * 16,
                                "auth_algo": "SHA2-256-128", "auth_key": b"a" * 32},
}  # fmt: skip


def _sealed_len(suite: str, inner: int, nat_t: bool) -> int:
    sa = SecurityAssociation(ESP, spi=0x1000, tunnel_header=IP(src="1.1.1.1", dst="2.2.2.2"),
                             nat_t_header=UDP(sport=4500, dport=4500) if nat_t else None,
                             **SCAPY[suite])  # fmt: skip
    p = IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / (b"x" * (inner - 28))
    return len(bytes(sa.encrypt(p)))


@pytest.mark.parametrize("suite", sorted(SCAPY))
@pytest.mark.parametrize("nat_t", [False, True])
@pytest.mark.parametrize("mtu", [1500, 1400, 9000])
def test_the_inner_mtu_is_the_largest_packet_whose_esp_fits(suite, nat_t, mtu):
    x = inner_mtu(suite, mtu, nat_t)
    assert _sealed_len(suite, x, nat_t) <= mtu
    assert _sealed_len(suite, x + 1, nat_t) > mtu or _sealed_len(suite, x + 16, nat_t) > mtu


S2S = (SHIPPED / "s2s.toml").read_text()
BIG = 'traffic = [\n  { rate_pps = 20000, destination = "10.100.0.5" },'
BIG_NEW = 'traffic = [\n  { rate_pps = 20000, destination = "10.100.0.5", sizes = 1514 },'


def _run(text: str):
    assert BIG in S2S
    return runner.run(loads(text), duration_s=0.2).result


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_guests_that_follow_the_tunnel_mtu_lose_nothing_to_it():
    r = _run(S2S.replace(BIG, BIG_NEW))
    assert not [d for d in r.drops if d["verdict"] == V.TOO_BIG.name]


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_a_packet_too_big_for_the_external_mtu_is_dropped_and_counted():
    """Guests that keep 1500 (no MTU reduction) on a jumbo provider network: ESP makes their
    1500-byte packets too big for the 1500-byte external path, at the gateway and at the
    sites' peers (at main, 9000 was assumed and they left whole)."""
    text = (S2S.replace(BIG, BIG_NEW)
            .replace("[[vm_networks]]", "[[vm_networks]]\nguest_mtu_reduction = false")
            .replace("[[hosts]]", "[[hosts]]\nprovider_mtu = 9000")
            .replace("[[gateway_hosts]]", "[[gateway_hosts]]\nprovider_mtu = 9000"))  # fmt: skip
    r = _run(text)
    big = [d for d in r.drops if d["verdict"] == V.TOO_BIG.name]
    assert {d["element"] for d in big} == {"mtgw01", "contoso-s2s.in0", "contoso-s2s.in1"}
    # The gateway answers each with ICMP "fragmentation needed" (RFC 1191); the VMs' stacks
    # take them (absorbed at their hosts' sinks), none counted as tenant traffic.
    refused = sum(d["packets"] for d in big if d["element"] == "mtgw01")
    assert r.element("mtgw01")["originated"] == refused > 1000
    vms = sum(e["absorbed"] for e in r.elements if e["name"].endswith(".vms"))
    assert refused - r.summary["in_flight"] <= vms <= refused + r.summary["carried_in"]
    assert r.accounting_problems() == []
    jumbo = _run(text.replace("[[gateways]]", "[[gateways]]\nexternal_mtu = 9000"))
    assert not [d for d in jumbo.drops if d["verdict"] == V.TOO_BIG.name]


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_with_df_cleared_big_esp_leaves_in_pieces_and_arrives_whole():
    """The same guests, the gateway's tunnels clearing DF (RFC 4301 8.1): the ESP packets
    over 1500 bytes leave in pieces both ways, the other end joins them and nothing is
    lost (with DF copied, they were all dropped as TOO_BIG above)."""
    text = (S2S.replace(BIG, BIG_NEW)
            .replace("[[vm_networks]]", "[[vm_networks]]\nguest_mtu_reduction = false")
            .replace("[[hosts]]", "[[hosts]]\nprovider_mtu = 9000")
            .replace("[[gateway_hosts]]", "[[gateway_hosts]]\nprovider_mtu = 9000")
            .replace("[[gateways]]", '[[gateways]]\nesp_df = "clear"'))  # fmt: skip
    # The branch's WAN link loses packets (0.1 %): count only the hq site's traffic.
    text = text.replace("loss = 0.001", "loss = 0.0")
    r = _run(text)
    assert r.accounting_problems() == []
    assert not [d for d in r.drops if d["verdict"] == V.TOO_BIG.name]
    assert r.summary["dropped"] == 0
    gw = r.element("mtgw01")
    assert gw["originated"] > 0 and gw["absorbed"] > 0  # pieces out, pieces joined in
    assert r.element("contoso-s2s.hq")["absorbed"] > 0  # the site's peer joined them
    assert r.element("contoso-s2s.in0")["originated"] > 0  # the site's 1500-byte packets
    # Every piece that left was joined again, or waits for its packet's other pieces.
    assert r.summary["originated"] - r.summary["absorbed"] <= r.summary["in_flight"]


@pytest.mark.slow  # four scenario runs each
@pytest.mark.parametrize("esp_df", ["copy", "clear"])
def test_refusing_or_cutting_gives_the_same_results_at_every_quantum(esp_df):
    """ICMP errors back to the VMs (copy), or cutting, lossy WAN links (the branch loses
    0.1 %) and joining (clear), at 0.1 to 50 ms."""
    text = (S2S.replace(BIG, BIG_NEW)
            .replace("[[vm_networks]]", "[[vm_networks]]\nguest_mtu_reduction = false")
            .replace("[[hosts]]", "[[hosts]]\nprovider_mtu = 9000")
            .replace("[[gateway_hosts]]", "[[gateway_hosts]]\nprovider_mtu = 9000")
            .replace("[[gateways]]", f'[[gateways]]\nesp_df = "{esp_df}"'))  # fmt: skip
    s = loads(text)
    base = figures(s, QUANTA_MS[0], 0.2)
    for q in QUANTA_MS[1:]:
        assert differences(base, figures(s, q, 0.2)) == [], f"quantum {q} ms"


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_the_icmp_error_tells_the_vm_its_tunnels_inner_mtu(tmp_path):
    """What the VM receives, decoded by scapy: ICMP 3/4 from the gateway's address on the
    VM network, next-hop MTU 1446 (AES-GCM-128 at 1500), quoting the refused packet."""
    text = (S2S.replace(BIG, BIG_NEW)
            .replace("[[vm_networks]]", "[[vm_networks]]\nguest_mtu_reduction = false")
            .replace("[[hosts]]", "[[hosts]]\nprovider_mtu = 9000")
            .replace("[[gateway_hosts]]", "[[gateway_hosts]]\nprovider_mtu = 9000"))  # fmt: skip
    s = loads(text)
    got = capture_points(s, tmp_path, 3000)["gwhost01.provider.down"]
    icmp = [f for f in got if ICMP in f and f[ICMP].type == 3]
    assert icmp
    for f in icmp:
        inner = f[ICMP]
        assert (inner.code, inner.nexthopmtu) == (4, inner_mtu("aes-gcm-128", 1500))
        assert f[ICMP].underlayer.src == "10.254.0.2"  # the gateway, on the gateway subnet
        refused = inner.payload  # the packet as the VM sent it: over the tunnel's MTU
        assert refused.len > inner.nexthopmtu and refused.dst in ("10.100.0.5", "10.101.0.5")
        assert refused.src == f[ICMP].underlayer.dst  # back to its sender
