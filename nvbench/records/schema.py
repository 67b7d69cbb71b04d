"""The Arrow schema of nvbench's datasets, versioned: bump SCHEMA_VERSION on any change.

Tables written by sweeps (:mod:`nvbench.records.dataset`), by ``run`` and ``compare`` (the
same ``runs`` and ``tenants`` rows, one run) and by ``plan``, and read by reports:

- ``runs``: one row per run: the sweep point's parameters (one column per key path), the
  run's ids and seed, and every summary metric of the run;
- ``tenants``: one row per run and VM network (its pattern, throughput, latency, loss,
  gateway, bottleneck and public IPv4 bill), partitioned by pattern;
- ``series``: optional, one row per run, element and interval (``run.series_interval_ms``);
- ``plan``, ``plan_points``, ``frontier``: a capacity plan's answers, every evaluation it
  made, and its capacity frontier.

Every column has a fixed type, so files of different runs (a latency that is null in one
and measured in another, say) form one dataset without casts. Provenance goes into each
file's schema metadata (FACTS.md, "Parquet": version, scenario hash, entropy, packages).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa

from nvbench.version import __version__

SCHEMA_VERSION = "10"  # 2: run/compare/plan files typed and with a sweep's provenance;
# 3: the patterns table's wan_delay_ms and public_ipv4_shared; 4: runs' originated and
# absorbed (pieces of packets cut to fit a path MTU); 5: runs' profile (the gateway
# profile's name); 6: the patterns table's gateway_vcpu_util split into
# gateway_vcpu_busiest and gateway_vcpu_mean; 7: the tenants' offered only in the
# measurement window, carried_in apart; replications (patterns_ci, placements with intervals);
# 8: a sweep's swept columns in snake_case, their key paths in the metadata's "swept";
# 9: runs in the tenants' units: latency_*_ms (was _ns), delivered_pps (was throughput_pps),
# no throughput_bps (throughput_mbps); 10: the plan's frontier by estimate and simulation of
# copies of the typical tenant, plan_points' tenants
PACKAGES = ("numpy", "numba", "simpy", "pyarrow", "pydantic")

_ID = [
    ("run_id", pa.string()),
    ("replication", pa.int32()),
    ("seed_entropy", pa.string()),  # a SeedSequence's entropy may exceed 64 bits
    ("spawn_key", pa.string()),  # JSON list
    ("scenario", pa.string()),
]
RUN_METRICS = [
    ("duration_ns", pa.int64()),
    ("measured_from_ns", pa.int64()),
    ("carried_in", pa.int64()),
    ("offered", pa.int64()),
    ("delivered", pa.int64()),
    ("dropped", pa.int64()),
    ("in_flight", pa.int64()),
    ("originated", pa.int64()),
    ("absorbed", pa.int64()),
    ("delivered_bytes", pa.int64()),
    ("latency_relative_error", pa.float64()),
    *((f"latency_{k}_ms", pa.float64()) for k in ("mean", "p50", "p95", "p99", "p999", "max")),
    ("delivered_pps", pa.float64()),
    ("offered_pps", pa.float64()),
    ("loss", pa.float64()),
    ("throughput_mbps", pa.float64()),
    ("worst_tenant_p99_ms", pa.float64()),
    ("public_ipv4", pa.int64()),
    ("gateway_vms", pa.int64()),
    ("gateway_hosts", pa.int64()),
    ("tenants", pa.int64()),
    ("bottleneck", pa.string()),
    ("bottleneck_util", pa.float64()),
    ("profile", pa.string()),
]
TENANT_COLUMNS = [
    ("vm_network", pa.string()),
    ("pattern", pa.string()),  # the hive partition key of the tenants table
    ("load_pps", pa.float64()),  # the traffic rates the scenario sets (the offered load)
    ("offered", pa.int64()),  # packets its VMs and far ends sent in the measurement window
    ("carried_in", pa.int64()),  # its packets inside the network when the warm-up ended
    ("delivered", pa.int64()),
    ("dropped", pa.int64()),
    ("offered_pps", pa.float64()),
    ("delivered_pps", pa.float64()),
    ("loss", pa.float64()),
    ("throughput_mbps", pa.float64()),
    ("latency_p50_ms", pa.float64()),
    ("latency_p99_ms", pa.float64()),
    ("gateway", pa.string()),
    ("gateway_vcpu_busiest", pa.float64()),  # its gateway's busiest vCPU's utilization
    ("gateway_vcpu_mean", pa.float64()),  # ... and its vCPUs' mean
    ("bottleneck", pa.string()),
    ("bottleneck_util", pa.float64()),
    ("public_ipv4", pa.int64()),
    ("gateway_vms", pa.int64()),
    ("gateway_hosts", pa.int64()),
    ("recovery_s", pa.float64()),
    ("wan_delay_ms", pa.float64()),  # the longest one-way WAN delay to the far ends
    ("public_ipv4_shared", pa.string()),  # the shared public address it uses, if any
]
SERIES_COLUMNS = [
    ("t_ns", pa.int64()),
    ("element", pa.string()),
    ("offered", pa.int64()),
    ("delivered", pa.int64()),
    ("dropped", pa.int64()),
    ("bytes", pa.int64()),
    ("in_flight", pa.int64()),
]

# The figures of a VM network's row that vary from one replication to the next: a run
# folder's patterns_ci table has each as its mean and 95 % t-interval (_ci_low, _ci_high).
TENANT_MEASURED = ("offered", "carried_in", "delivered", "dropped", "offered_pps",
                   "delivered_pps", "loss", "throughput_mbps", "latency_p50_ms",
                   "latency_p99_ms", "gateway_vcpu_busiest", "gateway_vcpu_mean",
                   "bottleneck_util", "recovery_s")  # fmt: skip
PLACEMENT_COLUMNS = [
    ("placement", pa.string()),
    ("gateway_vms", pa.int64()),
    ("gateway_hosts", pa.int64()),
    ("busiest_vcpu", pa.float64()),  # the busiest vCPU of any gateway VM
    ("loss", pa.float64()),  # of every VM network together
    ("worst_p99_ms", pa.float64()),  # the worst VM network's p99 latency
    ("throughput_mbps", pa.float64()),  # of every VM network together
]
PLACEMENT_MEASURED = ("busiest_vcpu", "loss", "worst_p99_ms", "throughput_mbps")

PLAN_COLUMNS = [
    ("pattern", pa.string()),
    ("tenants", pa.int64()),
    ("offered_pps", pa.float64()),
    ("gateway_vms_analytic", pa.int64()),
    ("gateway_vms", pa.int64()),  # confirmed by simulation; null: none meets the SLO
    ("gateway_hosts", pa.int64()),
    ("public_ipv4", pa.int64()),
    ("fleet_gateway_vms", pa.int64()),
    ("max_load_analytic", pa.float64()),
    ("max_load", pa.float64()),
    ("max_tenants_analytic", pa.int64()),
    ("max_tenants", pa.int64()),
    ("note", pa.string()),
]
PLAN_POINT_COLUMNS = [
    ("pattern", pa.string()),
    ("question", pa.string()),  # "gateways" or "load"
    ("method", pa.string()),  # "analytic" or "simulated"
    ("gateway_vms", pa.int64()),
    ("gateway_hosts", pa.int64()),
    ("load_factor", pa.float64()),
    ("p50_ms", pa.float64()),
    ("p99_ms", pa.float64()),
    ("loss", pa.float64()),
    ("meets", pa.bool_()),  # judged on the upper ends of the intervals where there are some
    ("p50_ms_ci_high", pa.float64()),
    ("p99_ms_ci_high", pa.float64()),
    ("loss_ci_high", pa.float64()),
    ("replications", pa.int64()),  # 0: the estimate
    ("tenants", pa.int64()),  # VM networks in the layout judged
]
FRONTIER_COLUMNS = [
    ("pattern", pa.string()),
    ("gateway_vms", pa.int64()),  # passive cluster partners included
    ("active_gateway_vms", pa.int64()),
    ("tenants_analytic", pa.int64()),  # the most tenants like the typical one, by estimate
    ("tenants", pa.int64()),  # ... confirmed by simulation (null: not simulated)
    ("tenants_per_gateway_analytic", pa.int64()),
    ("tenants_per_gateway", pa.int64()),
]


def column_name(path: str) -> str:
    """A swept key path's column: snake_case, so that SQL needs no quotes
    (``vm_networks[2].traffic[0].rate_pps`` -> ``vm_networks_2_traffic_0_rate_pps``); the
    key path itself is in the files' metadata (``swept``)."""
    return re.sub(r"[^0-9A-Za-z]+", "_", path).strip("_")


