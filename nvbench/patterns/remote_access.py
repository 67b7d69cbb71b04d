"""Remote-access (point-to-site) VPN: clients on the Internet each hold an IKEv2 SA to the
multi-tenant gateway's front end [S14], and reach the VM network through it.

In: each client sends through its own SA to the gateway, which decrypts into the tenant's
compartment. Out: the VMs' answers leave the gateway toward the clients' population (a
sink: the clients' own side of the tunnel). Public IPv4: none of its own; the gateway's
front-end address is shared by every tenant of the gateway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.model.devices import VpnSource
from nvbench.model.element import Element
from nvbench.model.endpoints import Sink
from nvbench.model.traffic import Flows, Sizes
from nvbench.scenario.schema import Traffic, VMNetwork

if TYPE_CHECKING:
    from nvbench.patterns.fabric import Edge

CLIENT_PUBLIC = 0xC6336400  # 198.51.100.0 (TEST-NET-2): the clients' own addresses


def far_end(edge: Edge, n: VMNetwork) -> Element:
    return Sink(edge.sim, f"{n.name}.clients{edge.at}")


def sas(edge: Edge, n: VMNetwork, k: int) -> np.ndarray:
    """One inbound SA per client for the ``k``-th inbound traffic (the same SPIs on both
    nodes of a cluster)."""
    assert n.clients is not None
    r = edge.rd(n)
    first = 0x10000 * (r + 1) + 0x1000000 * k
    return np.array([edge.sas.add(first + c, n.clients.suite, CLIENT_PUBLIC + c, edge.front,
                                  tenant=r, nat_t=edge.nat_t)
                     for c in range(n.clients.count)], np.int32)  # fmt: skip


def inbound(edge: Edge, n: VMNetwork, k: int, t: Traffic, sizes: Sizes) -> Element:
    """The clients (addresses from their pool, inside the tunnel) sending to the VMs."""
    assert n.clients is not None
    vm_ips = tuple(int(vm.address) for vm in n.vms)
    pool = int(n.clients.pool.network_address) + 1
    flows = Flows(tuple(pool + c for c in range(n.clients.count)), vm_ips,
                  count=n.clients.count * len(vm_ips), mix=tuple(t.protocols.items()))  # fmt: skip
    return VpnSource(edge.sim, f"{n.name}.in{k}", edge.rd(n), flows, sizes, t.rate_pps,
                     edge.sas, sas(edge, n, k))  # fmt: skip


def standby(edge: Edge, n: VMNetwork, k: int) -> None:
    sas(edge, n, k)


def own_addresses(n: VMNetwork) -> list[str]:
    return []
