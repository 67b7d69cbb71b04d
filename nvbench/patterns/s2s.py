"""Site-to-site IPsec VPN: a multi-tenant gateway holds one IKEv2 connection per remote site
of the VM network, each to the site's VPN peer across the Internet [S12][S14].

Out: the gateway puts a packet into the tunnel of the site whose prefix holds its
destination (ESP, or NAT-T on UDP 4500 behind an upstream NAT [S31]); the packet crosses
the site's WAN link and the site's peer decrypts it. A destination in no site's prefix has
no tunnel (NO_ROUTE). In: the site's hosts send to the VMs through their site's tunnel,
over the WAN link, to the gateway's public front end. Each connection's SAs, both ways,
run on one vCPU of the gateway [S23][S34]. Public IPv4: none of its own; the gateway's
front-end address is shared by every tenant of the gateway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.model.devices import VpnPeer, VpnSource
from nvbench.model.element import Element
from nvbench.model.switch import ProviderSwitch
from nvbench.model.traffic import Flows, Sizes
from nvbench.scenario.schema import Traffic, VMNetwork

if TYPE_CHECKING:
    from nvbench.patterns.edge import Edge


def far_end(edge: Edge, n: VMNetwork) -> Element:
    """The sites' VPN peers behind their WAN links, and the gateway's outbound SA and
    route toward each; frames go to the site whose peer they are addressed to."""
    r = edge.rd(n)
    to_sites = ProviderSwitch(edge.sim, f"{n.name}.sites{edge.at}")
    for k, site in enumerate(n.remote_sites):
        sa = edge.sas.add(edge.spi(r, 0, k), site.suite, int(edge.g.front_end), int(site.peer),
                          tenant=r, nat_t=edge.nat_t)  # fmt: skip
        edge.routes.add_prefix(r, site.prefix, sa)
        peer = VpnPeer(edge.sim, f"{n.name}.{n.site_name(k)}{edge.at}", edge.sas)
        to_sites.route(int(site.peer), [edge.wan_out(f"{n.name}.{n.site_name(k)}", site.wan, peer)])
    return to_sites


def site_of(n: VMNetwork, t: Traffic) -> int:
    """The site inbound traffic ``t`` comes from: the one whose prefix holds its address
    (the scenario rules make sure there is one)."""
    return next(k for k, s in enumerate(n.remote_sites) if t.destination in s.prefix)


def sas(edge: Edge, n: VMNetwork, k: int, t: Traffic) -> np.ndarray:
    """The inbound SA of the ``k``-th inbound traffic, a child SA of its site's connection
    (the same SPI on both nodes of a cluster)."""
    r, j = edge.rd(n), site_of(n, t)
    site = n.remote_sites[j]
    out = edge.sas.spi_index.find(np.array([edge.spi(r, 0, j)]))[0]
    return np.array([edge.sas.add(edge.spi(r, k + 1, j), site.suite, int(site.peer), edge.front,
                                  tenant=r, nat_t=edge.nat_t, pin=int(out))], np.int32)  # fmt: skip


def inbound(edge: Edge, n: VMNetwork, k: int, t: Traffic, sizes: Sizes) -> Element:
    """The site's hosts sending to the VMs through the tunnel, over the site's WAN link."""
    vm_ips = tuple(int(vm.address) for vm in n.vms)
    flows = Flows((int(t.destination),), vm_ips, count=t.flows, mix=tuple(t.protocols.items()))
    src = VpnSource(edge.sim, f"{n.name}.in{k}", edge.rd(n), flows, sizes, t.rate_pps,
                    edge.sas, sas(edge, n, k, t), mtu=edge.g.external_mtu,
                    clear_df=edge.g.esp_df == "clear")  # fmt: skip
    site = n.remote_sites[site_of(n, t)]
    src.connect(edge.wan_in(f"{n.name}.in{k}", site.wan))
    return src


def standby(edge: Edge, n: VMNetwork, k: int, t: Traffic) -> None:
    sas(edge, n, k, t)


def own_addresses(n: VMNetwork) -> list[str]:
    return []


# What `nvbench init` writes for a VM network of this pattern, after its name, gateway,
# pattern and subnets: its far end and traffic, with words ({vsid}: its subnet's VSID).
STARTER = """\
site = {{ peer = "198.51.100.10", prefix = "10.100.0.0/16" }}   # the tenant's VPN site
vms = [
  {{ name = "s2s-vm1", host = "hv01", subnet = {vsid}, address = "10.0.1.4" }},
  {{ name = "s2s-vm2", host = "hv02", subnet = {vsid}, address = "10.0.1.5" }},
]
traffic = [{{ rate_pps = 20000, destination = "10.100.0.5" }}]   # to a host at the site
"""
