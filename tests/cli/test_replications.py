"""Replications in `run`, `compare` and `plan`: independent seeds from one SeedSequence (the
runs a sweep with the same seed makes), each figure's mean and 95 % interval in the table,
the JSON and the Parquet files, and results that do not depend on the number of workers."""

from __future__ import annotations

import json
from statistics import fmean

import pyarrow.parquet as pq
import pytest

from nvbench.cli import main
from tests.sweep.files import _file, _rows

FIGURES = ("offered", "delivered", "dropped", "throughput_mbps", "latency_p99_ms")


def _compare(tmp_path, capsys, *more: str) -> dict:
    out = tmp_path / "c"
    args = ["compare", "--duration", "0.1", "--seed", "7", "--json", "--out", str(out), *more]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow  # three scenario runs and a three-run sweep
def test_replications_are_the_runs_a_sweep_with_the_same_seed_makes(tmp_path, capsys):
    _compare(tmp_path, capsys, "--replications", "3", "--workers", "1")
    sweep = _file(tmp_path, 'scenario = "default"\nreplications = 3\nseed = 7\nduration_s = 0.1\n')
    assert main(["sweep", str(sweep), "--workers", "1", "--out", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    ours = pq.read_table(tmp_path / "c" / "patterns.parquet").to_pylist()
    theirs = _rows(tmp_path / "s")

    def key(r: dict) -> tuple:
        return r["replication"], r["vm_network"]

    assert len(ours) == len(theirs) == 15
    for a, b in zip(sorted(ours, key=key), sorted(theirs, key=key), strict=True):
        assert (a["spawn_key"], a["seed_entropy"]) == (b["spawn_key"], b["seed_entropy"])
        assert {f: a[f] for f in FIGURES} == {f: b[f] for f in FIGURES}
    # Different seeds: the replications differ from one another.
    per = {r["replication"]: r["offered"] for r in ours if r["vm_network"] == "contoso-s2s"}
    assert len(set(per.values())) == 3


@pytest.mark.slow  # six scenario runs
def test_the_results_do_not_depend_on_the_workers(tmp_path, capsys):
    one = _compare(tmp_path / "1", capsys, "--replications", "3", "--workers", "1")
    two = _compare(tmp_path / "2", capsys, "--replications", "3", "--workers", "2")
    assert one["patterns"] == two["patterns"] and one["runs"] == two["runs"]
    for name in ("patterns", "patterns_ci", "elements", "tenants", "drops"):
        a = pq.read_table(tmp_path / "1" / "c" / f"{name}.parquet").replace_schema_metadata()
        b = pq.read_table(tmp_path / "2" / "c" / f"{name}.parquet").replace_schema_metadata()
        assert a.equals(b), name


@pytest.mark.slow  # four scenario runs
def test_each_figure_is_the_mean_of_its_replications_with_its_interval(tmp_path, capsys):
    doc = _compare(tmp_path, capsys, "--replications", "4")
    assert doc["replications"] == 4 and doc["confidence_level"] == 0.95 and len(doc["runs"]) == 4
    runs = pq.read_table(tmp_path / "c" / "patterns.parquet").to_pylist()
    table = {r["vm_network"]: r for r in pq.read_table(tmp_path / "c" / "patterns_ci.parquet")
             .to_pylist()}  # fmt: skip
    for row in doc["patterns"]:
        mine = [r for r in runs if r["vm_network"] == row["vm_network"]]
        assert row["replications"] == len(mine) == 4
        for f in FIGURES:
            assert row[f] == pytest.approx(fmean(r[f] for r in mine))
            assert row[f"{f}_ci_low"] <= row[f] <= row[f"{f}_ci_high"]
            assert min(r[f] for r in mine) <= row[f] <= max(r[f] for r in mine)
        assert table[row["vm_network"]]["throughput_mbps_ci_high"] == pytest.approx(
            row["throughput_mbps_ci_high"])  # fmt: skip
        # Throughput varies from seed to seed: a real interval, not a point.
        assert row["throughput_mbps_ci_low"] < row["throughput_mbps_ci_high"]


def test_the_table_shows_the_half_width_and_says_what_it_is(tmp_path, capsys):
    out = tmp_path / "c"
    args = ["compare", "--duration", "0.05", "--replications", "2", "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    s2s = next(line for line in text.splitlines() if line.startswith("contoso-s2s"))
    assert s2s.count("±") >= 5  # throughput, p50, p99, loss, vCPU max and mean, bottleneck
    assert "Means of 2 replications (seeds: children of SeedSequence(1))" in text
    assert "half-width of the 95% t-interval" in text


def test_one_replication_has_no_interval_and_says_so(tmp_path, capsys):
    doc = _compare(tmp_path, capsys, "--replications", "1", "--duration", "0.05")
    assert doc["replications"] == 1
    assert all(r["loss_ci_low"] is None and r["loss_ci_high"] is None for r in doc["patterns"])
    assert main(["compare", "--duration", "0.05", "--replications", "1",
                 "--out", str(tmp_path / "d")]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "±" not in text and "One replication: no confidence intervals" in text


def test_replications_must_be_a_count(capsys):
    with pytest.raises(SystemExit) as e:
        main(["compare", "--replications", "0"])
    assert e.value.code == 2
    assert "--replications: must be an integer >= 1, got '0'" in capsys.readouterr().err
