"""Sweep files and readers shared by the sweep tests and the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds

SWEEP = """
scenario = "default"
replications = 2
seed = 7
duration_s = {duration}
[[grid]]
path = "vm_networks[2].traffic[0].rate_pps"
values = [10000, 40000]
[[zip]]
path = "gateways[0].vcpus"
values = [4, 8]
"""
B = SWEEP.format(duration=0.02)


def _file(tmp_path: Path, text: str = B, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _rows(out: Path) -> list[dict]:
    table = ds.dataset(out / "tenants", format="parquet", partitioning="hive").to_table()
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: (r["run_id"], r["vm_network"]))


def _runs(out: Path) -> list[dict]:
    rows = ds.dataset(out / "runs", format="parquet").to_table().to_pylist()
    return sorted(rows, key=lambda r: r["run_id"])
