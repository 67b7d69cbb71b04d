"""Where packets end: sinks that count what arrives, per tenant, with end-to-end latency."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.sketch import LatencySketch, SketchSet, absorb
from nvbench.fastpath.verdict import MOVED
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
            self.absorb(v)

    def absorb(self, batch: PacketBatch) -> None:
        """Take the live packets of ``batch``: tenants' counts, latency sketches, books.
        A packet a router originated (an ICMP error: a negative ``flow``) ends here
        absorbed by the receiver's stack, not delivered as tenant traffic."""
        n = batch.n
        theirs = np.flatnonzero((batch.flow[:n] < 0) & (batch.verdict[:n] == 0))
        if theirs.shape[0]:
            t = self.stats.absorbed_by.shape[0]
            rd = np.clip(batch.rd[theirs], 0, t - 1)
            self.stats.absorbed_by += np.bincount(rd, minlength=t)[:t]
            batch.verdict[theirs] = MOVED
        args = (batch.verdict, batch.rd, batch.length, batch.time, batch.born, batch.n,
                self.tenants.packets, self.tenants.bytes, self.latency.hist,
                self.latency.stats, self.by_tenant.index)  # fmt: skip
        c, nbytes = absorb(*args, self.by_tenant.hist, self.by_tenant.stats)
        if c < 0:  # a tenant seen here for the first time: give it its sketch
            live = batch.rd[: batch.n][batch.verdict[: batch.n] == 0]
            t = self.tenants.packets.shape[0]
            self.by_tenant.make(live[(live >= 0) & (live < t)])
            c, nbytes = absorb(*args, self.by_tenant.hist, self.by_tenant.stats)
        self.stats.delivered += c
        self.stats.delivered_bytes += nbytes
