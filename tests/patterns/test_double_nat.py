"""The upstream NAT device in the path (double NAT), and capture points on both sides of
every translation, decoded with scapy from the pcapng file."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, UDP

from nvbench import runner
from nvbench.patterns import addresses
from nvbench.scenario.loader import ScenarioError, load, loads
from tests.helpers import SHIPPED, assert_checksums_valid, capture_points

# Scenario runs: minutes with the kernels as plain Python (CI's NUMBA_DISABLE_JIT pass
# skips slow cases; the compiled pass runs them).
pytestmark = pytest.mark.slow

UPSTREAM = "198.51.100.200"


@pytest.fixture(scope="module")
def double_nat():
    return load(SHIPPED / "double_nat.toml")


def test_beyond_the_upstream_nat_everything_has_its_public_address(double_nat, tmp_path):
    """At main the gateway's ESP left for the Internet from its private front end, and a
    NAT tenant's private pool was billed as public."""
    at = capture_points(double_nat, tmp_path)
    out, beyond = at["mtgw01.external.out"], at["mtgw01.internet.out"]
    assert {f[IP].src for f in out} >= {"10.20.0.10", "10.20.1.1"}  # front end, a pool
    # The capture stops at its frame count: the last frame out may still be in the device.
    assert 0 <= len(out) - len(beyond) <= 1 and {f[IP].src for f in beyond} == {UPSTREAM}
    for f in beyond[:200]:
        assert_checksums_valid(bytes(f))
    tunnels = [f for f in beyond if UDP in f and f[UDP].dport == 4500]
    assert tunnels and all(f[UDP].sport == 4500 for f in tunnels)  # NAT-T, forwarded [S31]
    arriving, inside = at["mtgw01.internet.in"], at["mtgw01.external.in"]
    assert {f[IP].dst for f in arriving} == {UPSTREAM}
    assert {f[IP].dst for f in inside} == {"10.20.0.10", "10.20.1.1"}  # NAT-T, port 8443


def test_a_run_behind_the_upstream_nat_loses_nothing(double_nat):
    r = runner.run(double_nat, duration_s=0.3).result
    assert r.accounting_problems() == [] and r.summary["dropped"] == 0, r.drops
    assert r.element("mtgw01.upstream-nat.in")["delivered"] > 300  # the published port's
    assert r.element("mtgw01.upstream-nat.out")["delivered"] > 3000


def test_the_bill_counts_what_is_public_on_the_wire(double_nat):
    bill = addresses.bill(double_nat)
    for name in ("northwind-nat", "litware-nat", "contoso-s2s", "wingtip-ra"):
        assert bill[name]["own"] == [] and bill[name]["shared"] == UPSTREAM, name
    # Two public addresses of the public-IP tenant, and the upstream NAT's for the rest; the
    # same NAT tenant with a public pool (nat.toml) owns its address.
    assert addresses.total(double_nat) == 3
    nat = load(SHIPPED / "nat.toml")
    assert addresses.bill(nat)["northwind-nat"] == {"pattern": "nat", "own": ["203.0.113.1"],
                                                   "shared": None, "public_ipv4": 1}  # fmt: skip


def test_public_ip_captures_show_the_public_address_after_the_1to1_nat(tmp_path):
    s = load(SHIPPED / "public_ip.toml")
    at = capture_points(s, tmp_path, pattern="public_ip")
    publics = {str(vm.public) for n in s.vm_networks for vm in n.vms if vm.public}
    private = {str(vm.address) for n in s.vm_networks for vm in n.vms}
    out = at["tailspin-public.internet.out"]
    assert out and {f[IP].src for f in out} <= publics
    assert {f[IP].src for f in at["fwdgw02.external.out"]} <= private
    inbound = [k for k in at if k.startswith("tailspin-public.internet.in")]
    for k in inbound:
        assert {f[IP].dst for f in at[k]} <= publics


def _default_with(old: str, new: str):
    text = (SHIPPED / "default.toml").read_text()
    assert old in text
    return loads(text.replace(old, new, 1))


def test_vpn_server_address_is_what_the_peers_reach(tmp_path):
    """[S16]: VPNServerAddress reports another endpoint to the tenants; the tunnels end
    there and reach the front end through it (at main it was parsed and never used)."""
    s = _default_with("DirectRoutingMode=false'", "DirectRoutingMode=false;"
                      "VPNServerAddress=198.51.100.201'")  # fmt: skip
    at = capture_points(s, tmp_path, pattern="remote_access")
    assert {f[IP].dst for f in at["mtgw01.internet.in"]} == {"198.51.100.201"}
    assert {f[IP].dst for f in at["mtgw01.external.in"]} == {"131.107.0.10"}
    bill = addresses.bill(s)
    assert bill["wingtip-ra"]["shared"] == bill["contoso-s2s"]["shared"] == "198.51.100.201"


def test_a_forwarding_gateway_may_sit_on_its_own_front_end_network():
    old = (
        'front_end = "131.107.0.20"\nconnection = \'VMHost=EdgeCluster02.contoso.com;'
        'GatewayVM=FWD01.contoso.com;BackEndSwitch="ESU Switch";DirectRoutingMode=true;'
        "FrontEndServerAddress=131.107.0.20'"
    )
    own = old.replace("131.107.0.20", "10.30.0.4")
    with pytest.raises(ScenarioError, match=r"gateways\[1\].front_end: 10.30.0.4 is outside"):
        _default_with(old, own)
    s = _default_with(old, own + '\nfront_end_network = "10.30.0.0/24"')
    assert str(s.gateways[1].front_end) == "10.30.0.4"


def test_clearing_df_behind_an_upstream_nat_is_refused_by_its_key_path():
    """The NAPT device translates by ports, which pieces after the first do not carry."""
    text = (SHIPPED / "double_nat.toml").read_text()
    bad = text.replace('upstream_nat = "198.51.100.200"',
                       'upstream_nat = "198.51.100.200"\nesp_df = "clear"')  # fmt: skip
    assert bad != text
    with pytest.raises(ScenarioError, match=r"gateways\[0\].esp_df: 'clear' is not modelled"):
        loads(bad)
