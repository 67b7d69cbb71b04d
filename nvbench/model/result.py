"""What a run produces: a summary, per-element and per-tenant figures, and Arrow tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from nvbench.fastpath.sketch import RELATIVE_ERROR, LatencySketch
from nvbench.fastpath.verdict import Verdict

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

EVENT_COLUMNS = ("t_ns", "kind", "element", "detail")
LATENCY_KEYS = ("mean", "p50", "p95", "p99", "p999", "max")
SERIES_COLUMNS = ("t_ns", "element", "offered", "delivered", "dropped", "bytes", "in_flight")
_I, _S, _F = pa.int64(), pa.string(), pa.float64()
# The engine's tables, typed: an empty table has the same columns and types as a full one
# (so a glob over many runs reads as one table in DuckDB or pyarrow).
SCHEMAS = {
    "drops": pa.schema([("element", _S), ("tenant", _I), ("verdict", _S), ("packets", _I)]),
    "nat": pa.schema([("element", _S), ("public_address", _S), ("ports_in_use", _I)]),
    "events": pa.schema([(c, _I if c == "t_ns" else _S) for c in EVENT_COLUMNS]),
    "series": pa.schema([(c, _S if c == "element" else _I) for c in SERIES_COLUMNS]),
    "tenants": pa.schema(
        [
            ("tenant", _I),
            ("offered", _I),
            ("carried_in", _I),
            ("delivered", _I),
            ("dropped", _I),
            ("in_flight", _I),
            ("throughput_bps", _F),
            *((f"latency_{k}_ns", _F) for k in LATENCY_KEYS),
        ]
    ),  # fmt: skip
}


class AccountingError(RuntimeError):
    """Packets offered are not all delivered, dropped or in flight: a bug, never a result."""


@dataclass
class Result:
    """The figures of one run. Times in ns, rates per second of simulated time."""

    duration_ns: int
    seed_entropy: int
    spawn_keys: dict[str, tuple[int, ...]]
    elements: list[dict[str, Any]]
    drops: list[dict[str, Any]]
    tenants: list[dict[str, Any]]
    series: list[tuple]
    summary: dict[str, Any] = field(default_factory=dict)
    nat: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    spawn_key: tuple[int, ...] = ()  # of the run's own SeedSequence

    def element(self, name: str) -> dict[str, Any]:
        for row in self.elements:
            if row["name"] == name:
                return row
        raise KeyError(f"no element named {name!r}")

    def accounting_problems(self) -> list[str]:
        """Every place where offered + originated != delivered + dropped + in flight +
        absorbed (empty if none; pieces of a cut packet are originated and absorbed, see
        :class:`nvbench.model.metrics.Counters`)."""
        out = []
        for r in self.elements:
            rest = r["delivered"] + r["dropped"] + r["in_flight"] + r["absorbed"]
            if r["offered"] + r["originated"] != rest:
                out.append(f"{r['name']}: offered {r['offered']} + {r['originated']} "
                           f"originated != {rest} accounted")  # fmt: skip
        # Not per tenant: a NAT hairpin hands a packet from one tenant to another.
        s = self.summary
        rest = s["delivered"] + s["dropped"] + s["in_flight"] + s["absorbed"]
        if s["offered"] + s["carried_in"] + s["originated"] != rest:
            out.append(f"end to end: offered {s['offered']} + {s['carried_in']} carried in "
                       f"+ {s['originated']} originated != {rest} accounted")  # fmt: skip
        return out

    def to_arrow(self) -> dict[str, pa.Table]:
        """Tables ``run`` (one row), ``elements``, ``drops`` (by element, tenant and
        reason), ``tenants``, ``nat`` (ports in use per public address) and ``series``."""
        run = {**self.summary, "seed_entropy": str(self.seed_entropy)}
        rows = {"drops": self.drops, "nat": self.nat, "tenants": self.tenants,
                "events": [dict(zip(EVENT_COLUMNS, e, strict=True)) for e in self.events],
                "series": [dict(zip(SERIES_COLUMNS, r, strict=True))
                           for r in self.series]}  # fmt: skip
        out = {"run": pa.Table.from_pylist([run]), "elements": _union(self.elements)}
        for name, sch in SCHEMAS.items():
            out[name] = pa.Table.from_pylist(
                [{c: r[c] for c in sch.names} for r in rows[name]], schema=sch
            )
        return out


def _union(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows whose keys differ by kind of element (a gateway's NAT figures, a limit's
    utilization) as one table: every key a column, null where a row has none; a column no
    row has a value for is float64 (a figure, unmeasured here), never Arrow's null type."""
    names = dict.fromkeys(k for r in rows for k in r)
    columns = {}
    for name in names:
        values = pa.array([r.get(name) for r in rows])
        columns[name] = values.cast(_F) if pa.types.is_null(values.type) else values
    return pa.table(columns)


