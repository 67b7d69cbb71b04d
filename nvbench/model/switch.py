"""The provider network's switch: routes NVGRE frames to hosts and gateways, ECMP over paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.ecmp import choose
from nvbench.fastpath.gather import copy_packets
from nvbench.fastpath.verdict import new_counts
from nvbench.model.element import Element
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation


class ProviderSwitch(Element):
    """Forwards in zero time (queueing happens on the links it feeds).

    ``route(pa, [link, ...])`` sends frames for provider address ``pa`` over those links,
    spread by the ECMP hash; ``default([link, ...])`` takes every other destination.
    """

    kind = "switch"

    def __init__(self, sim: Simulation, name: str) -> None:
        super().__init__(sim, name)
        self._routes: dict[int, list[Element]] = {}
        self._default: list[Element] = []
        self.ports: list[Element] = []
        self.counts = new_counts()
        self._tables: tuple | None = None

    def route(self, pa: int, links: list[Element]) -> None:
        if not links:
            raise ValueError(f"{self.name}: a route needs at least one link")
        self._routes[int(pa)] = list(links)
        self._tables = None

    def default(self, links: list[Element]) -> None:
        self._default = list(links)
        self._tables = None

    def successors(self) -> list[Element]:
        seen: list[Element] = []
        for group in (*self._routes.values(), self._default):
            seen.extend(e for e in group if all(e is not s for s in seen))
        return seen

    def _compile(self) -> tuple:
        self.ports = self.successors()
        index = {id(e): i for i, e in enumerate(self.ports)}
        dsts = sorted(self._routes)
        groups = [self._routes[d] for d in dsts] + ([self._default] if self._default else [])
        first = np.cumsum([0] + [len(g) for g in groups])[:-1].astype(np.int64)
        members = np.array([index[id(e)] for g in groups for e in g], np.int64)
        default = len(dsts) if self._default else -1
        sizes = np.array([len(g) for g in groups], np.int64)
        return np.array(dsts, np.int64), first, sizes, default, members

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        if self._tables is None:
            self._tables = self._compile()
        dst, first, size, default, members = self._tables
        for v in views:
            port = np.empty(v.n, np.int64)
            before = v.verdict[: v.n] == 0
            choose(v.buf, v.offset, v.length, v.verdict[: v.n], self.counts,
                   dst, first, size, default, members, port)  # fmt: skip
            gone = np.flatnonzero(before & (v.verdict[: v.n] != 0))
            if gone.shape[0]:
                self.dropped(v, gone)
            self._forward(v, port)

    def _forward(self, v: PacketBatch, port: np.ndarray) -> None:
        live = port[port >= 0]
        if live.shape[0] == 0:
            return
        if live.min() == live.max():  # one next hop: pass the view on as it is
            self._send_to(self.ports[int(live[0])], v)
            return
        used = np.unique(live)
        for p in used.tolist():
            rows = np.flatnonzero(port == p)
            out = self.sim.new_batch(rows.shape[0])
            copy_packets(v, rows, out, np.arange(rows.shape[0]))
            out.n = rows.shape[0]
            self._send_to(self.ports[p], out)

    def _send_to(self, target: Element, batch: PacketBatch) -> None:
        live = batch.verdict[: batch.n] == 0
        self.stats.delivered += int(live.sum())
        self.stats.delivered_bytes += int(batch.length[: batch.n][live].sum())
        target.put(batch)
