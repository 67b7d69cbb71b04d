"""Topologies built in code (the scenario files of the next layer build the same way).

:func:`nat_cloud` is the reference topology of the speed benchmark: Hyper-V hosts whose VMs
belong to tenants with identical address spaces, a provider switch, a gateway host with one
gateway VM doing NAT, and an Internet uplink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.nat_table import NatTable
from nvbench.model import costs as cost_model
from nvbench.model import profiles
from nvbench.model.endpoints import Sink
from nvbench.model.gateway import GatewayVM
from nvbench.model.host import HostSpec, HyperVHost
from nvbench.model.link import Link
from nvbench.model.simulation import Simulation
from nvbench.model.switch import ProviderSwitch
from nvbench.model.traffic import Flows, PacketSource, Sizes

CA_BASE = 0x0A000104  # 10.0.1.4: every tenant numbers its VMs from here [S11]
PA_BASE = 0xC0A80000  # 192.168.0.0/16: the provider network
PUBLIC_BASE = 0xCB007100  # 203.0.113.0/24: the tenants' public NAT addresses
INTERNET_BASE = 0x08080800  # destinations on the Internet
VSID_BASE = 5001


@dataclass
class NatCloud:
    """The parts of a :func:`nat_cloud`, for inspection and further wiring."""

    hosts: list[HyperVHost]
    sources: list[PacketSource]
    switch: ProviderSwitch
    switch_down: ProviderSwitch
    gateway_host: HyperVHost
    gateway: GatewayVM
    uplink: Link
    internet: Sink
    nat: NatTable
    policy: PolicyTable


def vm_ca(index_in_tenant: int | np.ndarray) -> int | np.ndarray:
    return CA_BASE + index_in_tenant


def nat_cloud(
    sim: Simulation,
    hosts: int = 4,
    vms_per_host: int = 10,
    tenants: int = 10,
    offered_pps: float = 1e6,
    uplink_bps: float = 10e9,
    sizes: Sizes | None = None,
    flows_per_vm: int = 16,
    gateway_vcpus: int = 8,
    profile: cost_model.Profile | None = None,
    provider_mtu: int = 9000,
) -> NatCloud:
    """Build the NAT reference topology into ``sim``.

    VM ``v`` runs on host ``v // vms_per_host`` for tenant ``v % tenants``; a tenant's VMs
    get 10.0.1.4, .5, ... whatever their host, so all tenants share one address space.
    Each host's VMs send ``offered_pps / hosts`` (Poisson, IMIX by default) to Internet
    addresses through the gateway. The provider network uses jumbo frames by default, as
    HNV needs for full-size tenant frames [S7].
    """
    profile = profile or profiles.default()
    sizes = sizes or Sizes.imix()
    n_vms = hosts * vms_per_host
    tenant_of = np.arange(n_vms) % tenants
    index_in_tenant = np.arange(n_vms) // tenants
    host_pa = [PA_BASE + 10 + h for h in range(hosts)]
    gw_pa = PA_BASE + 2

    policy = PolicyTable(n_vms + tenants)
    vm_host_pa = np.array(host_pa)[np.arange(n_vms) // vms_per_host]
    vm_mac = 0x00155D000000 + np.arange(n_vms)
    policy.add(tenant_of, vm_ca(index_in_tenant), vm_host_pa, vm_mac, VSID_BASE + tenant_of)
    policy.add(np.arange(tenants), 0, gw_pa, 0x00155D00FFFF, VSID_BASE + np.arange(tenants))
    vsids = VsidTable()
    vsids.add(VSID_BASE + np.arange(tenants), np.arange(tenants))

    # The provider switch forwards in zero time, so its two directions can be two elements:
    # that keeps the element graph free of loops (host -> gateway -> host).
    switch = ProviderSwitch(sim, "provider.up")
    down = ProviderSwitch(sim, "provider.down")
    host_objs, sources = [], []
    for h in range(hosts):
        spec = HostSpec(pa=host_pa[h], provider_mtu=provider_mtu)
        host = HyperVHost(sim, f"host{h}", spec, policy, vsids, profile)
        host.connect_egress(switch)
        switch.route(host_pa[h], [host.ingress])
        down.route(host_pa[h], [host.ingress])
        vms = range(h * vms_per_host, (h + 1) * vms_per_host)
        flows = Flows(
            src=tuple(CA_BASE + int(index_in_tenant[v]) for v in vms),
            dst=tuple(INTERNET_BASE + k for k in range(flows_per_vm)),
            count=vms_per_host * flows_per_vm,
        )
        src = PacketSource(sim, f"vms{h}", tuple(int(tenant_of[v]) for v in vms), flows, sizes,
                           rate_pps=offered_pps / hosts)  # fmt: skip
        src.connect(host.egress)
        host_objs.append(host)
        sources.append(src)
        host.connect_ingress(Sink(sim, f"host{h}.vms"))

    nat = NatTable(1 << 16, max_tenants=max(tenants, 1), seed=sim.seed_for("gateway.nat"))
    for t in range(tenants):
        nat.add_tenant(t, [PUBLIC_BASE + 1 + t])
    gw_spec = HostSpec(pa=gw_pa, provider_mtu=provider_mtu)
    gw_host = HyperVHost(sim, "gwhost", gw_spec, policy, vsids, profile)
    switch.route(gw_pa, [gw_host.ingress])
    gateway = GatewayVM(sim, "gateway", "nat", profile, vcpus=gateway_vcpus, nat=nat)
    gw_host.connect_ingress(gateway.inside)
    gateway.inside.connect(gw_host.egress)
    gw_host.connect_egress(down)
    uplink = Link(sim, "uplink", uplink_bps, delay_ns=1_000_000, buffer_bytes=1 << 22)
    internet = Sink(sim, "internet")
    gateway.outside.connect(uplink).connect(internet)
    return NatCloud(
        host_objs, sources, switch, down, gw_host, gateway, uplink, internet, nat, policy
    )
