"""A gateway VM's external side, where its VM networks' far ends and inbound traffic attach
(what each pattern module builds on), and the WAN links between the gateway's edge and the
far ends: a site, a client population, the Internet hosts.

Defaults of a WAN link (scenario ``wan``; assumed, stated in docs/patterns.md and under
``compare``'s table): 1 Gbit/s, 1 ms one way, no loss; the edge router's queue toward it
holds 4 MiB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.tunnels import TunnelRoutes
from nvbench.model.element import Element
from nvbench.model.link import Link
from nvbench.model.simulation import Simulation
from nvbench.patterns import failover, table, upstream
from nvbench.scenario.schema import Gateway as GatewayConfig
from nvbench.scenario.schema import VMNetwork, Wan

if TYPE_CHECKING:
    from nvbench.patterns.fabric import Built

GBPS = 1e9
WAN_BUFFER_BYTES = 1 << 22  # the edge router's queue toward a WAN link (assumed)


def _ip(a: IPv4Address) -> int:
    return int(a)


@dataclass
class Edge:
    """One gateway VM's external side, where its VM networks' far ends and inbound traffic
    attach (what a pattern module builds on)."""

    built: Built
    g: GatewayConfig
    sas: SaTable
    routes: TunnelRoutes  # which outbound SA a tenant's packet goes into
    internet: Element  # the Internet hosts, across the gateway's Internet WAN link
    entry: Element  # where inbound traffic enters: the downlink, or the failover selector
    from_internet: Element  # where it enters from the Internet: the upstream NAT, or entry
    tap: Callable[[str, Element], Element] = lambda _name, target: target  # a capture point

    @property
    def sim(self) -> Simulation:
        return self.built.sim

    def rd(self, n: VMNetwork) -> int:
        return self.built.rd[n.name]

    @property
    def nat_t(self) -> bool:
        """IKE moves to UDP 4500 behind a NAT [S31]."""
        return upstream.address(self.g) is not None

    @property
    def front(self) -> int:
        """The address the outside world sees for the gateway (its upstream NAT's, if any)."""
        return _ip(upstream.public_of(self.g, self.g.front_end))

    @property
    def at(self) -> str:
        """The suffix of a passive node's own far ends."""
        return "" if self.g.role == "active" else f"@{self.g.name}"

    def spi(self, rd: int, child: int, end: int) -> int:
        """The SPI of tunnel end ``end`` (a site, a client) of tenant ``rd``: child 0 is
        the outbound SA, child ``k + 1`` the inbound SA of the ``k``-th inbound traffic.
        A passive node's differ by one bit (the SAs negotiated at a takeover)."""
        node = 0 if self.g.role == "active" else failover.PASSIVE_SPI
        return 0x1000 + node + (rd << 21) + (child << 17) + end

    def wan_out(self, name: str, wan: Wan, to: Element) -> Link:
        """A WAN link from the gateway's edge to far end ``to``."""
        return self._wan(f"{name}.wan.out", wan, to)

    def wan_in(self, name: str, wan: Wan, to: Element | None = None) -> Link:
        """A WAN link from a far end across the Internet to the gateway's edge (or to
        ``to`` on the way)."""
        return self._wan(f"{name}.wan.in", wan, to or self.from_internet)

    def _wan(self, name: str, wan: Wan, to: Element) -> Link:
        return wan_link(self.built, self.g, name + self.at, wan, to)


def wan_link(built: Built, g: GatewayConfig, name: str, wan: Wan, to: Element) -> Link:
    """One direction of a WAN path of gateway ``g``'s far ends, leading to ``to``."""
    delay = int(round(wan.delay_ms * 1e6))
    rtt = built.wan_rtt_ns
    rtt[g.name] = max(rtt.get(g.name, 0), 2 * delay)
    link = Link(built.sim, name, wan.gbps * GBPS, delay_ns=delay, buffer_bytes=WAN_BUFFER_BYTES,
                loss=wan.loss, jitter_ns=wan.jitter_ms * 1e6)  # fmt: skip
    link.connect(to)
    return link


def wan_delay_ms(n: VMNetwork, g: GatewayConfig) -> float | None:
    """The longest one-way delay of the WAN links between the gateway's edge and the VM
    network's far ends (its sites, its clients, or the Internet); None: no WAN (MPLS)."""
    wans = [x.wan for x in n.remote_sites] + ([n.clients.wan] if n.clients else [])
    if table.get(n.pattern).public_ipv4 in (table.POOL, table.PER_VM):
        wans.append(g.internet)
    return max((w.delay_ms for w in wans), default=None)
