"""The Python API (nvbench.load_scenario, nvbench.run, Results): what it returns and what it
refuses."""

from __future__ import annotations

import importlib.util

import pyarrow.parquet as pq
import pytest

import nvbench


@pytest.fixture(scope="module")
def results():
    return nvbench.run("nat", replications=2, duration_s=0.05)


@pytest.mark.slow  # a scenario run
def test_run_returns_the_tables_the_command_writes(results, tmp_path):
    assert results.replications == 2 and results.scenario.name == "nat"
    assert results.table("run").num_rows == 2
    ci = results.table("patterns_ci").to_pylist()
    assert [r["vm_network"] for r in ci] == ["northwind-nat"] and ci[0]["replications"] == 2
    written = results.write(tmp_path / "out")
    assert {p.stem for p in written} == set(results.tables)
    back = pq.read_table(tmp_path / "out" / "patterns.parquet")
    assert back.equals(results.table("patterns"))
    with pytest.raises(FileExistsError, match="holds files already"):
        results.write(tmp_path / "out")  # nothing is overwritten


@pytest.mark.slow  # a scenario run
def test_an_unknown_table_is_named_with_the_tables_there(results):
    with pytest.raises(KeyError, match="no table 'patern'; the tables: drops, elements"):
        results.table("patern")


@pytest.mark.slow  # a scenario run
def test_to_pandas(results):
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match="pip install pandas"):
            results.to_pandas("patterns")
    else:
        frame = results.to_pandas("patterns")
        assert list(frame["replication"]) == [0, 1]


def test_a_model_changed_in_code_is_checked_like_a_file():
    s = nvbench.load_scenario("default")
    bad = s.model_copy(update={"vm_networks": s.vm_networks[:1] * 2})  # one network twice
    with pytest.raises(nvbench.ScenarioError) as e:
        nvbench.run(bad, replications=1, duration_s=0.05)
    assert any("vm_networks[1]" in p for p in e.value.problems)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="replications and workers must be >= 1"):
        nvbench.run("default", replications=0)
