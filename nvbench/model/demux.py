"""Hand packets to one of several elements by their routing domain (tenant).

Stands where one interface serves many tenants: a gateway host's vSwitch delivering to the
gateway VM of each VM network, or an uplink reaching each tenant's remote end. Zero time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.gather import copy_packets
from nvbench.fastpath.verdict import NO_ROUTE
from nvbench.model.element import Element
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation


class TenantDemux(Element):
    """``route(rd, element)``; packets of an unrouted tenant are dropped with NO_ROUTE."""

    kind = "demux"

    def __init__(self, sim: Simulation, name: str) -> None:
        super().__init__(sim, name)
        self._to = np.full(sim.max_tenants, -1, np.int64)
        self._targets: list[Element] = []

    def route(self, rd: int, target: Element) -> None:
        if all(target is not t for t in self._targets):
            self._targets.append(target)
        self._to[rd] = next(i for i, t in enumerate(self._targets) if t is target)

    def successors(self) -> list[Element]:
        return list(self._targets)

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        for v in views:
            live = v.verdict[: v.n] == 0
            port = np.where(live, self._to[np.clip(v.rd[: v.n], 0, self._to.shape[0] - 1)], -2)
            lost = np.flatnonzero(port == -1)
            if lost.shape[0]:
                v.verdict[lost] = NO_ROUTE
                self.dropped(v, lost)
            used = np.unique(port[port >= 0])
            if used.shape[0] == 1:
                self._hand(self._targets[int(used[0])], v)
                continue
            for p in used.tolist():
                rows = np.flatnonzero(port == p)
                out = self.sim.new_batch(rows.shape[0])
                copy_packets(v, rows, out, np.arange(rows.shape[0]))
                out.n = rows.shape[0]
                self._hand(self._targets[p], out)

    def _hand(self, target: Element, batch: PacketBatch) -> None:
        live = batch.verdict[: batch.n] == 0
        self.stats.delivered += int(live.sum())
        self.stats.delivered_bytes += int(batch.length[: batch.n][live].sum())
        target.put(batch)
