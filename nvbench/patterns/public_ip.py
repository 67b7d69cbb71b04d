"""Public IP per VM: a forwarding gateway (DirectRoutingMode=true) hands the VM network's
packets to the provider's internal network, where an external NAT device translates each
exposed VM's private address 1:1 to its own public address [S19].

Out: the gateway forwards; the 1:1 NAT device rewrites the source to the VM's public
address on the way to the Internet. In: Internet hosts send to the public addresses; the
device rewrites them to the VMs' private ones. Public IPv4: one per exposed VM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nvbench.fastpath.nat1to1 import StaticNat
from nvbench.model.devices import NatDevice
from nvbench.model.element import Element
from nvbench.model.traffic import Flows, PacketSource, Sizes
from nvbench.scenario.schema import Traffic, VMNetwork

if TYPE_CHECKING:
    from nvbench.patterns.edge import Edge


def far_end(edge: Edge, n: VMNetwork) -> Element:
    """The outbound 1:1 NAT device, leading to the Internet; its table is the VM network's
    (the inbound device shares it)."""
    r = edge.rd(n)
    table = StaticNat(max(1, len(n.vms)))
    for vm in n.vms:
        if vm.public is not None:
            table.add(r, int(vm.address), int(vm.public))
    edge.built.one_to_one.setdefault(n.name, table)
    costs = edge.built.gateways[edge.g.name].costs
    device = NatDevice(edge.sim, f"{n.name}.nat-out{edge.at}", table, True, costs)
    device.connect(edge.tap(f"{n.name}.internet.out{edge.at}", edge.internet))  # public side
    return device


def inbound(edge: Edge, n: VMNetwork, k: int, t: Traffic, sizes: Sizes) -> Element:
    """Internet hosts sending to the VMs' public addresses, across the Internet WAN link and
    through the inbound 1:1 NAT."""
    publics = tuple(int(vm.public) for vm in n.vms if vm.public is not None)
    flows = Flows((int(t.destination),), publics, count=t.flows, mix=tuple(t.protocols.items()))
    src = PacketSource(edge.sim, f"{n.name}.in{k}", edge.rd(n), flows, sizes, t.rate_pps,
                       t.process, direction="inbound")  # fmt: skip
    costs = edge.built.gateways[edge.g.name].costs
    device = NatDevice(edge.sim, f"{n.name}.nat-in", edge.built.one_to_one[n.name], False, costs)
    src.connect(edge.wan_in(f"{n.name}.in{k}", edge.g.internet,
                            to=edge.tap(f"{n.name}.internet.in{k}", device)))  # fmt: skip
    device.connect(edge.entry)
    return src


def standby(edge: Edge, n: VMNetwork, k: int, t: Traffic) -> None:
    """Nothing to set up: the 1:1 NAT device is not part of the gateway."""


def own_addresses(n: VMNetwork) -> list[str]:
    return [str(vm.public) for vm in n.vms if vm.public is not None]


# What `nvbench init` writes for a VM network of this pattern, after its name, gateway,
# pattern and subnets: its far end and traffic, with words ({vsid}: its subnet's VSID).
STARTER = """\
vms = [   # each VM's public address, 1:1 NAT on an external device
  {{ name = "pub-vm1", host = "hv02", subnet = {vsid}, address = "10.0.1.4", public = "203.0.113.21" }},
]
traffic = [{{ rate_pps = 20000 }}]
"""
