"""Traffic sources: sizes, processes, tenants, and their bad parameters."""

from __future__ import annotations

import numpy as np
import pytest

from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes
from tests.model.probe import Probe

FLOWS = Flows((0x0A000104, 0x0A000105), (0x08080808,), count=8)


def test_imix_proportions():
    sizes = Sizes.imix().draw(np.random.default_rng(1), 120_000)
    share = {s: float(np.mean(sizes == s)) for s in (64, 576, 1500)}
    assert share == pytest.approx({64: 7 / 12, 576: 4 / 12, 1500: 1 / 12}, abs=0.005)
    assert Sizes.imix().mean == pytest.approx((7 * 64 + 4 * 576 + 1500) / 12)


def test_empirical_table_and_bad_sizes():
    s = Sizes.empirical({100: 1.0, 200: 3.0}).draw(np.random.default_rng(2), 40_000)
    assert set(np.unique(s).tolist()) == {100, 200} and np.mean(s == 200) == pytest.approx(
        0.75, abs=0.01
    )
    with pytest.raises(ValueError, match=">= 60"):
        Sizes.fixed(40)
    with pytest.raises(ValueError, match="weights"):
        Sizes((100, 200), (0.0, 0.0))


def _run(**kw):
    sim = Simulation(seed=kw.pop("seed", 1), quantum_ns=kw.pop("quantum_ns", 1_000_000))
    src = PacketSource(sim, "src", kw.pop("tenant", 0), kw.pop("flows", FLOWS),
                       Sizes.fixed(64), **kw)  # fmt: skip
    probe = Probe(sim, "probe")
    src.connect(probe)
    sim.run(50_000_000)
    return probe.table()


def test_cbr_is_evenly_spaced_and_stops():
    t = np.sort(_run(rate_pps=100_000, process="cbr", start_ns=5_000, stop_ns=20_000_000)[:, 3])
    assert t[0] == 5_000 and np.all(np.diff(t) == 10_000) and t[-1] < 20_000_000
    assert t.shape[0] == (20_000_000 - 5_000) // 10_000 + 1


def test_poisson_rate_and_exponential_gaps():
    t = np.sort(_run(rate_pps=200_000)[:, 3]).astype(float)
    assert t.shape[0] == pytest.approx(200_000 * 0.05, rel=0.03)
    gaps = np.diff(t)
    assert gaps.mean() == pytest.approx(5_000, rel=0.03)
    assert gaps.std() == pytest.approx(gaps.mean(), rel=0.05)  # exponential: sd = mean


def test_one_source_for_vms_of_several_tenants():
    rows = _run(rate_pps=50_000, tenant=(3, 7))
    flows = rows[:, 1]
    assert set(rows[rows[:, 0] == 3, 1] % 2) == {0} and set(rows[rows[:, 0] == 7, 1] % 2) == {1}
    assert flows.shape[0] > 0


def test_bad_source_parameters():
    sim = Simulation()
    with pytest.raises(ValueError, match="rate_pps"):
        PacketSource(sim, "a", 0, FLOWS, Sizes.fixed(64), rate_pps=0)
    with pytest.raises(ValueError, match="process"):
        PacketSource(sim, "b", 0, FLOWS, Sizes.fixed(64), rate_pps=1, process="bursty")
    with pytest.raises(ValueError, match="tenants must be in"):
        PacketSource(sim, "c", 999, FLOWS, Sizes.fixed(64), rate_pps=1)
    with pytest.raises(ValueError, match="protocols must be among"):
        Flows((1,), (2,), mix=(("sctp", 1.0),))
