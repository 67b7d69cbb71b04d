"""Whole scenarios: ``nvbench compare`` on the default scenario (wall time, kernels cached)."""

from __future__ import annotations

from nvbench import runner
from nvbench.cli import default_scenario
from nvbench.scenario.loader import load


def test_compare_default(benchmark):
    benchmark.group = "scenario"
    scenario = load(default_scenario())
    runner.run(scenario, duration_s=0.05)  # compile or load the kernels first
    result = []
    benchmark.pedantic(lambda: result.append(runner.run(scenario)), rounds=3, iterations=1)
    offered = result[-1].result.summary["offered"]
    benchmark.extra_info.update(
        case="nvbench compare, default scenario", packets=offered,
        sim_pps=offered / benchmark.stats.stats.median,
    )  # fmt: skip
