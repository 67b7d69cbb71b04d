"""The same sweep on a real dask.distributed LocalCluster (worker processes on loopback)."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from nvbench import sweep
from nvbench.cli import main
from tests.sweep.files import SWEEP, _file, _rows

pytestmark = pytest.mark.slow


def test_dask_local_cluster_equals_the_process_pool(tmp_path):
    f = _file(tmp_path)
    assert main(["sweep", str(f), "--workers", "2", "--out", str(tmp_path / "pool")]) == 0
    assert main(["sweep", str(f), "--dask", "local:2", "--out", str(tmp_path / "dask")]) == 0
    assert _rows(tmp_path / "dask") == _rows(tmp_path / "pool")


def test_a_lost_worker_costs_nothing(tmp_path):
    """A worker process killed mid-sweep: its runs are rerun elsewhere; the dataset is
    complete and equal to an uninterrupted one."""
    from distributed import Client, LocalCluster

    f = _file(tmp_path, SWEEP.format(duration=0.15))
    plan = sweep.load_sweep(f)
    sweep.execute(plan, tmp_path / "full", workers=1)
    out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        pids = client.run(os.getpid)
        outcome: list[sweep.Outcome] = []
        worker = threading.Thread(target=lambda: outcome.append(
            sweep.execute(plan, out, dask=cluster.scheduler_address)))  # fmt: skip
        worker.start()
        deadline = time.time() + 120
        while time.time() < deadline and len(list((out / "runs").glob("*.parquet"))) < 2:
            time.sleep(0.02)
        at_kill = len(list((out / "runs").glob("*.parquet")))
        os.kill(next(iter(pids.values())), signal.SIGKILL)  # one worker dies mid-sweep
        worker.join(timeout=300)
    assert at_kill < len(plan.runs)  # it died with work left
    assert outcome and outcome[0].failed == 0
    assert _rows(out) == _rows(tmp_path / "full")
