"""Sweeps: points and seeds, a process pool equal to one process, resume, bad sweep files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.dataset as ds
import pytest

from nvbench import sweep
from nvbench.cli import main
from nvbench.records import schema
from nvbench.records.dataset import Dataset
from nvbench.scenario.loader import ScenarioError
from tests.sweep.files import SWEEP, B, _file, _rows, _runs

# Scenario runs: minutes with the kernels as plain Python (CI's NUMBA_DISABLE_JIT pass
# skips slow cases; the compiled pass runs them).
pytestmark = pytest.mark.slow


def test_random_samples_are_drawn_from_the_sweep_seed(tmp_path):
    random = '[[random]]\npath = "gateways[0].queue_packets"\nlow = 100\nhigh = 10000\n'
    text = "samples = 5\n" + B + random + "log = true\ninteger = true\n"
    plan = sweep.load_sweep(_file(tmp_path, text))
    drawn = [r.point["gateways[0].queue_packets"] for r in plan.runs]
    assert len(plan.runs) == 2 * 2 * 5 * 2 and all(100 <= q <= 10000 for q in drawn)
    again = sweep.load_sweep(_file(tmp_path, text)).runs
    assert drawn == [r.point["gateways[0].queue_packets"] for r in again]


def test_points_seeds_and_ids(tmp_path):
    plan = sweep.load_sweep(_file(tmp_path))
    assert len(plan.runs) == 2 * 2 * 2  # grid x zip x replications
    points = {json.dumps(r.point, sort_keys=True) for r in plan.runs}
    assert len(points) == 4 and len({r.run_id for r in plan.runs}) == 8
    keys = [r.spawn_key for r in plan.runs]
    assert keys == [(k,) for k in range(8)]  # one child of SeedSequence(7) per run
    again = sweep.load_sweep(_file(tmp_path))
    assert [r.run_id for r in again.runs] == [r.run_id for r in plan.runs]


def test_pool_equals_one_process_and_rows_carry_their_seed(tmp_path):
    f = _file(tmp_path)
    assert main(["sweep", str(f), "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert main(["sweep", str(f), "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    one, two = _rows(tmp_path / "one"), _rows(tmp_path / "two")
    assert one == two and len(one) == 8 * 5  # 8 runs x 5 VM networks
    assert {r["spawn_key"] for r in one} == {json.dumps([k]) for k in range(8)}
    assert {r["pattern"] for r in one} == {"s2s", "mpls", "nat", "public_ip", "remote_access"}
    nat = [r for r in one if r["pattern"] == "nat"]
    assert {r["vm_networks_2_traffic_0_rate_pps"] for r in nat} == {10000, 40000}


def test_resume_after_an_interruption_gives_each_point_once(tmp_path):
    f = _file(tmp_path)
    full, part = tmp_path / "full", tmp_path / "part"
    assert main(["sweep", str(f), "--workers", "1", "--out", str(full)]) == 0
    assert main(["sweep", str(f), "--workers", "1", "--out", str(part)]) == 0
    # An interrupted sweep: three runs lost their runs row (killed before it was written),
    # one of them left a half-written temporary file behind.
    lost = sorted((part / "runs").glob("*.parquet"))[:3]
    for m in lost:
        m.unlink()
    (part / "tenants" / "pattern=nat" / ".junk.parquet.123.tmp").write_bytes(b"half")
    assert main(["sweep", str(f), "--out", str(part)]) == 2  # refuses without --resume
    assert main(["sweep", str(f), "--workers", "1", "--out", str(part), "--resume"]) == 0
    assert _rows(part) == _rows(full)
    assert _runs(part) == _runs(full) and len(_runs(part)) == 8
    assert not list(part.rglob("*.tmp"))


@pytest.mark.slow
def test_a_killed_sweep_resumes_to_the_same_dataset(tmp_path):
    f = _file(tmp_path, SWEEP.format(duration=0.3))
    full, part = tmp_path / "full", tmp_path / "part"
    assert main(["sweep", str(f), "--workers", "1", "--out", str(full)]) == 0
    cmd = [
        sys.executable,
        "-m",
        "nvbench.cli",
        "sweep",
        str(f),
        "--workers",
        "1",
        "--out",
        str(part),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((part / "runs").glob("*.parquet"))) < 2:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(list((part / "runs").glob("*.parquet")))
    assert 2 <= before < 8  # killed midway
    assert main(["sweep", str(f), "--workers", "1", "--out", str(part), "--resume"]) == 0
    assert _rows(part) == _rows(full)


def test_a_failed_point_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    plan = sweep.load_sweep(_file(tmp_path))
    bad = plan.runs[3].run_id
    real = sweep.run_one

    def flaky(base, run, duration_s):
        if run.run_id == bad:
            raise RuntimeError("boom")
        return real(base, run, duration_s)

    monkeypatch.setattr(sweep, "run_one", flaky)
    outcome = sweep.execute(plan, tmp_path / "out", workers=1)
    assert (outcome.done, outcome.failed) == (7, 1)
    failures = Dataset(tmp_path / "out").failures()
    assert failures[0]["run_id"] == bad and "boom" in failures[0]["error"]


def test_progress_reports_every_run_once_and_counts_what_was_done_before(tmp_path, monkeypatch):
    plan = sweep.load_sweep(_file(tmp_path))
    bad, real = plan.runs[3].run_id, sweep.run_one

    def flaky(base, run, duration_s):
        if run.run_id == bad:
            raise RuntimeError("boom")
        return real(base, run, duration_s)

    monkeypatch.setattr(sweep, "run_one", flaky)
    seen: list[tuple[int, int, int]] = []
    sweep.execute(plan, tmp_path / "out", workers=1, progress=lambda *a: seen.append(a))
    n = len(plan.runs)
    assert [done + failed for done, failed, _ in seen] == list(range(1, n + 1))
    assert {total for _, _, total in seen} == {n} and seen[-1] == (n - 1, 1, n)
    # Resumed, only the failed run is left: one tick, counting the runs done before.
    monkeypatch.setattr(sweep, "run_one", real)
    again: list[tuple[int, int, int]] = []
    sweep.execute(plan, tmp_path / "out", resume=True, progress=lambda *a: again.append(a))
    assert again == [(n, 0, n)]


def test_provenance_in_the_schema(tmp_path):
    f = _file(tmp_path)
    assert main(["sweep", str(f), "--workers", "1", "--out", str(tmp_path / "o")]) == 0
    import pyarrow.parquet as pq

    for table in ("runs", "tenants"):
        path = next((tmp_path / "o" / table).rglob("*.parquet"))
        meta = {k.decode(): v.decode() for k, v in pq.read_schema(path).metadata.items()}
        assert meta["seed_entropy"] == "7" and meta["nvbench"]
        assert meta["schema_version"] == schema.SCHEMA_VERSION
        assert len(meta["scenario_hash"]) == len(meta["sweep_hash"]) == 64
        assert json.loads(meta["spawn_key"])[0] in range(8)
        assert {"numpy", "numba", "pyarrow", "python"} <= set(json.loads(meta["packages"]))


def test_one_runs_row_per_run_agrees_with_its_tenants(tmp_path):
    """The runs table: one row per run, the point's values as typed columns, and totals
    that equal the sum of its VM networks' rows (two tables written apart, one truth)."""
    f = _file(tmp_path)
    out = tmp_path / "o"
    assert main(["sweep", str(f), "--workers", "1", "--out", str(out)]) == 0
    runs = ds.dataset(out / "runs", format="parquet").to_table()
    assert runs.num_rows == 8 and len(set(runs["run_id"].to_pylist())) == 8
    # Swept columns in snake_case (SQL needs no quotes), their key paths in the metadata.
    assert runs.schema.field("vm_networks_2_traffic_0_rate_pps").type == "int64"
    swept = json.loads(runs.schema.metadata[b"swept"])
    assert swept == {"vm_networks_2_traffic_0_rate_pps": "vm_networks[2].traffic[0].rate_pps",
                     "gateways_0_vcpus": "gateways[0].vcpus"}  # fmt: skip
    tenants = _rows(out)
    for r in runs.to_pylist():
        mine = [t for t in tenants if t["run_id"] == r["run_id"]]
        assert len(mine) == r["tenants"] == 5
        assert r["delivered"] == sum(t["delivered"] for t in mine)
        assert r["dropped"] == sum(t["dropped"] for t in mine)
        assert r["worst_tenant_p99_ms"] == max(t["latency_p99_ms"] for t in mine)
        assert r["public_ipv4"] >= 1 and 0 <= r["loss"] < 1


