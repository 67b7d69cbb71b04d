"""The plan as text (the command's table) and as Parquet files."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pyarrow as pa

from nvbench import __version__
from nvbench.plan.search import Plan
from nvbench.records import schema
from nvbench.records.dataset import atomic_write_table
from nvbench.scenario.schema import Scenario

COLUMNS = ("pattern", "tenants", "offered_pps", "gateway_vms_analytic", "gateway_vms",
           "gateway_hosts", "public_ipv4", "fleet_gateway_vms", "max_load_analytic", "max_load",
           "max_tenants_analytic", "max_tenants", "note")  # fmt: skip


def table(p: Plan) -> str:
    """The plan as text: one line per pattern."""
    lines = [f"SLO: {p.slo} (the worst tenant of each pattern)",
             f"{'pattern':<14}{'tenants':>8}{'GW VMs est/sim':>16}{'GW hosts':>9}{'IPv4':>6}"
             f"{'fleet':>6}{'max load est/sim':>18}{'max tenants est/sim':>21}"]  # fmt: skip
    for a in p.answers:
        gws = f"{_i(a.gateway_vms_analytic)}/{_i(a.gateway_vms)}"
        load = f"x{a.max_load_analytic:.2f}/" + (
            "-" if a.max_load is None else f"x{a.max_load:.2f}"
        )
        most = f"{a.max_tenants_analytic}/{_i(a.max_tenants)}"
        lines.append(f"{a.pattern:<14}{a.tenants:>8}{gws:>16}{_i(a.gateway_hosts):>9}"
                     f"{_i(a.public_ipv4):>6}{a.fleet_gateway_vms:>6}{load:>18}{most:>21}"
                     + (f"  {a.note}" if a.note else ""))  # fmt: skip
    return "\n".join(lines)


def _x(factor: float | None) -> str:
    return "-" if factor is None else f"x{factor:.2f}"


def _i(x: int | None) -> str:
    return "-" if x is None else str(x)


def write(p: Plan, s: Scenario, out: Path) -> list[Path]:
    """``plan``, ``plan_points`` and ``frontier`` as Parquet in ``out``, each atomically."""
    meta = {"nvbench": __version__, "scenario": s.name, "slo": str(p.slo),
            "scenario_hash": schema.digest(s.model_dump(mode="json")),
            "packages": schema.packages(), "schema_version": schema.SCHEMA_VERSION}  # fmt: skip
    tables = {
        "plan": pa.Table.from_pylist([asdict(a) for a in p.answers]),
        "plan_points": pa.Table.from_pylist([asdict(x) for x in p.points]),
        "frontier": pa.Table.from_pylist(p.frontier),
    }
    written = []
    for name, t in tables.items():
        path = out / f"{name}.parquet"
        atomic_write_table(path, t.replace_schema_metadata(meta))
        written.append(path)
    return written
