"""Compiled kernels are cached on disk: a fresh process loads every one of them.

The timed call is a whole new Python process that imports nvbench and runs every
kernel once on a tiny batch (interpreter and numpy/numba import included).
"""

import subprocess
import sys

SCRIPT = """
from nvbench import workloads
for k in workloads.KERNELS:
    w = workloads.make(k, "64", 8)
    w.reset()
    w.run()
    w.touch()
"""


def test_second_process_loads_cached_kernels(benchmark):
    benchmark.group = "cache"
    subprocess.run([sys.executable, "-c", SCRIPT], check=True)  # fills the cache if empty
    benchmark.pedantic(
        subprocess.run,
        args=([sys.executable, "-c", SCRIPT],),
        kwargs={"check": True},
        rounds=5,
        iterations=1,
    )
    benchmark.extra_info["seconds"] = benchmark.stats.stats.median
