"""Every pattern carries traffic both ways; a VPN connection's SAs share one vCPU."""

from __future__ import annotations

import numpy as np
import pytest

from nvbench import runner
from nvbench.model import profiles
from nvbench.scenario.loader import loads
from tests.helpers import DEFAULT

# The default scenario with inbound traffic for each tenant beside its outbound traffic
# (light load: 2 kpps each way).
TWO_WAY = {
    'traffic = [{ rate_pps = 20000, destination = "10.100.0.5" }]':
        'traffic = [{ rate_pps = 2000, destination = "10.100.0.5" }, '
        '{ direction = "inbound", rate_pps = 2000, destination = "10.100.0.7" }]',
    'traffic = [{ rate_pps = 20000, destination = "10.50.0.5" }]':
        'traffic = [{ rate_pps = 2000, destination = "10.50.0.5" }, '
        '{ direction = "inbound", rate_pps = 2000 }]',
    'public_addresses = ["203.0.113.1"]':
        'public_addresses = ["203.0.113.1"]\n'
        'static_mappings = [{ vm = "nat-vm1", protocol = "udp", port = 53, public_port = 5353 }]',
    'traffic = [{ rate_pps = 20000 }]':
        'traffic = [{ rate_pps = 2000 }, { direction = "inbound", rate_pps = 2000 }]',
    'traffic = [{ direction = "inbound", rate_pps = 20000 }]':
        'traffic = [{ direction = "inbound", rate_pps = 2000 }, '
        '{ rate_pps = 2000, destination = "10.200.0.7" }]',
}  # fmt: skip


def two_way_default() -> str:
    text = DEFAULT.read_text()
    for old, new in TWO_WAY.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.mark.slow
def test_every_pattern_two_way_at_light_load_loses_nothing():
    """At main before this change the remote-access answers were all lost (ESP_UNKNOWN_SA:
    the clients had no outbound SA)."""
    s = loads(two_way_default())
    sr = runner.run(s, duration_s=0.3)
    r = sr.result
    assert r.accounting_problems() == []
    assert r.summary["dropped"] == 0, r.drops
    for n in s.vm_networks:
        rd = next(i for i, x in enumerate(s.vm_networks) if x is n)
        t = next(t for t in r.tenants if t["tenant"] == rd)
        # Both directions arrived: well over one direction's worth (2 kpps x 0.2 s measured).
        assert t["delivered"] > 1.5 * 2000 * 0.2, n.name
    # Each far end received the VMs' packets, and the VMs received the far ends'.
    for far in ("contoso-s2s.site0", "fabrikam-mpls.pe", "wingtip-ra.clients", "mtgw01.internet",
                "fwdgw02.internet"):  # fmt: skip
        assert r.element(far)["delivered"] > 0.8 * 2000 * 0.2, far  # 0.2 s measured


S2S_ONE_CONNECTION = """
name = "one"
[run]
duration_s = 0.2
[[hosts]]
name = "hv01"
pa = "192.168.0.11"
[[gateway_hosts]]
name = "gwhost01"
pa = "192.168.0.2"
[[gateways]]
name = "gw"
host = "gwhost01"
front_end = "131.107.0.10"
connection = 'VMHost=E.contoso.com;GatewayVM=G.contoso.com;DirectRoutingMode=false'
[[vm_networks]]
name = "t"
gateway = "gw"
pattern = "s2s"
subnets = [{ vsid = 5001, prefix = "10.0.1.0/24" }]
gateway_subnet = { vsid = 6001, prefix = "10.254.0.0/29", address = "10.254.0.2" }
sites = [{ peer = "198.51.100.10", prefix = "10.100.0.0/16" },
         { peer = "198.51.100.11", prefix = "10.101.0.0/16" }]
vms = [{ name = "vm", host = "hv01", subnet = 5001, address = "10.0.1.4" }]
traffic = [{ rate_pps = 5000, destination = "10.100.0.5", flows = 200 },
           { direction = "inbound", rate_pps = 5000, destination = "10.100.0.9", flows = 200 },
           { rate_pps = 5000, destination = "10.101.0.5", flows = 200 }]
"""


def test_a_connections_sas_both_ways_run_on_one_vcpu_and_sites_on_others():
    """Site 0's connection carries packets both ways, site 1's one way: two vCPUs work,
    whatever the flows (at main, the inbound and outbound SAs landed on different vCPUs)."""
    s = loads(S2S_ONE_CONNECTION)
    sim, built, duration = runner.simulation(s)
    r = sim.run(duration)
    assert r.summary["dropped"] == 0
    busy = built.gateways["gw"].busy_by_server()
    assert sum(b > 0 for b in busy) == 2, busy
    assert r.element("t.site0")["delivered"] > 0 and r.element("t.site1")["delivered"] > 0


def test_a_site_gets_only_the_packets_of_its_prefix():
    s = loads(S2S_ONE_CONNECTION)
    r = runner.run(s).result
    site0, site1 = r.element("t.site0")["delivered"], r.element("t.site1")["delivered"]
    # Equal rates to each site's prefix: each site sees about half (Poisson, 1000 each).
    assert site0 == pytest.approx(site1, rel=0.15) and site0 + site1 > 1500


def test_each_site_costs_its_own_cipher_suite():
    """Site 1 negotiates AES-CBC + HMAC-SHA1: its connection's vCPU works by that suite's
    cost, site 0's is untouched (at main, every tunnel cost the gateway's one suite,
    AES-GCM-128, whatever its site negotiated)."""
    # One frame size, below both suites' inner MTU (else the tenant's cap, the smallest
    # of its sites', would change every frame).
    gcm = S2S_ONE_CONNECTION.replace("flows = 200 }", "flows = 200, sizes = 600 }")
    cbc = gcm.replace(
        'peer = "198.51.100.11",', 'peer = "198.51.100.11", suite = "aes-cbc-hmac-sha1-96",'
    )
    assert cbc != gcm != S2S_ONE_CONNECTION
    busy = {}
    for name, text in (("gcm", gcm), ("cbc", cbc)):
        sim, built, duration = runner.simulation(loads(text))
        assert sim.run(duration).summary["dropped"] == 0
        busy[name] = built.gateways["gw"].busy_by_server()
    profile, clock = profiles.default(), built.gateways["gw"].clock_hz
    # Site 1's frames: the same inner packets, a little longer under CBC (16-byte IV and
    # alignment), so the ratio is at least the suites' cost ratio at one size.
    one = {k: profile.service_ns(f"esp_encap:{k}", np.array([650]), clock)[0]
           for k in ("aes-gcm-128", "aes-cbc-hmac-sha1-96")}  # fmt: skip
    want = one["aes-cbc-hmac-sha1-96"] / one["aes-gcm-128"]
    changed = [k for k in range(len(busy["gcm"])) if busy["gcm"][k] != busy["cbc"][k]]
    assert len(changed) == 1 and sum(b > 0 for b in busy["cbc"]) == 2  # site 1's vCPU only
    k = changed[0]
    assert want * 0.98 <= busy["cbc"][k] / busy["gcm"][k] <= want * 1.15