def _latency(sketch: LatencySketch, prefix: str) -> dict[str, float | None]:
    """The sketch's figures; None (a null in Arrow) where nothing was measured."""
    empty = sketch.count == 0
    return {f"{prefix}{k}_ns": None if empty else v for k, v in sketch.summary().items()}


def collect(sim: Simulation, duration_ns: int) -> Result:
    """Read every element's books at the end of a run (after the warm-up, if any)."""
    duration_ns -= sim.measured_from
    seconds = duration_ns / 1e9
    elements, drops = [], []
    for e in sim.elements:
        s = e.stats
        row: dict[str, Any] = {
            "name": e.name,
            "kind": e.kind,
            "offered": s.offered,
            "delivered": s.delivered,
            "dropped": s.dropped,
            "in_flight": e.in_flight(),
            "originated": s.originated,
            "absorbed": s.absorbed,
            "delivered_bytes": s.delivered_bytes,
            "throughput_pps": s.delivered / seconds,
            "throughput_bps": s.delivered_bytes * 8 / seconds,
            # Little's law: the time-average number inside is the total time spent inside
            # by the packets that left, over the duration (those still inside not counted).
            "mean_occupancy": float(s.delay.stats[1]) / duration_ns,
            **_latency(s.delay, "delay_"),
            **e.extra(duration_ns),
        }
        elements.append(row)
        for t, v in zip(*np.nonzero(s.drops_by), strict=True):
            drops.append({"element": e.name, "tenant": int(t), "verdict": Verdict(int(v)).name,
                          "packets": int(s.drops_by[t, v])})  # fmt: skip
    tenants = _tenants(sim, seconds)
    summary = _summary(sim, elements, seconds)
    nat = [row for e in sim.elements for row in e.nat_rows()]
    return Result(
        duration_ns, _entropy(sim.seed), dict(sim.spawn_keys),
        elements, drops, tenants, list(sim.series), summary, nat, sorted(sim.events),
        tuple(sim.seed.spawn_key),
    )  # fmt: skip


def _entropy(seed: np.random.SeedSequence) -> int:
    e = seed.entropy
    return int(e) if isinstance(e, int) else int.from_bytes(np.asarray(e, np.uint32).tobytes())


def _ends(sim: Simulation) -> tuple[list, list]:
    sources = [e for e in sim.elements if e.kind == "source"]
    sinks = [e for e in sim.elements if e.kind == "sink"]
    return sources, sinks


def _summary(sim: Simulation, elements: list[dict], seconds: float) -> dict[str, Any]:
    sources, sinks = _ends(sim)
    latency = LatencySketch()
    for k in sinks:
        latency.merge(k.latency)
    delivered = sum(k.stats.delivered for k in sinks)
    return {
        "duration_ns": int(round(seconds * 1e9)),
        "measured_from_ns": sim.measured_from,
        "carried_in": sim.carried,
        "offered": sum(s.stats.offered for s in sources),
        "delivered": delivered,
        "dropped": sum(r["dropped"] for r in elements),
        "in_flight": sum(r["in_flight"] for r in elements),
        "originated": sum(r["originated"] for r in elements),
        "absorbed": sum(r["absorbed"] for r in elements),
        "delivered_bytes": sum(k.stats.delivered_bytes for k in sinks),
        "throughput_pps": delivered / seconds,
        "throughput_bps": sum(k.stats.delivered_bytes for k in sinks) * 8 / seconds,
        "latency_relative_error": RELATIVE_ERROR,
        **_latency(latency, "latency_"),
    }


def _tenants(sim: Simulation, seconds: float) -> list[dict[str, Any]]:
    sources, sinks = _ends(sim)
    zero = np.zeros(sim.max_tenants, np.int64)
    # Offered in the measurement window; the packets inside the network when the warm-up
    # ended are carried in, each tenant's apart (its books: offered + carried in = delivered
    # + dropped + in flight).
    offered = sum((s.tenants.packets for s in sources), zero)
    carried = sim.carried_by_tenant
    delivered = sum((k.tenants.packets for k in sinks), zero)
    nbytes = sum((k.tenants.bytes for k in sinks), zero)
    dropped = sum((e.stats.drops_by_tenant for e in sim.elements), zero)
    inside = sum((e.in_flight_by_tenant() for e in sim.elements), zero)
    rows = []
    for t in np.flatnonzero(offered + carried + delivered):
        latency = LatencySketch()
        for k in sinks:
            latency.merge(k.by_tenant.get(int(t)))
        rows.append(
            {
                "tenant": int(t),
                "offered": int(offered[t]),
                "carried_in": int(carried[t]),
                "delivered": int(delivered[t]),
                "dropped": int(dropped[t]),
                "in_flight": int(inside[t]),
                "throughput_bps": float(nbytes[t]) * 8 / seconds,
                **_latency(latency, "latency_"),
            }
        )
    return rows
