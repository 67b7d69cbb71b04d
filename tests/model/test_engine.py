"""The engine's contract: determinism, the books, warm-up, series, wiring errors, memory."""

from __future__ import annotations

import numpy as np
import pytest

from nvbench import simulate
from nvbench.fastpath.verdict import Verdict
from nvbench.model.element import Element
from nvbench.model.endpoints import Sink
from nvbench.model.link import Link
from nvbench.model.result import AccountingError
from nvbench.model.server import Server
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes
from nvbench.topologies import nat_cloud

FLOWS = Flows((0x0A000004, 0x0A000005), (0x08080808,), count=8)


def _chain(sim, rate=500_000, loss=0.0, cap=None, buffer=None):
    src = PacketSource(sim, "src", 0, FLOWS, Sizes.imix(), rate_pps=rate)
    srv = Server(sim, "srv", servers=2, mean_ns=3_000, cap_pkts=cap)
    link = Link(sim, "link", 1e9, delay_ns=10_000, buffer_bytes=buffer, loss=loss)
    sink = Sink(sim, "sink")
    src.connect(srv).connect(link).connect(sink)


def _tables(result):
    return {k: t.to_pylist() for k, t in result.to_arrow().items()}


def test_same_seed_same_results_and_seeds_recorded():
    a = simulate(lambda s: _chain(s, loss=0.01, cap=8), 20_000_000, seed=5, quantum_ns=250_000)
    b = simulate(lambda s: _chain(s, loss=0.01, cap=8), 20_000_000, seed=5, quantum_ns=250_000)
    c = simulate(lambda s: _chain(s, loss=0.01, cap=8), 20_000_000, seed=6, quantum_ns=250_000)
    assert _tables(a) == _tables(b)
    assert _tables(a) != _tables(c)
    assert a.seed_entropy == 5 and a.spawn_keys["src"] == (0,) and a.spawn_keys["sink"] == (3,)


def test_quantum_changes_nothing_but_speed():
    """Per-packet times are exact, so every figure is the same for any quantum."""
    runs = [simulate(lambda s: _chain(s, cap=6, buffer=12_000), 10_000_000, seed=2, quantum_ns=q)
            for q in (100_000, 1_000_000, 10_000_000)]  # fmt: skip
    tables = [_tables(r) for r in runs]
    assert tables[0] == tables[1] == tables[2]


def test_books_balance_with_every_kind_of_drop():
    r = simulate(lambda s: _chain(s, rate=900_000, loss=0.05, cap=4, buffer=6_000), 20_000_000)
    drops = {(d["element"], d["verdict"]) for d in r.drops}
    assert ("srv", "BUFFER_FULL") in drops and ("link", "LINK_LOSS") in drops
    assert ("link", "BUFFER_FULL") in drops
    s = r.summary
    assert s["offered"] == s["delivered"] + s["dropped"] + s["in_flight"]
    assert r.accounting_problems() == []
    tenant = r.tenants[0]
    assert tenant["offered"] == s["offered"] and tenant["dropped"] == s["dropped"]


class _Leaky(Element):
    """A broken element: forgets every tenth packet without a verdict."""

    def process(self, views, t0, t1):
        for v in views:
            v.verdict[: v.n : 10] = 255
        self.hold(views)


def test_lost_packets_fail_loudly():
    sim = Simulation(seed=1)
    src = PacketSource(sim, "src", 0, FLOWS, Sizes.fixed(64), rate_pps=1e5)
    src.connect(_Leaky(sim, "leaky")).connect(Sink(sim, "sink"))
    with pytest.raises(AccountingError, match="leaky: offered"):
        sim.run(5_000_000)


def test_warmup_resets_the_books_and_they_still_balance():
    sim = Simulation(seed=3, quantum_ns=1_000_000, warmup_ns=4_000_000)
    _chain(sim, rate=600_000)
    r = sim.run(10_000_000)
    assert r.summary["measured_from_ns"] == 4_000_000
    assert r.summary["duration_ns"] == 6_000_000
    assert r.summary["carried_in"] > 0  # packets were inside the network at 4 ms
    assert r.accounting_problems() == []
    assert r.element("src")["offered"] == pytest.approx(600_000 * 0.006, rel=0.1)


def test_series_every_interval():
    r = simulate(lambda s: _chain(s), 10_000_000, quantum_ns=1_000_000,
                 series_interval_ns=2_000_000)  # fmt: skip
    series = r.to_arrow()["series"].to_pylist()
    times = sorted({row["t_ns"] for row in series})
    assert times == [2_000_000, 4_000_000, 6_000_000, 8_000_000, 10_000_000]
    sink = [row for row in series if row["element"] == "sink"]
    assert [row["delivered"] for row in sink] == sorted(row["delivered"] for row in sink)
    assert sink[-1]["delivered"] == r.element("sink")["delivered"]


def test_wiring_errors_are_clear():
    sim = Simulation()
    a, b = Server(sim, "a"), Server(sim, "b")
    a.connect(b).connect(a)
    with pytest.raises(ValueError, match="loop through"):
        sim.run(1_000)
    with pytest.raises(ValueError, match="two elements are named"):
        Sink(sim, "a")
    with pytest.raises(ValueError, match="multiple of quantum_ns"):
        Simulation(quantum_ns=1_000, series_interval_ns=1_500)
    sim2 = Simulation()
    PacketSource(sim2, "src", 0, FLOWS, Sizes.fixed(64), rate_pps=1e5)
    with pytest.raises(RuntimeError, match="no .out"):
        sim2.run(2_000_000)


@pytest.mark.slow
def test_memory_stays_flat_as_the_duration_grows():
    """Batches are recycled: 4 times the duration, not 4 times the buffers.

    The pool grows to the largest number of batches in flight at once, which a longer run
    may exceed by a batch or two in a rare burst, so the bound has some room.
    """
    sizes = []
    for duration in (200_000_000, 800_000_000):
        sim = Simulation(seed=1, quantum_ns=5_000_000)
        nat_cloud(sim, offered_pps=2e5)
        sim.run(duration)
        sizes.append(sim.pool.nbytes)
    assert sizes[1] <= 1.25 * sizes[0]


def test_verdicts_of_the_engine_have_names():
    assert Verdict.BUFFER_FULL.name == "BUFFER_FULL" and np.uint8(Verdict.NO_ROUTE) == 33


def test_progress_is_reported_every_quantum():
    seen = []
    sim = Simulation(seed=1, quantum_ns=1_000_000)
    _chain(sim)
    sim.run(5_500_000, progress=lambda now, total: seen.append((now, total)))
    assert [now for now, _ in seen] == [1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000,
                                         5_500_000]  # fmt: skip
    assert {total for _, total in seen} == {5_500_000}
