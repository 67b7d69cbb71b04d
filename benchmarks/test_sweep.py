"""Sweep machinery: the same small sweep with 1 and 2 worker processes (wall time)."""

from __future__ import annotations

import shutil

import pytest

from nvbench import sweep

SWEEP = """
scenario = "nat"
replications = 4
seed = 3
duration_s = 0.05
[[grid]]
path = "vm_networks[0].traffic[0].rate_pps"
values = [5000, 10000, 20000, 40000]
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_sweep_16_points(benchmark, tmp_path, workers):
    benchmark.group = "sweep"
    f = tmp_path / "s.toml"
    f.write_text(SWEEP)
    plan = sweep.load_sweep(f)
    out = tmp_path / "out"
    sweep.execute(plan, tmp_path / "warm", workers=1)  # compile or load the kernels first

    def once():
        shutil.rmtree(out, ignore_errors=True)
        sweep.execute(plan, out, workers=workers)

    benchmark.pedantic(once, rounds=3, iterations=1)
    benchmark.extra_info.update(case=f"sweep of 16 runs, {workers} worker(s)",
                                runs_per_s=16 / benchmark.stats.stats.median)  # fmt: skip
