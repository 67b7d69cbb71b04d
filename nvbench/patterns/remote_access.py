"""Remote-access (point-to-site) VPN: clients on the Internet each hold an IKEv2 connection
to the multi-tenant gateway's front end [S14], and reach the VM network through it.

In: each client sends through its own SA, across the clients' WAN link, to the gateway,
which decrypts into the tenant's compartment. Out: a VM's packet to a client's address
(from the tenant's client pool) goes into that client's outbound SA and crosses the WAN
link to the clients, who decrypt it. Each client's SAs, both ways, run on one vCPU of the
gateway; the population's many connections spread over the vCPUs. Public IPv4: none of
its own; the gateway's front-end address is shared by every tenant of the gateway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.model.devices import VpnPeer, VpnSource
from nvbench.model.element import Element
from nvbench.model.traffic import Flows, Sizes
from nvbench.scenario.schema import Traffic, VMNetwork

if TYPE_CHECKING:
    from nvbench.patterns.edge import Edge

# The clients' own addresses: 198.18.0.1 on (RFC 2544's test range, 131,072 addresses).
CLIENT_PUBLIC = 0xC6120001


def pool_start(n: VMNetwork) -> int:
    """Client ``c`` holds the address ``pool_start + c`` of the tenant's client pool."""
    assert n.clients is not None
    return int(n.clients.pool.network_address) + 1


def far_end(edge: Edge, n: VMNetwork) -> Element:
    """The clients behind their WAN link, and each client's outbound SA and route."""
    assert n.clients is not None
    r, c = edge.rd(n), n.clients
    out = np.array([edge.sas.add(edge.spi(r, 0, j), c.suite, int(edge.g.front_end),
                                 CLIENT_PUBLIC + j, tenant=r, nat_t=edge.nat_t)
                    for j in range(c.count)], np.int32)  # fmt: skip
    edge.routes.add_pool(r, pool_start(n), out)
    clients = VpnPeer(edge.sim, f"{n.name}.clients{edge.at}", edge.sas)
    return edge.wan_out(f"{n.name}.clients", c.wan, clients)


def sas(edge: Edge, n: VMNetwork, k: int) -> np.ndarray:
    """One inbound SA per client for the ``k``-th inbound traffic, each a child SA of the
    client's connection (the same SPIs on both nodes of a cluster)."""
    assert n.clients is not None
    r, c = edge.rd(n), n.clients
    out = edge.sas.spi_index.find(np.array([edge.spi(r, 0, j) for j in range(c.count)]))
    return np.array([edge.sas.add(edge.spi(r, k + 1, j), c.suite, CLIENT_PUBLIC + j, edge.front,
                                  tenant=r, nat_t=edge.nat_t, pin=int(out[j]))
                     for j in range(c.count)], np.int32)  # fmt: skip


def inbound(edge: Edge, n: VMNetwork, k: int, t: Traffic, sizes: Sizes) -> Element:
    """The clients (addresses from their pool, inside the tunnel) sending to the VMs, over
    the clients' WAN link."""
    assert n.clients is not None
    vm_ips = tuple(int(vm.address) for vm in n.vms)
    first = pool_start(n)
    flows = Flows(tuple(first + c for c in range(n.clients.count)), vm_ips,
                  count=n.clients.count * len(vm_ips), mix=tuple(t.protocols.items()))  # fmt: skip
    src = VpnSource(edge.sim, f"{n.name}.in{k}", edge.rd(n), flows, sizes, t.rate_pps,
                    edge.sas, sas(edge, n, k), mtu=edge.g.external_mtu,
                    clear_df=edge.g.esp_df == "clear")  # fmt: skip
    src.connect(edge.wan_in(f"{n.name}.in{k}", n.clients.wan))
    return src


def standby(edge: Edge, n: VMNetwork, k: int, t: Traffic) -> None:
    sas(edge, n, k)


def own_addresses(n: VMNetwork) -> list[str]:
    return []


# What `nvbench init` writes for a VM network of this pattern, after its name, gateway,
# pattern and subnets: its far end and traffic, with words ({vsid}: its subnet's VSID).
STARTER = """\
clients = {{ count = 50, pool = "10.200.0.0/24" }}   # point-to-site VPN clients, their pool
vms = [{{ name = "ra-vm1", host = "hv02", subnet = {vsid}, address = "10.0.1.4" }}]
traffic = [{{ direction = "inbound", rate_pps = 20000 }}]   # from the clients
"""
