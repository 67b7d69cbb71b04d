"""Site-to-site IPsec VPN: a multi-tenant gateway holds one IKEv2 connection per VM network
to the remote site's VPN peer, across the Internet [S14].

Out: the gateway encrypts the tenant's packets into the site's tunnel (ESP, or NAT-T on UDP
4500 behind an upstream NAT [S31]) and the site's peer decrypts them. In: the site sends to
the VMs through its tunnel to the gateway's public front end. Public IPv4: none of its
own; the gateway's front-end address is shared by every tenant of the gateway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.model.devices import VpnPeer, VpnSource
from nvbench.model.element import Element
from nvbench.model.traffic import Flows, Sizes
from nvbench.scenario.schema import Traffic, VMNetwork

if TYPE_CHECKING:
    from nvbench.patterns.fabric import Edge


def far_end(edge: Edge, n: VMNetwork) -> Element:
    """The site's VPN peer, and the gateway's outbound SA toward it."""
    assert n.site is not None
    r = edge.rd(n)
    edge.tunnel_sa[r] = edge.sas.add(0x1000 + 2 * r, n.site.suite, int(edge.g.front_end),
                                     int(n.site.peer), tenant=r, nat_t=edge.nat_t)  # fmt: skip
    return VpnPeer(edge.sim, f"{n.name}.site{edge.at}", edge.sas)


def sas(edge: Edge, n: VMNetwork, k: int) -> np.ndarray:
    """The inbound SA of the ``k``-th inbound traffic from the site (the same SPI on both
    nodes of a cluster)."""
    assert n.site is not None
    r = edge.rd(n)
    spi = 0x1001 + 2 * r + 0x100000 * k
    return np.array([edge.sas.add(spi, n.site.suite, int(n.site.peer), edge.front, tenant=r,
                                  nat_t=edge.nat_t)], np.int32)  # fmt: skip


def inbound(edge: Edge, n: VMNetwork, k: int, t: Traffic, sizes: Sizes) -> Element:
    """The site's hosts sending to the VMs through the tunnel."""
    vm_ips = tuple(int(vm.address) for vm in n.vms)
    flows = Flows((int(t.destination),), vm_ips, count=t.flows, mix=tuple(t.protocols.items()))
    return VpnSource(edge.sim, f"{n.name}.in{k}", edge.rd(n), flows, sizes, t.rate_pps,
                     edge.sas, sas(edge, n, k))  # fmt: skip


def standby(edge: Edge, n: VMNetwork, k: int) -> None:
    sas(edge, n, k)


def own_addresses(n: VMNetwork) -> list[str]:
    return []
