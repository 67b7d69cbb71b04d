"""A tap: copies the frames of chosen tenants as they pass, for a pcap file. Zero time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.model.element import Element
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation


class Tap(Element):
    """Passes every packet on unchanged, keeping a copy of the first ``limit`` frames of the
    tenants in ``tenants`` (all tenants if None) with the time they passed."""

    kind = "tap"

    def __init__(
        self, sim: Simulation, name: str, limit: int, tenants: set[int] | None = None
    ) -> None:
        super().__init__(sim, name)
        self.limit = limit
        self.tenants = None if tenants is None else np.array(sorted(tenants), np.int64)
        self.frames: list[tuple[int, bytes]] = []

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        for v in views:
            if len(self.frames) < self.limit:
                self._copy(v)
            self.send(v)

    def _copy(self, v: PacketBatch) -> None:
        live = v.verdict[: v.n] == 0
        if self.tenants is not None:
            live &= np.isin(v.rd[: v.n], self.tenants)
        for i in np.flatnonzero(live)[: self.limit - len(self.frames)].tolist():
            self.frames.append((int(v.time[i]), v.frame(i)))
