"""NAT on the gateway: the multi-tenant gateway translates the VM network's private
addresses to its pool of public addresses (NAPT) on the way to the Internet [S16].

Out: the gateway's NAT44 maps each flow to a public address and port. In: only published
ports reach the VMs from outside (the VM network's static mappings); the rest is dropped
as unsolicited, or, for a connection attempt (SYN) at a gateway that holds them, held and
answered (:mod:`nvbench.model.syn_hold`). Public IPv4: the VM network's pool, one address
or several.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nvbench.model.element import Element
from nvbench.model.traffic import TCP_ACK, TCP_SYN, Flows, PacketSource, Sizes
from nvbench.patterns import upstream
from nvbench.scenario.schema import Traffic, VMNetwork

if TYPE_CHECKING:
    from nvbench.patterns.edge import Edge

UNPUBLISHED_PORT = 1024  # inbound traffic's port when nothing is published
# The size of a SYN with the usual options (MSS, SACK permitted, timestamps, window scale:
# 20 bytes): Ethernet 14 + IPv4 20 + TCP 40 (assumed: a typical client's SYN). The builder
# writes no TCP options: the 20 bytes ride as payload (tshark: "Len=20"), same wire size.
SYN_FRAME = 74


def far_end(edge: Edge, n: VMNetwork) -> Element:
    """The Internet, across the gateway's Internet WAN link."""
    return edge.internet


def inbound(edge: Edge, n: VMNetwork, k: int, t: Traffic, sizes: Sizes) -> Element:
    """Internet hosts sending to the pool's first address (the upstream NAT's, for a private
    pool behind one), on the first published port (TCP or UDP: ICMP has no port to
    publish); with ``syn``, connection attempts (every TCP segment a SYN)."""
    port = n.static_mappings[0].public_port if n.static_mappings else UNPUBLISHED_PORT
    mix = tuple((p, w) for p, w in t.protocols.items() if p != "icmp") or (("tcp", 1.0),)
    mix = (("tcp", 1.0),) if t.syn else mix  # connection attempts are TCP
    to = upstream.public_of(edge.g, n.public_addresses[0])  # behind a double NAT: the upstream's
    flows = Flows((int(t.destination),), (int(to),), count=t.flows, mix=mix,
                  dport=port)  # fmt: skip
    if t.syn and "sizes" not in t.model_fields_set:
        sizes = Sizes.fixed(SYN_FRAME)
    src = PacketSource(edge.sim, f"{n.name}.in{k}", edge.rd(n), flows, sizes, t.rate_pps,
                       t.process, direction="inbound",
                       tcp_flags=TCP_SYN if t.syn else TCP_ACK)  # fmt: skip
    src.connect(edge.wan_in(f"{n.name}.in{k}", edge.g.internet))
    return src


def standby(edge: Edge, n: VMNetwork, k: int, t: Traffic) -> None:
    """Nothing to set up: a takeover starts with an empty NAT table."""


def own_addresses(n: VMNetwork) -> list[str]:
    return [str(a) for a in n.public_addresses]


# What `nvbench init` writes for a VM network of this pattern, after its name, gateway,
# pattern and subnets: its far end and traffic, with words ({vsid}: its subnet's VSID).
STARTER = """\
public_addresses = ["203.0.113.1"]   # the NAT pool on the gateway
vms = [{{ name = "nat-vm1", host = "hv01", subnet = {vsid}, address = "10.0.1.4" }}]
traffic = [{{ rate_pps = 20000 }}]   # to the Internet
"""
