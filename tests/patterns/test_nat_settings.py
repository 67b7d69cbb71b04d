"""The gateway's NAT as a scenario sets it: table size, per-tenant quota, filtering, timers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scapy.layers.inet import ICMP

from nvbench import runner
from nvbench.fastpath.verdict import Verdict as V
from nvbench.scenario.loader import loads
from nvbench.scenario.rules import warnings
from tests.helpers import SHIPPED, capture_points

NAT_POOL = (SHIPPED / "nat_pool.toml").read_text()


def _with_gateway_nat(text: str, settings: str) -> str:
    """The scenario with ``settings`` under its first gateway's ``nat`` table."""
    return text.replace("[[gateways]]", f"[[gateways]]\nnat = {{ {settings} }}", 1)


def test_the_table_holds_131072_mappings_per_public_address_by_default():
    """[S39]: 65,536 TCP + 65,536 UDP mappings per public address (at main: 65,536 for a
    whole gateway VM, unsourced, which two tenants' 50 k flows each overran)."""
    s = loads(NAT_POOL)
    _, built, _ = runner.simulation(s)
    nats = [n for n in s.vm_networks if n.public_addresses]
    for g, gw in built.gateways.items():
        if gw.nat is None:
            continue
        mine = {str(a) for n in nats if n.gateway == g for a in n.public_addresses}
        assert gw.nat.capacity == 131_072 * len(mine)


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_size_quota_filtering_and_timers_come_from_the_scenario():
    text = _with_gateway_nat(NAT_POOL, 'mappings = 5000, filtering = "address-dependent", '
                             "udp_timeout = 30, port_hold_down = 0")  # fmt: skip
    text = text.replace("public_addresses = [", "nat_port_quota = 7\npublic_addresses = [", 1)
    s = loads(text)
    _, built, _ = runner.simulation(s)
    nat = next(gw.nat for gw in built.gateways.values() if gw.nat is not None)
    assert nat.capacity == 5000
    assert nat.config.filtering == "address-dependent" and nat.config.udp_timeout == 30
    assert nat.config.port_hold_down == 0
    r = runner.run(s, duration_s=0.2).result
    quota = [d for d in r.drops if d["verdict"] == V.NAT_QUOTA_EXCEEDED.name]
    rd = next(i for i, n in enumerate(s.vm_networks) if n.nat_port_quota)
    assert quota and {d["tenant"] for d in quota} == {rd}  # the tenant with the quota of 7


def test_timers_below_the_rfc_minimums_warn_and_run():
    text = _with_gateway_nat(NAT_POOL, "udp_timeout = 30, tcp_established_timeout = 3600")
    s = loads(text)
    found = dict(warnings(s))
    assert set(found) == {"gateways[0].nat.udp_timeout", "gateways[0].nat.tcp_established_timeout"}
    assert "below the RFC minimum of 120 s" in found["gateways[0].nat.udp_timeout"]


def test_the_command_line_prints_the_warning_and_goes_on(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(_with_gateway_nat(NAT_POOL, "udp_timeout = 30"))
    done = subprocess.run([sys.executable, "-m", "nvbench.cli", "check", str(path)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning" in done.stderr and "gateways[0].nat.udp_timeout: 30 s" in done.stderr


def test_each_tenant_may_filter_its_own_way():
    """RFC 4787 REQ-8 per VM network (at main: one mode for the whole gateway, not settable)."""
    two = (SHIPPED / "double_nat.toml").read_text()  # two NAT tenants on one gateway
    text = two.replace("public_addresses = [", 'nat_filtering = "address-dependent"\n'
                       "public_addresses = [", 1)  # fmt: skip
    s = loads(text)
    assert sum(1 for n in s.vm_networks if n.public_addresses) == 2
    _, built, _ = runner.simulation(s)
    nat = next(gw.nat for gw in built.gateways.values() if gw.nat is not None)
    for rd, n in enumerate(s.vm_networks):
        if n.public_addresses:
            assert nat.filtering_of(rd) == (n.nat_filtering or "endpoint-independent")


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_a_vm_over_its_quota_is_told_by_icmp_administratively_prohibited(tmp_path):
    """RFC 6888 REQ-11 (and FACTS' RFC 5508 line): a packet the NAT cannot map is dropped
    and its sender told, ICMP 3/13 from the gateway's address on the VM network, quoting
    the packet (at main the drop was silent)."""
    text = NAT_POOL.replace("public_addresses = [", "nat_port_quota = 7\npublic_addresses = [", 1)
    s = loads(text)
    r = runner.run(s, duration_s=0.2).result
    quota = sum(d["packets"] for d in r.drops if d["verdict"] == V.NAT_QUOTA_EXCEEDED.name)
    gw = r.element("mtgw01")
    assert gw["originated"] == quota > 100
    vms = sum(e["absorbed"] for e in r.elements if e["name"].endswith(".vms"))
    # Messages in flight at the end are not absorbed yet; those in flight when the warm-up
    # ended were made before the books started.
    assert quota - r.summary["in_flight"] <= vms <= quota + r.summary["carried_in"]
    n = next(n for n in s.vm_networks if n.nat_port_quota)
    got = capture_points(s, tmp_path, 4000, pattern="nat")["gwhost01.provider.down"]
    icmp = [f[ICMP] for f in got if ICMP in f and f[ICMP].type == 3]
    assert icmp and all(m.code == 13 for m in icmp)
    assert {m.underlayer.src for m in icmp} == {str(n.gateway_subnet.address)}
    assert all(m.payload.src == m.underlayer.dst for m in icmp)  # about the VM's packet
