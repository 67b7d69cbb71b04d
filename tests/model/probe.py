"""A sink that remembers every packet it receives (tests only: memory grows per packet)."""

from __future__ import annotations

import numpy as np

from nvbench.model.endpoints import Sink


class Probe(Sink):
    kind = "sink"

    def __init__(self, sim, name):
        super().__init__(sim, name)
        self.rows: list[np.ndarray] = []

    def absorb(self, batch):
        super().absorb(batch)
        live = batch.verdict[: batch.n] == 0
        self.rows.append(
            np.stack([batch.rd[: batch.n][live], batch.flow[: batch.n][live],
                      batch.time[: batch.n][live], batch.born[: batch.n][live]], axis=1)
        )  # fmt: skip

    def table(self) -> np.ndarray:
        """(rd, flow, time, born) rows, sorted by (rd, flow)."""
        t = np.concatenate(self.rows) if self.rows else np.zeros((0, 4), np.int64)
        return t[np.lexsort((t[:, 1], t[:, 0]))]