def test_time_series_when_the_scenario_asks(tmp_path):
    every = '[[grid]]\npath = "run.series_interval_ms"\nvalues = [20.0]\n[[zip]]'
    text = SWEEP.format(duration=0.06).replace("[[zip]]", every)
    out = tmp_path / "o"
    assert main(["sweep", str(_file(tmp_path, text)), "--workers", "1", "--out", str(out)]) == 0
    series = ds.dataset(out / "series", format="parquet").to_table().to_pylist()
    assert {r["run_id"] for r in series} == {r["run_id"] for r in _rows(out)}
    assert {r["t_ns"] for r in series} >= {20_000_000, 40_000_000}


def test_duckdb_reads_the_dataset_as_is(tmp_path):
    import duckdb

    f = _file(tmp_path)
    out = tmp_path / "o"
    assert main(["sweep", str(f), "--workers", "1", "--out", str(out)]) == 0
    source = f"read_parquet('{out / 'tenants' / '**' / '*.parquet'}', hive_partitioning = true)"
    query = f"select count(*), count(distinct pattern), count(distinct run_id) from {source}"
    assert duckdb.sql(query).fetchall() == [(40, 5, 8)]
    ids = {r[0] for r in duckdb.sql(f"select run_id from {source}").fetchall()}
    assert ids == {r["run_id"] for r in _rows(out)}


