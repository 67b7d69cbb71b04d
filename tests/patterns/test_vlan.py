"""A forwarding gateway hands its VM network to the PE router on the network's VLAN."""

from __future__ import annotations

from scapy.layers.inet import IP
from scapy.layers.l2 import Dot1Q, Ether
from scapy.utils import PcapNgReader

from nvbench import runner
from nvbench.scenario.loader import ScenarioError, load, loads
from tests.helpers import SHIPPED, assert_checksums_valid


def test_mpls_frames_are_tagged_on_the_gateways_external_side(tmp_path):
    """At main the forwarding gateway's external side carried untagged tenant frames."""
    s = load(SHIPPED / "mpls.toml")
    path = tmp_path / "m.pcapng"
    runner.capture(s, path, None, 3000, duration_s=0.1)
    at: dict[str, list[Ether]] = {}
    for p in PcapNgReader(str(path)):
        at.setdefault(p.sniffed_on, []).append(Ether(bytes(p)))
    for point in ("fwdgw01.external.out", "fwdgw01.external.in"):
        frames = at[point]
        assert frames and all(Dot1Q in f and f[Dot1Q].vlan == 100 for f in frames), point
        for f in frames[:100]:
            assert_checksums_valid(bytes(f))
    assert {f[IP].src for f in at["fwdgw01.external.out"]} <= {"10.0.1.4", "10.0.1.5"}
    # Inside the provider network the tenant's frames travel in NVGRE, untagged within.
    assert all(Dot1Q not in f for f in at["gwhost02.provider.down"])


def test_both_ways_on_the_vlan_lose_nothing():
    r = runner.run(load(SHIPPED / "mpls.toml"), duration_s=0.2).result
    assert (
        r.summary["dropped"] == 0 and r.element("fabrikam-mpls.pe")["delivered"] > 1500
    )  # 2000 due
    assert r.element("fabrikam-mpls.pe.vlan0")["delivered"] > 350  # 500 due, tagged inward


def test_a_vlan_only_for_a_network_handed_over_by_a_forwarding_gateway():
    text = (SHIPPED / "default.toml").read_text()
    bad = text.replace('pattern = "nat"\n', 'pattern = "nat"\nvlan = 7\n', 1)
    try:
        loads(bad)
    except ScenarioError as e:
        assert any("vm_networks[2].vlan: only mpls VM networks" in p for p in e.problems)
    else:
        raise AssertionError("a NAT VM network with a VLAN was accepted")
