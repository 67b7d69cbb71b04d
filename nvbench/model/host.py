"""A Hyper-V host: its VMs' traffic through the vSwitch (HNV policy, NVGRE) and its NIC.

Egress: VM frames -> vSwitch (policy lookup, NVGRE encapsulation, host CPU per the cost
model) -> NIC transmit link. Ingress: NIC receive link -> vSwitch (NVGRE decapsulation and
validation) -> the VMs. NVGRE task offload changes the vSwitch's cost [S3][S9]. A gateway
VM's external vNIC is a plain port of its host's vSwitch (:class:`ExternalPort`): switched
without a tunnel, at the host's cost too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath import nvgre
from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.verdict import MOVED, new_counts
from nvbench.model.costs import Profile
from nvbench.model.element import Element
from nvbench.model.link import Link
from nvbench.model.policy import PolicyBook
from nvbench.model.station import PINNED, Station
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation


@dataclass(frozen=True)
class HostSpec:
    """A Hyper-V host's hardware and settings.

    Parameters
    ----------
    pa : int
        Provider address (WS2012 R2 uses one PA per VSID per host [S6]; one per host here).
    clock_hz : float
        Core clock.
    vswitch_cores : int
        Cores the vSwitch's packet processing spreads over (per direction, by flow: VMQ/RSS).
    offload : bool
        NVGRE task offload on the NIC [S3].
    nic_bps : float
        NIC line rate.
    provider_mtu : int
        IP MTU of the provider network (1500, or jumbo).
    queue_pkts : int, optional
        vSwitch queue, packets; None = unlimited.
    """

    pa: int
    clock_hz: float = 2.6e9
    vswitch_cores: int = 1
    offload: bool = True
    nic_bps: float = 10e9
    provider_mtu: int = nvgre.PROVIDER_MTU
    queue_pkts: int | None = 4096
    nic_buffer_bytes: int | None = 1 << 20


class VSwitch(Station):
    """One direction of a host's vSwitch: NVGRE encapsulation (egress) or decapsulation."""

    kind = "vswitch"

    def __init__(
        self,
        sim: Simulation,
        name: str,
        spec: HostSpec,
        egress: bool,
        policy: PolicyTable | PolicyBook,
        vsids: VsidTable,
        costs: Profile,
    ) -> None:
        super().__init__(
            sim, name, servers=spec.vswitch_cores, cap_pkts=spec.queue_pkts, dispatch=PINNED
        )
        self.book = policy if isinstance(policy, PolicyBook) else PolicyBook(policy)
        self.spec, self.egress, self.vsids, self.costs = spec, egress, vsids, costs
        self.tunnel = nvgre.Tunnel(spec.pa, mtu=spec.provider_mtu)
        self.counts = new_counts()
        self._ident = np.zeros(1, np.int64)
        direction = "encap" if egress else "decap"
        self.function = f"nvgre_{direction}" + ("_offload" if spec.offload else "")

    def transform(self, views: list[PacketBatch]) -> None:
        if self.egress:
            self.apply(views, self._encap, self.counts)
        else:
            self.apply(views, self._decap, self.counts)

    def _encap(self, v: PacketBatch, counts: np.ndarray) -> None:
        book = self.book
        if not book.changes:
            nvgre.encapsulate(v, book.table, self.tunnel, counts, self._ident)
            return
        # Each packet with the policy in force at its own time: the packets of the other
        # versions are set aside (a verdict the kernel skips) while one version runs.
        live = v.verdict[: v.n] == 0
        t = v.time[: v.n]
        ends = [*book.starts[1:], np.iinfo(np.int64).max]
        for start, end, table in zip(book.starts, ends, book.tables, strict=True):
            aside = np.flatnonzero(live & ((t < start) | (t >= end)))
            v.verdict[aside] = MOVED
            nvgre.encapsulate(v, table, self.tunnel, counts, self._ident)
            v.verdict[aside] = 0

    def _decap(self, v: PacketBatch, counts: np.ndarray) -> None:
        nvgre.decapsulate(v, self.vsids, counts)

    def service_table(self) -> np.ndarray:
        return self.costs.service_table(self.function, self.spec.clock_hz)

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        return self.costs.service_ns(self.function, batch.length[rows], self.spec.clock_hz)


class ExternalPort(Station):
    """One direction of the vSwitch port of a gateway VM's external vNIC: the frames are
    switched as they are (no HNV policy, no tunnel), at the profile's ``vswitch`` cost on
    the host's cores. The vNIC has its own VMQ queue [S3][S8], so the port does not queue
    behind the host's NVGRE work (assumed: which core serves the queue is NOT FOUND)."""

    kind = "vswitch"

    def __init__(self, sim: Simulation, name: str, spec: HostSpec, costs: Profile) -> None:
        super().__init__(
            sim, name, servers=spec.vswitch_cores, cap_pkts=spec.queue_pkts, dispatch=PINNED
        )
        self.spec, self.costs = spec, costs

    def service_table(self) -> np.ndarray:
        return self.costs.service_table("vswitch", self.spec.clock_hz)

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        return self.costs.service_ns("vswitch", batch.length[rows], self.spec.clock_hz)


class HyperVHost:
    """The two directions of a host. Wire ``host.egress`` and ``host.ingress`` like elements.

    ``host.egress``: put VM frames in, NVGRE frames come out of ``host.egress_out``'s
    ``.out``; ``host.ingress``: put NVGRE frames in, VM frames come out.
    """

    def __init__(
        self,
        sim: Simulation,
        name: str,
        spec: HostSpec,
        policy: PolicyTable | PolicyBook,
        vsids: VsidTable,
        costs: Profile,
    ) -> None:
        self.name, self.spec = name, spec
        self.vswitch_tx = VSwitch(sim, f"{name}.vswitch.tx", spec, True, policy, vsids, costs)
        self.nic_tx = Link(sim, f"{name}.nic.tx", spec.nic_bps, buffer_bytes=spec.nic_buffer_bytes)
        self.nic_rx = Link(sim, f"{name}.nic.rx", spec.nic_bps, buffer_bytes=spec.nic_buffer_bytes)
        self.vswitch_rx = VSwitch(sim, f"{name}.vswitch.rx", spec, False, policy, vsids, costs)
        self.vswitch_tx.connect(self.nic_tx)
        self.nic_rx.connect(self.vswitch_rx)
        self.sim, self.costs = sim, costs
        self.ports: list[ExternalPort] = []

    def external_port(self, vm: str) -> tuple[ExternalPort, ExternalPort]:
        """The vSwitch port of VM ``vm``'s external vNIC: (out of the VM, into it)."""
        pair = tuple(ExternalPort(self.sim, f"{self.name}.vswitch.{vm}.{way}", self.spec,
                                  self.costs) for way in ("out", "in"))  # fmt: skip
        self.ports += pair
        return pair[0], pair[1]

    @property
    def egress(self) -> Element:
        """Where the host's VMs send their frames."""
        return self.vswitch_tx

    @property
    def ingress(self) -> Element:
        """Where the provider network delivers NVGRE frames for this host."""
        return self.nic_rx

    def connect_egress(self, other: Element) -> Element:
        return self.nic_tx.connect(other)

    def connect_ingress(self, other: Element) -> Element:
        return self.vswitch_rx.connect(other)
