"""Devices outside the HNV fabric: the remote-site VPN peer, the MPLS PE router, the
external 1:1 NAT device, and the population of remote-access (point-to-site) clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath import esp, vlan
from nvbench.fastpath.nat1to1 import StaticNat
from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.verdict import new_counts
from nvbench.model import pieces
from nvbench.model.costs import Profile
from nvbench.model.element import Element
from nvbench.model.endpoints import Sink
from nvbench.model.merge import merged_frames
from nvbench.model.station import Station
from nvbench.model.traffic import Flows, PacketSource, Sizes
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation


def _checked(sink: Sink, views: list[PacketBatch], fn) -> None:
    """``fn(view)`` on each view, the packets it drops booked as ``sink``'s drops."""
    for v in views:
        before = v.verdict[: v.n] == 0
        fn(v)
        gone = np.flatnonzero(before & (v.verdict[: v.n] != 0))
        if gone.shape[0]:
            sink.dropped(v, gone)


class VpnPeer(Sink):
    """A remote site's VPN device, or a remote-access client population: decrypts the
    tunnels (their SAs) and takes the packets.

    The packets are decrypted in arrival order across all the views of a quantum, as the
    device receives them: its 64-packet anti-replay window (RFC 4303 3.4.3) would drop
    packets merely processed out of order. ESP packets that came in pieces are joined
    first (:mod:`nvbench.model.pieces`). A packet that fails ESP validation (unknown SA,
    replay, bad ICV) is dropped here with its verdict; the rest are delivered.
    """

    def __init__(self, sim: Simulation, name: str, sas: SaTable) -> None:
        super().__init__(sim, name)
        self.sas = sas
        self.counts = new_counts()
        pieces.receiver(self)

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        views = merged_frames(self.sim, views)
        for v in views:
            pieces.join(self, v, self.counts)
        pieces.give_up(self, t1, self.counts)
        _checked(self, views, lambda v: esp.decapsulate(v, self.sas, self.counts))
        super().process(views, t0, t1)


class PeRouter(Sink):
    """The MPLS provider-edge router behind a forwarding gateway: takes the tenant's frames
    as they are (direct routing: no tunnel, no translation), on the tenant's VLAN if it has
    one (``vlans[rd]``, 0 for none; a frame on another is dropped as NO_ROUTE)."""

    def __init__(self, sim: Simulation, name: str, vlans: np.ndarray | None = None) -> None:
        super().__init__(sim, name)
        self.vlans = vlans
        self.counts = new_counts()

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        vlans = self.vlans
        if vlans is not None:
            _checked(self, views, lambda v: vlan.pop(v, vlans, self.counts))
        super().process(views, t0, t1)


class VlanTagger(Element):
    """Where a tenant's VLAN trunk starts: tags each frame with its tenant's VLAN
    (``vlans[rd]``), in zero time (the PE router's side of a forwarding gateway)."""

    kind = "tagger"

    def __init__(self, sim: Simulation, name: str, vlans: np.ndarray) -> None:
        super().__init__(sim, name)
        self.vlans = vlans
        self.counts = new_counts()

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        for v in views:
            vlan.push(v, self.vlans, self.counts)
            self.send(v)


class NatDevice(Station):
    """An external 1:1 NAT device for the public-IP-per-VM pattern, one direction.

    ``outbound=True`` maps each exposed VM's source to its public address; ``False`` maps
    the public destination back (and sets ``rd``). Unmapped packets get NAT_NO_SESSION.
    """

    kind = "nat_device"

    def __init__(
        self,
        sim: Simulation,
        name: str,
        table: StaticNat,
        outbound: bool,
        costs: Profile,
        clock_hz: float = 2.6e9,
        queue_pkts: int | None = 4096,
    ) -> None:
        super().__init__(sim, name, servers=1, cap_pkts=queue_pkts)
        self.table, self.outbound, self.costs, self.clock_hz = table, outbound, costs, clock_hz
        self.counts = new_counts()

    def transform(self, views: list[PacketBatch]) -> None:
        fn = self.table.outbound if self.outbound else self.table.inbound
        self.apply(views, fn, self.counts)

    def service_table(self) -> np.ndarray:
        return self.costs.service_table("nat_1to1", self.clock_hz)

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        return self.costs.service_ns("nat_1to1", batch.length[rows], self.clock_hz)


