"""A sink that keeps the bytes of the first frames it receives (tests only)."""

from __future__ import annotations

from nvbench.model.endpoints import Sink


class Capture(Sink):
    def __init__(self, sim, name, keep=200):
        super().__init__(sim, name)
        self.keep = keep
        self.frames: list[bytes] = []
        self.rds: list[int] = []

    def absorb(self, batch):
        super().absorb(batch)
        for i in batch.delivered().tolist():
            if len(self.frames) < self.keep:
                self.frames.append(batch.frame(i))
                self.rds.append(int(batch.rd[i]))
