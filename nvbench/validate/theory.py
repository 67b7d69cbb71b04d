"""Queueing-theory rows of ``nvbench validate``: the engine against closed forms."""

from __future__ import annotations

from nvbench.model.endpoints import Sink
from nvbench.model.server import Server
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes
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