def swept_columns(paths: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each swept key path's column -> the path, and the problems: two paths that make one
    name, or a name that is one of the tables' own columns."""
    taken = {f.name for f in [*runs({}), *tenants({}), *series({})]}
    out: dict[str, str] = {}
    problems = []
    for path in paths:
        name = column_name(path)
        if name in out or name in taken:
            other = f"the swept {out[name]!r}" if name in out else "a column of the results"
            problems.append(f"{path}: its column {name!r} is also {other}")
        out[name] = path
    return out, problems


def param_type(values: list[Any]) -> pa.DataType:
    """The column type of a sweep axis, from all its values (ints and floats -> float64)."""
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()  # anything else is written as its JSON text


def _fields(params: dict[str, pa.DataType]) -> list[pa.Field]:
    return [pa.field(k, t) for k, t in params.items()] + [pa.field(k, t) for k, t in _ID]


def runs(params: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema(_fields(params) + [pa.field(k, t) for k, t in RUN_METRICS])


def tenants(params: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema(_fields(params) + [pa.field(k, t) for k, t in TENANT_COLUMNS])


def series(params: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema(_fields(params) + [pa.field(k, t) for k, t in SERIES_COLUMNS])


def with_intervals(columns: list[tuple[str, pa.DataType]], measured: tuple[str, ...]) -> pa.Schema:
    """The schema of a table of means over replications: each ``measured`` column as its
    mean (float64) followed by its interval's ends, then how many replications."""
    fields = []
    for k, t in columns:
        if k in measured:
            fields += [(k, pa.float64()), (f"{k}_ci_low", pa.float64()),
                       (f"{k}_ci_high", pa.float64())]  # fmt: skip
        else:
            fields.append((k, t))
    return fixed([*fields, ("replications", pa.int64())])


def placement_runs() -> pa.Schema:
    """One row per placement and replication (a comparison's placement_runs table)."""
    return fixed([*PLACEMENT_COLUMNS, ("replication", pa.int32())])


def fixed(columns: list[tuple[str, pa.DataType]]) -> pa.Schema:
    """The schema of a table with no sweep parameters or run ids (a plan's)."""
    return pa.schema([pa.field(k, t) for k, t in columns])


def table(schema: pa.Schema, rows: list[dict[str, Any]], meta: dict[str, str]) -> pa.Table:
    """``rows`` as a table of ``schema`` (missing keys are nulls), with ``meta`` attached."""
    cols = {}
    for f in schema:
        values = [r.get(f.name) for r in rows]
        if pa.types.is_string(f.type):
            values = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
        cols[f.name] = pa.array(values, f.type)
    meta = {**meta, "schema_version": SCHEMA_VERSION}
    return pa.Table.from_pydict(cols, schema=schema.with_metadata(meta))


def digest(doc: Any) -> str:
    """A stable hash of a JSON-able document (a scenario, a sweep file)."""
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def provenance(doc: Any, **more: str) -> dict[str, str]:
    """What every file nvbench writes carries in its schema metadata: the nvbench version
    and git commit (where it runs from a checkout), the schema version, the hash of the
    scenario (``doc``, a JSON-able document) and the package versions; ``more`` adds the
    scenario's name, the seed's entropy, spawn keys and the like."""
    return {"nvbench": __version__, "git_commit": git_commit(), "schema_version": SCHEMA_VERSION,
            "scenario_hash": digest(doc), "packages": packages(), **more}  # fmt: skip


@functools.cache
def git_commit() -> str:
    """The commit nvbench runs from, with ``-dirty`` if its files differ from it; empty
    when it is not a git checkout (an installed package) or git is not there."""
    here = Path(__file__).resolve().parents[2]
    if not (here / ".git").exists():
        return ""
    try:
        git = ["git", "-C", str(here)]
        head = _git([*git, "rev-parse", "HEAD"])
        dirty = _git([*git, "status", "--porcelain", "--", "nvbench"])
    except (OSError, subprocess.SubprocessError):
        return ""
    return head + ("-dirty" if dirty else "")


def _git(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, timeout=10,
                          check=True).stdout.strip()  # fmt: skip


def packages() -> str:
    """The versions the numbers depend on, as JSON."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a broken env
            out[name] = "unknown"
    return json.dumps(out, sort_keys=True)
