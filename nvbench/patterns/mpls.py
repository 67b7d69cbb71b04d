"""MPLS or equivalent: a forwarding gateway (DirectRoutingMode=true) serves one VM network
and hands its packets, untranslated, to the provider edge (PE) router of the tenant's
MPLS VPN [S16][S19].

Out: the gateway forwards to the PE router. In: the PE router sends to the VMs' own
addresses. Public IPv4: none; the gateway faces the provider's network, not the Internet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.model.devices import PeRouter, VlanTagger
from nvbench.model.element import Element
from nvbench.model.traffic import Flows, PacketSource, Sizes
from nvbench.scenario.schema import Traffic, VMNetwork

if TYPE_CHECKING:
    from nvbench.patterns.edge import Edge


def _vlans(edge: Edge, n: VMNetwork) -> np.ndarray | None:
    """The VM network's VLAN by routing domain, if it has one."""
    if n.vlan is None:
        return None
    out = np.zeros(edge.sim.max_tenants, np.int64)
    out[edge.rd(n)] = n.vlan
    return out


def far_end(edge: Edge, n: VMNetwork) -> Element:
    """The PE router, on the VM network's VLAN."""
    return PeRouter(edge.sim, f"{n.name}.pe{edge.at}", _vlans(edge, n))


def inbound(edge: Edge, n: VMNetwork, k: int, t: Traffic, sizes: Sizes) -> Element:
    """From the PE router, straight to the VMs' addresses."""
    vm_ips = tuple(int(vm.address) for vm in n.vms)
    flows = Flows((int(t.destination),), vm_ips, count=t.flows, mix=tuple(t.protocols.items()))
    src = PacketSource(edge.sim, f"{n.name}.in{k}", edge.rd(n), flows, sizes, t.rate_pps,
                       t.process, direction="inbound")  # fmt: skip
    vlans = _vlans(edge, n)
    to: Element = edge.entry  # the PE router is at the provider's edge: no WAN between
    if vlans is not None:
        to = VlanTagger(edge.sim, f"{n.name}.pe.vlan{k}", vlans)
        to.connect(edge.entry)
    src.connect(to)
    return src


def standby(edge: Edge, n: VMNetwork, k: int, t: Traffic) -> None:
    """Nothing to set up: forwarding keeps no per-tenant state."""


def own_addresses(n: VMNetwork) -> list[str]:
    return []


# What `nvbench init` writes for a VM network of this pattern, after its name, gateway,
# pattern and subnets: its far end and traffic, with words ({vsid}: its subnet's VSID).
STARTER = """\
vlan = 100   # handed to the PE router on this 802.1Q VLAN
vms = [{{ name = "mpls-vm1", host = "hv01", subnet = {vsid}, address = "10.0.1.4" }}]
traffic = [{{ rate_pps = 20000, destination = "10.50.0.5" }}]   # to the tenant's MPLS VPN
"""
