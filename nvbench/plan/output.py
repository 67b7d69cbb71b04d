"""The plan as text (the command's table) and as Parquet files."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pyarrow as pa

from nvbench.plan.search import Plan
from nvbench.records import schema
from nvbench.records.dataset import write_tables
from nvbench.scenario.schema import Scenario

COLUMNS = ("pattern", "tenants", "offered_pps", "gateway_vms_analytic", "gateway_vms",
           "gateway_hosts", "public_ipv4", "fleet_gateway_vms", "max_load_analytic", "max_load",
           "max_tenants_analytic", "max_tenants", "note")  # fmt: skip


def table(p: Plan) -> str:
    """The plan as text: one line per pattern."""
    runs = max((x.replications for x in p.points), default=0)
    judged = (f"each simulated layout or load run {runs} times, judged on the upper end of "
              f"the 95 % interval" if runs > 1 else "one run per simulated layout or load, "
              "judged on it (no interval)" if runs else "the estimate only")  # fmt: skip
    lines = [f"SLO: {p.slo} (the worst tenant of each pattern; {judged})",
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
    """``plan``, ``plan_points`` and ``frontier`` as Parquet in ``out``, each atomically,
    typed by :mod:`nvbench.records.schema` and with its provenance."""
    tables = {
        "plan": _table(schema.PLAN_COLUMNS, [asdict(a) for a in p.answers]),
        "plan_points": _table(schema.PLAN_POINT_COLUMNS, [asdict(x) for x in p.points]),
        "frontier": _table(schema.FRONTIER_COLUMNS, p.frontier),
    }
    meta = schema.provenance(s.model_dump(mode="json"), scenario=s.name, slo=str(p.slo))
    return write_tables(out, tables, meta)


def _table(columns, rows: list[dict]) -> pa.Table:
    return schema.table(schema.fixed(columns), rows, {})
