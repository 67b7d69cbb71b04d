"""A WAN link's jitter: an exponential extra delay redrawn every 10 ms, in order, whatever
the quantum."""

from __future__ import annotations

import numpy as np

from nvbench.model.endpoints import Sink
from nvbench.model.link import Link
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes


class Order(Sink):
    """Keeps each frame's (send time, arrival time), in the order frames arrive."""

    def __init__(self, sim, name):
        super().__init__(sim, name)
        self.seen: list[tuple[int, int]] = []

    def absorb(self, batch):
        super().absorb(batch)
        for i in batch.delivered().tolist():
            self.seen.append((int(batch.born[i]), int(batch.time[i])))


def _run(quantum_ns: int, rate: float, jitter_ns: float, seconds: float = 2.0):
    sim = Simulation(seed=4, quantum_ns=quantum_ns)
    src = PacketSource(sim, "src", 0, Flows((1,), (2,)), Sizes.fixed(100), rate)
    link = Link(sim, "wan", 1e9, delay_ns=5_000_000, jitter_ns=jitter_ns)
    end = Order(sim, "end")
    src.connect(link).connect(end)
    sim.run(int(seconds * 1e9))
    return np.array(end.seen, np.int64)


def test_jitter_adds_its_mean_and_never_reorders():
    """5,000 frames/s for 20 s: the extra delay averages the exponential's mean (1 ms), within
    4 standard errors of the mean of the 2,000 epochs' draws, even for a dense flow."""
    seen = _run(1_000_000, 5000, 1e6, seconds=20.0)
    transit = seen[:, 1] - seen[:, 0]
    base = 5_000_000 + (100 + 24) * 8  # delay + transmission of a 100-byte frame at 1 Gbit/s
    extra = transit - base
    assert extra.min() >= 0
    assert abs(extra.mean() - 1e6) < 4 * 1e6 / np.sqrt(2000)
    assert extra.std() > 0.5e6  # it varies: not a fixed delay
    assert np.all(np.diff(seen[:, 0]) >= 0) and np.all(np.diff(seen[:, 1]) >= 0)  # FIFO


def test_jitter_is_the_same_at_every_quantum():
    """Dense traffic, where the no-overtaking rule binds: identical arrivals at 0.1-50 ms."""
    runs = [_run(q, 20_000, 2e6, seconds=0.2) for q in (100_000, 1_000_000, 10_000_000, 50_000_000)]
    for other in runs[1:]:
        assert np.array_equal(runs[0], other)
