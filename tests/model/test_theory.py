"""The engine against queueing theory: M/M/1, M/D/1, M/M/1/K, M/M/c and Little's law.

Each case runs independent replications (seeds spawned from one SeedSequence), drops a
warm-up, and checks that the 95 % confidence interval of the estimate contains the
analytic value; at utilization <= 0.8 the estimate must also be within 2 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from nvbench.model.server import Server
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes
from tests.model.probe import Probe
from tests.oracle import queueing as Q

pytestmark = pytest.mark.slow

FLOWS = Flows((0x0A000004,), (0x08080808,), count=16)
MEAN_S = 1_000.0  # ns: mu = 1e6 per second
MU = 1e9 / MEAN_S


def _run(seed, lam, service="exponential", servers=1, cap=None, packets=300_000):
    warm = int(0.1 * packets / lam * 1e9)
    duration = int(packets / lam * 1e9) + warm
    sim = Simulation(seed=seed, quantum_ns=2_000_000, warmup_ns=warm)
    src = PacketSource(sim, "src", 0, FLOWS, Sizes.fixed(64), rate_pps=lam)
    srv = Server(sim, "srv", servers=servers, service=service, mean_ns=MEAN_S, cap_pkts=cap)
    probe = Probe(sim, "probe")
    src.connect(srv).connect(probe)
    result = sim.run(duration)
    rows = probe.table()
    rows = rows[rows[:, 3] >= sim.measured_from]  # packets that arrived after the warm-up
    a, d = rows[:, 3].astype(float), rows[:, 2].astype(float)
    order = np.argsort(a, kind="stable")
    return result, a[order], d[order], srv


def _seeds(r=8, entropy=20261127):
    return np.random.SeedSequence(entropy).spawn(r)


def _in_system_at_arrival(a, d):
    """Packets in the system each arrival finds (departures at the same instant gone)."""
    return np.arange(a.shape[0]) - np.searchsorted(np.sort(d), a, side="right")


def _time_average_in_system(a, d):
    """Mean of N(t) over [a[0], a[-1]] from the arrival and departure instants."""
    t0, t1 = a[0], a[-1]
    times = np.concatenate([a, np.minimum(d, t1)])
    steps = np.concatenate([np.ones_like(a), -np.ones_like(d)])
    order = np.argsort(times, kind="stable")
    times, n = times[order], np.cumsum(steps[order])
    return float(np.sum(n[:-1] * np.diff(times)) / (t1 - t0))


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_mm1(rho):
    lam = rho * MU
    truth = Q.mm1(lam, MU)
    w, wq, lt, p = [], [], [], {n: [] for n in range(4)}
    for seed in _seeds():
        _, a, d, srv = _run(seed, lam)
        sojourn = (d - a) / 1e9
        mean_service = srv.busy_ns / srv.admitted / 1e9
        w.append(sojourn.mean())
        wq.append(sojourn.mean() - mean_service)
        lt.append(_time_average_in_system(a, d))
        seen = _in_system_at_arrival(a, d)  # PASTA: arrivals see the time average
        for n in p:
            p[n].append(float(np.mean(seen == n)))
    Q.assert_close("W", w, truth["W"], 0.02)
    Q.assert_close("Wq", wq, truth["Wq"], 0.02)
    Q.assert_close("L", lt, truth["L"], 0.02)
    for n, est in p.items():
        Q.assert_close(f"P({n})", est, Q.mm1_pn(lam, MU, n), 0.02 if n < 3 else 0.04)
    # Little's law on the same runs: L = lambda * W, both measured.
    Q.assert_close("L - lambda W", [x - lam * y for x, y in zip(lt, w, strict=True)], 0.0, None)


def test_mm1_at_0_9():
    """Heavy load: only the interval must contain the analytic W (no 2 % bound)."""
    lam = 0.9 * MU
    w = [((d - a) / 1e9).mean() for _, a, d, _ in (_run(s, lam, packets=600_000) for s in _seeds())]
    Q.assert_close("W", w, Q.mm1(lam, MU)["W"], None)


def test_md1():
    lam = 0.8 * MU
    wq = []
    for seed in _seeds():
        _, a, d, _ = _run(seed, lam, service="deterministic")
        wq.append(((d - a) / 1e9).mean() - MEAN_S / 1e9)
    Q.assert_close("Wq", wq, Q.md1_wq(lam, MU), 0.02)


@pytest.mark.parametrize("rho,k", [(0.8, 5), (1.2, 4)])
def test_mm1k_blocking(rho, k):
    lam = rho * MU
    blocked = []
    for seed in _seeds():
        result, *_ = _run(seed, lam, cap=k)
        srv = result.element("srv")
        blocked.append(srv["dropped"] / (srv["offered"] - result.summary["carried_in"]))
    Q.assert_close("P_K", blocked, Q.mm1k_blocking(lam, MU, k), 0.02 if rho <= 0.8 else None)


def test_mmc_erlang_c():
    c, lam = 4, 3.2 * MU  # a = 3.2 Erlang, utilization 0.8
    waited, wq = [], []
    for seed in _seeds():
        _, a, d, srv = _run(seed, lam, servers=c, packets=400_000)
        waited.append(float(np.mean(_in_system_at_arrival(a, d) >= c)))
        mean_service = srv.busy_ns / srv.admitted / 1e9
        wq.append(((d - a) / 1e9).mean() - mean_service)
    Q.assert_close("P(wait)", waited, Q.erlang_c(c, lam / MU), 0.02)
    Q.assert_close("Wq", wq, Q.mmc_wq(lam, MU, c), 0.02)