class VpnSource(PacketSource):
    """Tenant traffic arriving through ESP tunnels: remote sites, or remote-access clients.

    Each flow belongs to one tunnel: flow ``f`` uses SA ``sa_of_flow[f % len]`` of ``sas``
    (a site's SA for S2S; one SA per client for remote access). The frames are built from
    ``flows`` (inner addresses) and then ESP-encapsulated, so they reach the gateway as the
    real thing. With ``clear_df``, its SAs clear DF and a packet over the path MTU leaves
    in pieces (:mod:`nvbench.model.pieces`); else it is dropped as TOO_BIG.
    """

    def __init__(
        self,
        sim: Simulation,
        name: str,
        tenant: int | tuple[int, ...],
        flows: Flows,
        sizes: Sizes,
        rate_pps: float,
        sas: SaTable,
        sa_of_flow: np.ndarray,
        process: str = "poisson",
        mtu: int = 1500,
        clear_df: bool = False,
    ) -> None:
        super().__init__(sim, name, tenant, flows, sizes, rate_pps, process, direction="inbound")
        self.sas, self.mtu = sas, mtu  # the path MTU its ESP packets must fit
        self.clear_df = clear_df
        self.sa_of_flow = np.asarray(sa_of_flow, np.int32)
        self.counts = new_counts()

        self._moved: tuple[int, SaTable, np.ndarray] | None = None

    def move(self, sas: SaTable, at_ns: int, spi_bit: int) -> None:
        """The tunnels move to ``sas`` (another gateway node's) for the packets sent from
        ``at_ns`` on; their SPIs there differ by ``spi_bit``."""
        spis = self.sas.cols[0][self.sa_of_flow] ^ spi_bit
        self._moved = (int(at_ns), sas, sas.spi_index.find(spis).astype(np.int32))

    def send(self, batch: PacketBatch) -> None:
        n = batch.n
        rows = np.arange(n)
        if self._moved is not None:  # by each packet's send time, whatever the quantum
            at, sas, sa_of_flow = self._moved
            late = batch.time[:n] >= at
            self._seal(batch, rows[~late], self.sas, self.sa_of_flow)
            self._seal(batch, rows[late], sas, sa_of_flow)
        else:
            self._seal(batch, rows, self.sas, self.sa_of_flow)
        gone = np.flatnonzero(batch.verdict[:n] != 0)
        if gone.shape[0]:
            self.dropped(batch, gone)
        more = pieces.cut(self, batch, self.mtu, self.counts) if self.clear_df else None
        super().send(batch)
        if more is not None:
            super().send(more)

    def _seal(self, batch: PacketBatch, rows: np.ndarray, sas: SaTable,
              sa_of_flow: np.ndarray) -> None:  # fmt: skip
        """ESP-encapsulate packets ``rows`` with their flows' SAs of ``sas``."""
        batch.sa[rows] = sa_of_flow[batch.flow[rows] % sa_of_flow.shape[0]]
        esp.encapsulate(batch, sas, self.counts, mtu=self.mtu, rows=rows,
                        clear_df=self.clear_df)  # fmt: skip


def remote_access_clients(
    sim: Simulation,
    name: str,
    tenant: int,
    clients: int,
    pool: int,
    vms: tuple[int, ...],
    gateway_address: int,
    sas: SaTable,
    rate_pps: float,
    sizes: Sizes,
    suite: str = "aes-gcm-128",
    first_spi: int = 0x10000,
    first_public: int = 0xC6120001,
) -> VpnSource:
    """A population of ``clients`` remote-access clients of ``tenant`` (IKEv2, one SA each).

    Client ``k`` has the inner address ``pool + k`` (the tenant's client address pool [S14])
    and the public address ``first_public + k`` (198.18.0.1 onward by default); its
    tunnel ends at the gateway's shared front-end address.
    """
    sa = np.array(
        [
            sas.add(first_spi + k, suite, first_public + k, gateway_address, tenant=tenant)
            for k in range(clients)
        ],
        np.int32,
    )
    flows = Flows(tuple(pool + k for k in range(clients)), vms, count=clients * len(vms))
    return VpnSource(sim, name, tenant, flows, sizes, rate_pps, sas, sa)