def test_a_rerun_that_succeeds_clears_the_old_failure(tmp_path):
    plan = sweep.load_sweep(_file(tmp_path))
    data = Dataset(tmp_path / "out")
    data.write_failure(plan.runs[0].run_id, plan.runs[0].point, "boom")
    sweep.execute(plan, tmp_path / "out", workers=1, resume=True)
    assert data.failures() == []


@pytest.mark.parametrize("runs,workers", [(1, 4), (7, 2), (64, 2), (1000, 2), (5, 1)])
def test_chunks_hand_out_every_run_once(runs, workers):
    todo = [sweep.SweepRun(f"r{k}", {}, 0, 0, (k,)) for k in range(runs)]
    parts = sweep.chunks(todo, workers)
    assert sorted(r.run_id for c in parts for r in c) == sorted(r.run_id for r in todo)
    assert all(1 <= len(c) <= 16 for c in parts)
    assert len(parts) >= min(runs, 8 * workers)  # enough to balance the workers


def test_the_same_sweep_file_and_seed_give_identical_datasets(tmp_path):
    """Every table, row for row, and every file's provenance (run ids, seeds, hashes)."""
    f = _file(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["sweep", str(f), "--workers", "2", "--out", str(out)]) == 0
    assert _runs(a) == _runs(b) and _rows(a) == _rows(b)
    import pyarrow.parquet as pq

    files = sorted(p.relative_to(a) for p in a.rglob("*.parquet"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.parquet"))
    for rel in files:
        assert pq.read_schema(a / rel).metadata == pq.read_schema(b / rel).metadata
    changed = tmp_path / "c.toml"
    changed.write_text(f.read_text().replace("seed = 7", "seed = 8"))
    assert main(["sweep", str(changed), "--workers", "1", "--out", str(tmp_path / "c")]) == 0

    def draws(out):
        return sorted((r["vm_networks_2_traffic_0_rate_pps"], r["replication"], r["offered"])
                      for r in _runs(out))  # fmt: skip

    assert draws(tmp_path / "c") != draws(a)  # another seed: other Poisson draws


def test_two_paths_that_make_one_column_are_refused(tmp_path):
    text = B + '[[grid]]\npath = "gateways[0].vcpus"\nvalues = [2]\n'
    text = text.replace('[[zip]]\npath = "gateways[0].vcpus"', '[[zip]]\npath = "gateways[0]vcpus"')
    with pytest.raises(ScenarioError) as e:
        sweep.load_sweep(_file(tmp_path, text))
    assert any("its column 'gateways_0_vcpus' is also the swept" in m for m in e.value.problems)
