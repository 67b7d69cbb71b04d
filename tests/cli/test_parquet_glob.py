"""Run folders read as one dataset: every engine table typed the same in every run, empty
or not, so a glob over the folders reads in DuckDB and pyarrow (issue 15: an empty table
was written with Arrow's null type, and DuckDB refused to cast it)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from nvbench.cli import main
from nvbench.model.result import SCHEMAS
from tests.helpers import SHIPPED

TYPED = ("run", "patterns", *SCHEMAS)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    # nat.toml drops nothing and has no events; failover has both (its gateway fails).
    for name, duration in (("nat", "0.05"), ("failover", "2.5")):
        argv = ["run", str(SHIPPED / f"{name}.toml"), "--duration", duration, "--replications", "2"]
        assert main([*argv, "--out", str(root / name)]) == 0
    return root


@pytest.mark.slow  # two scenario runs
@pytest.mark.parametrize("table", TYPED)
def test_duckdb_and_pyarrow_read_a_glob_of_run_folders(results, table):
    files = sorted(results.glob(f"*/{table}.parquet"))
    assert len(files) == 2
    got = duckdb.sql(f"select count(*) from read_parquet('{results}/*/{table}.parquet')")
    rows = ds.dataset(files, format="parquet").to_table()
    assert got.fetchall()[0][0] == rows.num_rows
    if table in SCHEMAS:
        want = SCHEMAS[table]
        if table in ("drops", "tenants"):  # the run folder names the tenants too
            want = want.insert(1, pa.field("vm_network", pa.string()))
        want = want.insert(0, pa.field("replication", pa.int32()))  # the rows of every run
        assert rows.schema.remove_metadata() == want


@pytest.mark.slow  # two scenario runs
def test_tenants_are_named_in_every_table(results):
    """drops and tenants carry the VM network's name beside the engine's number."""
    q = (f"select distinct vm_network from read_parquet('{results}/failover/drops.parquet') "
         "order by 1")  # fmt: skip
    assert [r[0] for r in duckdb.sql(q).fetchall()] == ["contoso-s2s", "northwind-nat",
                                                        "wingtip-ra"]  # fmt: skip
    names = duckdb.sql(f"select replication, vm_network from read_parquet("
                       f"'{results}/nat/tenants.parquet')")  # fmt: skip
    assert names.fetchall() == [(r, "northwind-nat") for r in range(2)]  # two replications


@pytest.mark.slow  # two scenario runs
def test_an_empty_table_is_typed_like_a_full_one(results):
    sizes = {f.parent.name: ds.dataset(f).count_rows() for f in results.glob("*/events.parquet")}
    assert sizes["nat"] == 0 and sizes["failover"] > 0


@pytest.mark.slow  # two scenario runs
def test_elements_keep_every_elements_figures(results):
    """A gateway's own figures (its mode, NAT sessions) reach Parquet, null for the others."""
    q = (f"select name, mode, nat_sessions from read_parquet('{results}/nat/elements.parquet')"
         " where kind = 'gateway'")  # fmt: skip
    (name, mode, sessions), *_ = duckdb.sql(q).fetchall()
    assert mode and sessions is not None and sessions >= 0
    nulls = duckdb.sql(f"select count(*) from read_parquet('{results}/nat/elements.parquet') "
                       "where kind = 'link' and mode is not null").fetchall()[0][0]  # fmt: skip
    assert nulls == 0
