"""Where packets end: sinks that count what arrives, per tenant, with end-to-end latency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nvbench.fastpath.sketch import LatencySketch, SketchSet
from nvbench.model.element import Element
from nvbench.model.metrics import TenantCounters
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation


class Sink(Element):
    """Absorbs packets: delivered end to end. Latency = arrival here - time sent (``born``).

    Each tenant's latency goes into a sketch of its own (bounded memory, see
    :mod:`nvbench.fastpath.sketch`).
    """

    kind = "sink"

    def __init__(self, sim: Simulation, name: str) -> None:
        super().__init__(sim, name)
        self.tenants = TenantCounters(sim.max_tenants)
        self.latency = LatencySketch()
        self.by_tenant = SketchSet(sim.max_tenants)

    def reset_stats(self) -> int:
        self.tenants = TenantCounters(self.sim.max_tenants)
        self.latency = LatencySketch()
        self.by_tenant = SketchSet(self.sim.max_tenants)
        return super().reset_stats()

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        for v in views:
            live = v.verdict[: v.n] == 0
            rd, length = v.rd[: v.n][live], v.length[: v.n][live]
            delay = v.time[: v.n][live] - v.born[: v.n][live]
            self.absorb(v, rd, length, delay)

    def absorb(self, batch, rd, length, delay) -> None:
        self.tenants.add(rd, length)
        self.latency.add(delay)
        self.by_tenant.add(rd, delay)
        self.stats.delivered += rd.shape[0]
        self.stats.delivered_bytes += int(length.sum())
