"""Active/passive gateway clusters: heartbeats, takeover, and what is lost on the way.

A WS2012 R2 gateway is a pair of VMs in a guest cluster on a 2-node host cluster, one
active, one passive [S19][S40][S41]. The nodes exchange heartbeats every second; the
passive node declares its partner down after 5 missed ones (both settable) [S42]. Then it
takes over: the VM networks' gateway records in the HNV policy point to its host, the
remote ends send to it, and the IPsec SAs are set up again on it. NAT sessions are lost
(its NAT table starts empty). Packets that reach the failed node meanwhile are dropped
with GATEWAY_FAILOVER; the results' events show the failure and the takeover.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from nvbench.fastpath.scan import live_totals
from nvbench.fastpath.verdict import GATEWAY_FAILOVER
from nvbench.model.element import Element
from nvbench.scenario.schema import Cluster, Gateway, Scenario

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation
    from nvbench.packet.batch import PacketBatch
    from nvbench.patterns.fabric import Built


# The passive node's SAs are negotiated anew at a takeover: their SPIs differ from the
# active node's by this bit, so that a packet sealed for the old node is no valid packet of
# the new one's SAs (ESP_UNKNOWN_SA), however late it arrives.
PASSIVE_SPI = 1 << 30


class Selector(Element):
    """Passes packets on, in zero time, to the active node's downlink; after a takeover,
    the packets that reach it from the takeover on (by their own time, whatever the
    quantum) go to the passive node's."""

    kind = "selector"

    def __init__(self, sim: Simulation, name: str) -> None:
        super().__init__(sim, name)
        self.standby: list[Element] = []
        self._switch: tuple[int, Element] | None = None

    def successors(self) -> list[Element]:
        return [e for e in (self.out, *self.standby) if e is not None]

    def switch(self, at_ns: int, to: Element) -> None:
        """Packets that arrive from ``at_ns`` on go to ``to``."""
        self._switch = (int(at_ns), to)

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        before, after = self.split(views, self._switch[0]) if self._switch else (views, [])
        for v in before:
            self.send(v)
        for v in after:
            assert self._switch is not None
            live, nbytes = live_totals(v.verdict, v.length, v.n)
            self.stats.delivered += live
            self.stats.delivered_bytes += nbytes
            self._switch[1].put(v)


def detection_ns(cluster: Cluster, failed_at_ns: int) -> int:
    """When the passive node declares the active one down: ``missed`` heartbeat periods
    after the last heartbeat it heard (heartbeats at whole periods from time 0)."""
    period = int(cluster.heartbeat_s * 1e9)
    last = (failed_at_ns // period) * period
    return last + cluster.missed_heartbeats * period


def partner(s: Scenario, g: Gateway) -> Gateway | None:
    """The passive node of ``g``'s cluster, if ``g`` is an active node with one."""
    if g.cluster is None or g.role != "active":
        return None
    return next((x for x in s.gateways if x.cluster == g.cluster and x.role == "passive"), None)


def fail_node(s: Scenario, built: Built, g: Gateway, at_ns: int, for_ns: int) -> None:
    """Gateway VM ``g`` fails at ``at_ns`` for ``for_ns``; its partner takes over if the
    failure lasts past the detection."""
    other = partner(s, g)
    gw = built.gateways[g.name]
    if other is None:
        gw.fail(at_ns, for_ns)
        return
    cluster = next(c for c in s.clusters if c.name == g.cluster)
    detect = detection_ns(cluster, at_ns)
    gw.fail(at_ns, for_ns, GATEWAY_FAILOVER)
    if at_ns + for_ns > detect:  # back in time, and the cluster never noticed
        # The VM networks' gateway records point to the partner's host from the takeover
        # on, for every packet encapsulated from then (a version of the HNV policy).
        pa = next(int(h.pa) for h in s.gateway_hosts if h.name == other.host)
        assert built.policy is not None
        for n in (n for n in s.vm_networks if n.gateway == g.name):
            built.policy.schedule(detect, built.rd[n.name], 0, pa, 0x00155D0FFFFF,
                                  n.gateway_subnet.vsid)  # fmt: skip
        built.sim.env.process(_takeover(s, built, g, other, at_ns, detect))


def _takeover(s: Scenario, built: Built, g: Gateway, other: Gateway, failed_at: int,
              at: int) -> Generator[simpy.Event, None, None]:  # fmt: skip
    sim = built.sim
    yield sim.env.timeout(max(0, at - sim.env.now))
    built.selectors[g.name].switch(at, built.downlinks[other.name])
    new_sas = built.gateways[other.name].sas
    assert new_sas is not None
    for src in built.vpn_sources.get(g.name, []):  # the tunnels are set up again on the new node
        src.move(new_sas, at, PASSIVE_SPI)
    # IKEv2 sets an SA up in two round trips (IKE_SA_INIT, IKE_AUTH; RFC 7296) across the
    # WAN (the farthest tunnel end's); until then the tunnels carry nothing. (Derived: the
    # Windows gateway's own re-establishment time is NOT FOUND.)
    ike = 2 * built.wan_rtt_ns.get(other.name, 0)
    built.gateways[other.name].tunnels_down(at, at + ike)
    sim.log(
        at, "takeover", other.name, f"from {g.name}, {(at - failed_at) / 1e9:g} s after it failed"
    )
    sim.log(at + ike, "tunnels up", other.name, f"IKEv2 in {ike / 1e6:g} ms")
