"""The simulator's speed: simulated packets per wall-clock second.

- ``test_nat_cloud``: the reference topology (4 hosts, 40 VMs of 10 tenants, a gateway VM
  doing NAT, a 10 Gbit/s uplink) at 1 Mpps offered, IMIX, for 0.5 s of simulated time.
  Building the topology is outside the timing; compiling is done by a warm-up run.
- ``test_tandem_engine`` / ``test_tandem_reference``: the same six FIFO stations a packet
  of the NAT cloud crosses (vSwitch, NIC, gateway host NIC and vSwitch, gateway, uplink),
  in tandem, once in the engine and once in the packet-by-packet SimPy reference of the
  tests, on the same Poisson arrivals: the ratio of the two is the engine's speed-up.
"""

from __future__ import annotations

import numpy as np
import pytest

from nvbench.model.endpoints import Sink
from nvbench.model.server import Server
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, TraceSource
from nvbench.topologies import nat_cloud
from nvbench.validate import reference as ref

STATIONS = 6
MEAN_NS = (350, 350, 300, 350, 600, 280)  # ns of service per station; utilization < 0.7


def _record(benchmark, packets: int) -> None:
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(packets=packets, sim_pps=packets / median)


@pytest.mark.parametrize("quantum_ms", [2, 10])
def test_nat_cloud(benchmark, quantum_ms):
    benchmark.group = "engine"
    duration = 500_000_000
    warm = Simulation(seed=1, quantum_ns=quantum_ms * 1_000_000)
    nat_cloud(warm)
    warm.run(20_000_000)  # compile (or load) every kernel first
    offered = []

    def setup():
        sim = Simulation(seed=1, quantum_ns=quantum_ms * 1_000_000)
        nat_cloud(sim)
        return (sim,), {}

    def run(sim):
        offered.append(sim.run(duration).summary["offered"])

    benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    _record(benchmark, offered[-1])
    benchmark.extra_info["case"] = f"nat_cloud 1 Mpps, quantum {quantum_ms} ms"


def _arrivals(n: int, rate: float = 1e6) -> np.ndarray:
    rng = np.random.default_rng(42)
    return np.floor(np.cumsum(rng.exponential(1e9 / rate, n))).astype(np.int64)


def _service_table(n: int) -> np.ndarray:
    rng = np.random.default_rng(43)
    return np.stack([np.maximum(1, rng.exponential(m, n)).astype(np.int64) for m in MEAN_NS])


def test_tandem_engine(benchmark):
    benchmark.group = "tandem"
    n = 200_000
    times, sizes, table = _arrivals(n), np.full(n, 64, np.int64), _service_table(n)

    def build():
        sim = Simulation(seed=1, quantum_ns=2_000_000)
        src = TraceSource(sim, "in", 0, Flows((1,), (2,)), times, sizes)
        prev = src
        for k in range(STATIONS):
            fn = lambda b, r, k=k: table[k, b.flow[r]]  # noqa: E731
            prev = prev.connect(Server(sim, f"s{k}", service="function", service_fn=fn))
        prev.connect(Sink(sim, "sink"))
        return (sim,), {}

    def run(sim):
        sim.run(int(times[-1]) + 10_000_000)

    (sim,) = build()[0]
    run(sim)  # warm-up: compile
    benchmark.pedantic(run, setup=build, rounds=3, iterations=1)
    _record(benchmark, n)
    benchmark.extra_info["case"] = "6 stations in tandem, engine"


def test_tandem_reference(benchmark):
    benchmark.group = "tandem"
    n = 5_000
    times, sizes, table = _arrivals(n), np.full(n, 64, np.int64), _service_table(n)
    stations = [ref.RefStation(table[k]) for k in range(STATIONS)]
    benchmark.pedantic(lambda: ref.run([times], sizes, stations), rounds=3, iterations=1)
    _record(benchmark, n)
    benchmark.extra_info["case"] = "6 stations in tandem, SimPy packet by packet"
