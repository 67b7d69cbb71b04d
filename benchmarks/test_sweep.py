"""Sweep machinery: 64 small points with 1 and 2 worker processes, against the same
points run bare (in one process, no files, no pool) in the same session.

- machinery overhead per point: the sweep with 1 worker, its wall time against the time
  spent inside the simulations of the same rounds (median share; target < 5 %); the
  bare loop is the same comparison across rounds, which machine drift blurs;
- speed-up = sweep with 1 worker / sweep with 2 (target >= 1.8).

The machine's own ceiling for the speed-up is measured too: the same pure-Python CPU work
in 1 and 2 processes (a shared VM's second core is not always a whole core).
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from nvbench import sweep

SWEEP = """
scenario = "nat"
replications = 16
seed = 3
duration_s = 1.0
[[grid]]
path = "vm_networks[0].traffic[0].rate_pps"
values = [5000, 10000, 20000, 40000]
"""
POINTS = 64


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    f = tmp_path_factory.mktemp("sweep") / "s.toml"
    f.write_text(SWEEP)
    p = sweep.load_sweep(f)
    assert len(p.runs) == POINTS
    sweep.run_one(p.base, p.runs[0], p.duration_s)  # compile or load the kernels first
    return p


def test_sweep_bare(benchmark, plan):
    benchmark.group = "sweep"

    def once():
        for r in plan.runs:
            sweep.run_one(plan.base, r, plan.duration_s)

    benchmark.pedantic(once, rounds=3, iterations=1)
    benchmark.extra_info.update(case=f"{POINTS} points bare (no files, no pool)",
                                runs_per_s=POINTS / benchmark.stats.stats.median)  # fmt: skip


@pytest.mark.parametrize("workers", [1, 2])
def test_sweep_64_points(benchmark, tmp_path, plan, workers, monkeypatch):
    benchmark.group = "sweep"
    out = tmp_path / "out"
    inside = []  # seconds spent simulating, per round (one worker: in this process)
    real = sweep.run_one

    def timed(*args):
        t = time.perf_counter()
        try:
            return real(*args)
        finally:
            inside[-1] += time.perf_counter() - t

    monkeypatch.setattr(sweep, "run_one", timed)

    def once():
        shutil.rmtree(out, ignore_errors=True)
        inside.append(0.0)
        t = time.perf_counter()
        sweep.execute(plan, out, workers=workers)
        walls.append(time.perf_counter() - t)

    walls: list[float] = []
    benchmark.pedantic(once, rounds=3, iterations=1)
    benchmark.extra_info.update(case=f"sweep of {POINTS} points, {workers} worker(s)",
                                runs_per_s=POINTS / benchmark.stats.stats.median)  # fmt: skip
    if workers == 1:  # the same rounds, timed inside and out: machine drift cancels
        share = sorted((w - i) / i for w, i in zip(walls, inside, strict=True))
        benchmark.extra_info["overhead_share"] = share[len(share) // 2]


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


@pytest.mark.parametrize("workers", [1, 2])
def test_machine_ceiling(benchmark, workers):
    """The same CPU work (8 pieces) in ``workers`` processes: the best a pool can do here."""
    benchmark.group = "sweep"
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_spin, [10] * workers))  # the workers are up before the clock starts
        benchmark.pedantic(lambda: list(pool.map(_spin, [2_000_000] * 8)), rounds=3, iterations=1)
    benchmark.extra_info.update(case=f"CPU work in {workers} process(es)",
                                runs_per_s=8 / benchmark.stats.stats.median)  # fmt: skip
