"""One results path: `run`, `compare` and `plan` write typed tables with a sweep's
provenance, so that their folders and a sweep's dataset read the same way."""

from __future__ import annotations

import json
import subprocess

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from nvbench.cli import main
from nvbench.records import schema
from tests.helpers import DEFAULT, ROOT
from tests.sweep.files import _file

COMMON = {"nvbench", "git_commit", "schema_version", "scenario_hash", "packages"}


def _meta(path) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in (pq.read_schema(path).metadata or {}).items()}


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_run_plan_and_sweep_files_carry_the_same_provenance(tmp_path, capsys):
    run, plan, sweep = tmp_path / "run", tmp_path / "plan", tmp_path / "sweep"
    assert main(["compare", "--duration", "0.05", "--seed", "3", "--out", str(run)]) == 0
    assert main(["plan", str(DEFAULT), "--slo", "p99_latency_ms<=5", "--analytic-only",
                 "--out", str(plan)]) == 0  # fmt: skip
    assert main(["sweep", str(_file(tmp_path)), "--workers", "1", "--out", str(sweep)]) == 0
    capsys.readouterr()
    swept = _meta(next((sweep / "runs").glob("*.parquet")))
    assert set(swept) >= COMMON
    for path in [*run.glob("*.parquet"), *plan.glob("*.parquet")]:
        meta = _meta(path)
        assert {k: meta[k] for k in COMMON} == {k: swept[k] for k in COMMON}, path.name
    ran = _meta(run / "patterns.parquet")
    # Five replications (the default): children 0..4 of SeedSequence(3), as a sweep's.
    assert ran["seed_entropy"] == "3" and json.loads(ran["spawn_key"]) == [[k] for k in range(5)]
    keys = json.loads(ran["spawn_keys"])
    assert keys and all(isinstance(k, list) and len(k) == 1 for k in keys.values())


def test_a_runs_rows_have_the_sweeps_schema(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(DEFAULT), "--duration", "0.05", "--out", str(out)]) == 0
    capsys.readouterr()
    assert pq.read_schema(out / "run.parquet").remove_metadata() == schema.runs({})
    assert pq.read_schema(out / "patterns.parquet").remove_metadata() == schema.tenants({})
    rows = ds.dataset(out / "patterns.parquet").to_table().to_pylist()
    runs = pq.read_table(out / "run.parquet").to_pylist()
    assert [r["replication"] for r in runs] == [0, 1, 2, 3, 4]  # five by default
    assert len({r["run_id"] for r in runs}) == 5
    assert {r["run_id"] for r in rows} == {r["run_id"] for r in runs}


def test_git_commit_is_the_checkouts_own():
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()  # fmt: skip
    assert schema.git_commit().removesuffix("-dirty") == head
