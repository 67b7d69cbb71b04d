"""The rows of ``nvbench validate`` that check the engine itself: against closed forms of
queueing theory, and against the packet-by-packet SimPy reference (:mod:`.reference`)."""

from __future__ import annotations

import numpy as np

from nvbench.model.element import Element
from nvbench.model.endpoints import Sink
from nvbench.model.server import Server
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes, TraceSource
from nvbench.packet.batch import PacketBatch
from nvbench.validate import reference
from nvbench.validate.rows import Row

MEAN_NS = 1_000.0  # service time: mu = 1e6 a second


def theory_rows(packets: int = 200_000) -> list[Row]:
    """The engine against closed forms at utilization 0.8: M/M/1 W = 1/(mu - lambda) and
    M/D/1 W = 1/mu + rho/(2 mu (1 - rho)) (Pollaczek-Khinchine), in microseconds."""
    mu = 1e9 / MEAN_NS
    lam = 0.8 * mu
    out = []
    for service, truth, name in (
        ("exponential", 1 / (mu - lam), "M/M/1 at utilization 0.8: mean time in system"),
        ("deterministic", 1 / mu + 0.8 / (2 * mu * 0.2), "M/D/1 at 0.8: mean time in system"),
    ):
        w = _mean_sojourn(service, lam, packets)
        out.append(Row(f"theory_{service}", name, "µs", w * 1e6, "theory", truth * 1e6,
                       "validation"))  # fmt: skip
    return out


def _mean_sojourn(service: str, lam: float, packets: int) -> float:
    warm = int(0.1 * packets / lam * 1e9)
    sim = Simulation(seed=20261202, quantum_ns=2_000_000, warmup_ns=warm)
    src = PacketSource(sim, "src", 0, Flows((0x0A000004,), (0x08080808,), count=16),
                       Sizes.fixed(64), rate_pps=lam)  # fmt: skip
    srv = Server(sim, "srv", servers=1, service=service, mean_ns=MEAN_NS)
    src.connect(srv).connect(Sink(sim, "sink"))
    r = sim.run(int(packets / lam * 1e9) + warm)
    return float(r.summary["latency_mean_ns"]) / 1e9


# -- the engine against the packet-by-packet reference ---------------------------------------

TANDEM_NS = (350, 350, 300, 350, 600, 280)  # mean service of six stations at 1 Mpps


def reference_row(packets: int = 5_000) -> Row:
    """Six FIFO stations in tandem, Poisson arrivals at 1 Mpps, exponential service times
    drawn once per packet and station: every packet's departure from the engine (in 2 ms
    quanta) against the reference's, each packet its own SimPy process. The row counts the
    packets whose departure differs: 0, or the engine is wrong."""
    rng = np.random.default_rng(20261202)
    times = np.floor(np.cumsum(rng.exponential(1e3, packets))).astype(np.int64)
    table = np.stack([np.maximum(1, rng.exponential(m, packets)).astype(np.int64)
                      for m in TANDEM_NS])  # fmt: skip
    sizes = np.full(packets, 64, np.int64)
    want = reference.run([times], sizes, [reference.RefStation(s) for s in table])[:, -1]
    got = _engine(times, sizes, table)
    differ = int(np.count_nonzero(got != want))
    return Row("engine_reference", "engine vs packet-by-packet reference",
               "packets differ", differ, "reference", 0.0, "identity")  # fmt: skip


class _Departures(Sink):
    """A sink that notes when each packet (its flow id is its index) arrived."""

    def __init__(self, sim: Simulation, name: str, packets: int) -> None:
        super().__init__(sim, name)
        self.at = np.full(packets, -1, np.int64)

    def absorb(self, batch: PacketBatch) -> None:
        super().absorb(batch)
        live = batch.verdict[: batch.n] == 0
        self.at[batch.flow[: batch.n][live]] = batch.time[: batch.n][live]


def _engine(times: np.ndarray, sizes: np.ndarray, table: np.ndarray) -> np.ndarray:
    sim = Simulation(seed=1, quantum_ns=2_000_000)
    prev: Element = TraceSource(sim, "in", 0, Flows((1,), (2,)), times, sizes)
    for k in range(table.shape[0]):
        fn = lambda b, r, k=k: table[k, b.flow[r]]  # noqa: E731
        prev = prev.connect(Server(sim, f"s{k}", service="function", service_fn=fn))
    sink = _Departures(sim, "sink", times.shape[0])
    prev.connect(sink)
    sim.run(int(times[-1]) + 10_000_000)
    return sink.at
