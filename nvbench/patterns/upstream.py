"""The upstream NAT device of a gateway whose front end is a private address (double NAT):
what it translates, which ports it forwards, and what is public on the wire.

A gateway with ``upstream_nat`` sits behind a NAPT device whose public address that is; a
connection string's ``VPNServerAddress`` other than the front end names the same kind of
device (the endpoint the tenants are told to use [S16]).
The device translates the gateway's front end and every private pool address of the
gateway's NAT tenants to its public address; it forwards UDP 4500 (IKE's NAT-T port
[S29][S31]) to the front end and each NAT tenant's published ports to the tenant's first
pool address. A public pool address passes it untranslated (routed through).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from nvbench.fastpath.nat_table import NatTable
from nvbench.model.costs import Profile
from nvbench.model.simulation import Simulation
from nvbench.model.upstream import UpstreamNat
from nvbench.packet.layouts import NAT_T_PORT
from nvbench.patterns import table
from nvbench.scenario import connection
from nvbench.scenario.schema import Gateway, VMNetwork

# Mappings of the device: 65,536 TCP + 65,536 UDP per public address, as WS2008 R2 RRAS NAT
# [S39] (the device's own figure: assumed, NOT FOUND).
MAPPINGS = 2 * 65536
PROTO = {"tcp": 6, "udp": 17}


# Addresses not routed on the Internet: RFC 1918 and the shared address space of RFC 6598.
# (The documentation ranges of RFC 5737 stand for public addresses in the scenarios.)
PRIVATE = tuple(IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                         "100.64.0.0/10"))  # fmt: skip


def private(a: IPv4Address) -> bool:
    return any(a in n for n in PRIVATE)


def address(g: Gateway) -> IPv4Address | None:
    """The public address of ``g``'s upstream NAT: ``upstream_nat``, else a
    VPNServerAddress other than the front end; None: no upstream NAT."""
    reported = connection.vpn_server_address(g)
    if g.upstream_nat is not None:
        return g.upstream_nat
    return reported if reported is not None and reported != g.front_end else None


def translated(g: Gateway, a: IPv4Address) -> bool:
    """Whether ``a`` (an address of gateway ``g``'s side) leaves through the upstream NAT
    as the NAT's public address: the front end, a private pool address."""
    return address(g) is not None and (a == g.front_end or private(a))


def public_of(g: Gateway, a: IPv4Address) -> IPv4Address:
    """The address the Internet sees for ``a``: the upstream NAT's, or ``a`` itself."""
    up = address(g)
    return up if up is not None and translated(g, a) else a


def device(sim: Simulation, g: Gateway, mine: list[VMNetwork],
           costs: Profile) -> tuple[UpstreamNat, UpstreamNat] | None:  # fmt: skip
    """The upstream NAT device of ``g`` (its VM networks ``mine``) at ``costs``: its way out
    and its way in; None if ``g`` has none."""
    up = address(g)
    if up is None:
        return None
    public = int(up)
    nats = [n for n in mine if table.get(n.pattern).function == table.NAT]
    inside = [int(g.front_end)] + [int(a) for n in nats for a in n.public_addresses
                                   if translated(g, a)]  # fmt: skip
    nat = NatTable(MAPPINGS, max_tenants=1, seed=sim.seed_for(f"{g.name}.upstream.nat"))
    nat.add_tenant(0, [public])
    nat.add_static(0, PROTO["udp"], (int(g.front_end), NAT_T_PORT), (public, NAT_T_PORT))
    for n in nats:
        first = n.public_addresses[0] if n.public_addresses else None
        if first is None or not translated(g, first):
            continue
        for m in n.static_mappings:
            nat.add_static(0, PROTO[m.protocol], (int(first), m.public_port),
                           (public, m.public_port))  # fmt: skip
    ways = (UpstreamNat(sim, f"{g.name}.upstream-nat.{way}", nat, inside, public, way == "out",
                        costs) for way in ("out", "in"))  # fmt: skip
    return next(ways), next(ways)
