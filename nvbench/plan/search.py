"""Capacity planning: the smallest gateway fleet that meets an SLO, and what a fleet carries.

For each access pattern of a scenario, on the scenario's VM networks of that pattern:

1. **Gateways needed.** The multi-tenant patterns (S2S, NAT, remote access) are dealt to G
   gateway VMs ``ceil(T/G)`` tenants each, packed on gateway hosts as the scenario's own
   gateway host fits them (its cores over the gateway's vCPUs [S18]); at most 100 VM
   networks per gateway [S16]. The analytic estimate (Erlang C over the cost model) gives
   the smallest G; simulation then bisects over the layouts to the smallest G it confirms.
   Each pattern is planned on gateways of its own, even where the scenario mixes them.
   The forwarding patterns (MPLS, public IP) need one forwarding gateway per VM network
   [S19]: nothing to choose, the plan checks that layout.
2. **What the fleet carries.** With the scenario's own gateways, the largest factor by
   which every tenant's load can grow within the SLO (analytic, then bisected by
   simulation), and so the largest number of tenants like the scenario's.
3. **The frontier.** For G = 1, 2, ... gateways: how many tenants of the pattern's average
   load they carry within the SLO (analytic), for the report's capacity frontier.

The estimate is :mod:`nvbench.plan.estimate`'s; simulation then confirms it.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from nvbench.model import profiles
from nvbench.patterns import addresses, placement
from nvbench.plan.carried import largest
from nvbench.plan.copies import copies
from nvbench.plan.estimate import Figures, figures
from nvbench.plan.slo import Slo
from nvbench.records.intervals import interval
from nvbench.scenario.loader import from_dict
from nvbench.scenario.schema import Placement, Scenario

MULTI_TENANT = placement.MULTI_TENANT
MAX_TENANTS_PER_GATEWAY = 100  # MaxVMNetworksSupported <= 100 [S16]


def only(s: Scenario, pattern: str) -> Scenario:
    """``s`` with just the VM networks of ``pattern``, their gateways, and no faults."""
    doc: dict[str, Any] = s.model_dump(mode="json")
    nets = [n for n in doc["vm_networks"] if n["pattern"] == pattern]
    used = {n["gateway"] for n in nets}
    clusters = {g["cluster"] for g in doc["gateways"] if g["name"] in used and g["cluster"]}
    gws = [g for g in doc["gateways"] if g["name"] in used or g["cluster"] in clusters - {None}]
    hosts = {g["host"] for g in gws}
    doc |= {"vm_networks": nets, "gateways": gws, "faults": [], "placements": [],
            "clusters": [c for c in doc["clusters"] if c["name"] in clusters],
            "gateway_hosts": [h for h in doc["gateway_hosts"] if h["name"] in hosts]}  # fmt: skip
    return from_dict(doc, f"{s.name}, pattern {pattern}")


def scaled(s: Scenario, factor: float) -> Scenario:
    """``s`` with every traffic rate multiplied by ``factor``."""
    doc: dict[str, Any] = s.model_dump(mode="json")
    for n in doc["vm_networks"]:
        for t in n["traffic"]:
            t["rate_pps"] = t["rate_pps"] * factor
    return from_dict(doc, f"{s.name} x{factor:g}")


def layout(s: Scenario, gateways: int) -> Scenario:
    """``s`` (one multi-tenant pattern) on ``gateways`` gateway VMs like its first one."""
    g = s.gateways[0]
    host = next(h for h in s.gateway_hosts if h.name == g.host)
    tenants = len(s.vm_networks)
    per_host = max(1, min(16, host.cores // g.vcpus))  # the vCPUs may not exceed the cores
    p = Placement(name="plan", vcpus=g.vcpus, gateway_vms_per_host=per_host,
                  tenants_per_gateway=-(-tenants // gateways), clustered=g.cluster is not None,
                  shared_nics=host.shared_nics)  # fmt: skip
    return placement.apply(s, p)


def candidates(tenants: int) -> list[int]:
    """The distinct gateway counts of dealing ``tenants`` ceil(T/G) at a time, ascending."""
    lowest = -(-tenants // MAX_TENANTS_PER_GATEWAY)
    counts = {-(-tenants // -(-tenants // g)) for g in range(lowest, tenants + 1)}
    return sorted(counts)


# -- the planner ----------------------------------------------------------------------------

Evaluate = Callable[[Scenario], Figures]


@dataclass
class Point:
    """One evaluation: a layout or a load, by the formulas or by a run."""

    pattern: str
    question: str  # "gateways", "load" or "tenants"
    method: str  # "analytic" or "simulated"
    gateway_vms: int
    gateway_hosts: int
    load_factor: float
    p50_ms: float  # the mean over the replications, for a run
    p99_ms: float
    loss: float
    meets: bool  # judged on the upper ends of the intervals where there are some
    p50_ms_ci_high: float | None = None
    p99_ms_ci_high: float | None = None
    loss_ci_high: float | None = None
    replications: int = 0  # 0: the estimate
    tenants: int = 0  # VM networks in the layout judged


@dataclass
class Answer:
    """The plan of one pattern."""

    pattern: str
    tenants: int
    offered_pps: float
    gateway_vms_analytic: int | None
    gateway_vms: int | None  # confirmed by simulation; None: none meets the SLO, or no runs
    gateway_hosts: int | None  # of the layout chosen (simulated, else estimated)
    public_ipv4: int | None
    fleet_gateway_vms: int
    max_load_analytic: float | None  # None: no traffic to scale
    max_load: float | None  # simulated
    max_tenants_analytic: int
    max_tenants: int | None  # simulated
    note: str = ""


@dataclass
class Plan:
    slo: Slo
    answers: list[Answer] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    frontier: list[dict[str, Any]] = field(default_factory=list)


class _Judge:
    """Says whether a scenario meets the SLO, by the estimate or by a run, and records
    every evaluation of one pattern as a :class:`Point`."""

    def __init__(self, planner: Planner, pattern: str, out: Plan) -> None:
        self.planner, self.pattern, self.out = planner, pattern, out

    def analytic(self, x: Scenario, question: str, factor: float = 1.0) -> bool:
        return self._record(question, "analytic", x, factor, self.planner.figures(x, factor))

    def simulated(self, x: Scenario, question: str, factor: float = 1.0) -> bool:
        simulate = self.planner.simulate
        assert simulate is not None
        self.planner.progress(f"{self.pattern}: simulating {len(x.vm_networks)} tenant(s) on "
                              f"{len(x.gateways)} gateway VM(s) at x{factor:.3g}")  # fmt: skip
        return self._record(question, "simulated", x, factor,
                            simulate(x if factor == 1.0 else scaled(x, factor)))  # fmt: skip

    def _record(self, question: str, method: str, x: Scenario, factor: float, f: Figures) -> bool:
        ok = self.planner.slo.meets(*f.judged())
        self.out.points.append(Point(self.pattern, question, method, len(x.gateways),
                                     placement.gateway_hosts_used(x), factor, f.p50_ms,
                                     f.p99_ms, f.loss, ok, f.p50_ms_high, f.p99_ms_high,
                                     f.loss_high, f.replications,
                                     len(x.vm_networks)))  # fmt: skip
        return ok


class Planner:
    """Answers the three questions for each pattern of a scenario (see the module doc)."""

    def __init__(
        self,
        s: Scenario,
        slo: Slo,
        simulate: Evaluate | None = None,
        tolerance: float = 0.05,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.s, self.slo, self.tolerance = s, slo, tolerance
        self.profile = profiles.load(s.run.profile)
        self.simulate = simulate
        self.progress = progress or (lambda _: None)

    def plan(self, patterns: list[str] | None = None) -> Plan:
        out = Plan(self.slo)
        present = list(dict.fromkeys(n.pattern for n in self.s.vm_networks))
        for pattern in (p for p in present if patterns is None or p in patterns):
            out.answers.append(self._pattern(only(self.s, pattern), pattern, out))
        return out

    def figures(self, s: Scenario, factor: float = 1.0) -> Figures:
        return figures(s, self.profile, factor)

    def _ok(self, f: Figures) -> bool:
        return self.slo.meets(*f.judged())

    def _max_factor(self, ok: Callable[[float], bool], start: float) -> float:
        """The largest load factor ``ok`` accepts (0 if none): bracket by doubling or halving
        from ``start``, then bisect geometrically to ``tolerance``."""
        lo, hi = (start, None) if ok(start) else (None, start)
        while lo is None:
            assert hi is not None
            hi /= 2
            if hi < 1e-3:
                return 0.0
            lo, hi = (hi, hi * 2) if ok(hi) else (None, hi)
        while hi is None:
            if lo > 1e6:
                return lo  # nothing in the model limits it
            lo, hi = (lo * 2, None) if ok(lo * 2) else (lo, lo * 2)
        while hi / lo > 1 + self.tolerance:
            mid = math.sqrt(lo * hi)
            lo, hi = (mid, hi) if ok(mid) else (lo, mid)
        return lo

    # -- one pattern ------------------------------------------------------------------------

    def _pattern(self, s: Scenario, pattern: str, out: Plan) -> Answer:
        tenants = len(s.vm_networks)
        offered = sum(t.rate_pps for n in s.vm_networks for t in n.traffic)
        fleet = len(s.gateways)
        if offered <= 0:
            return Answer(pattern, tenants, 0.0, None, None, None, None, fleet, None, None, 0,
                          0, "no traffic: nothing to size")  # fmt: skip
        judge = _Judge(self, pattern, out)
        g_a, g_s, chosen = self._gateways(s, pattern, judge)
        k_a, k_s = self._load(s, judge)
        active = sum(1 for g in s.gateways if g.role == "active")
        most = self._frontier(s, pattern, judge, active, out)
        note = (
            "" if chosen is not None else "no layout meets the SLO (one tenant's load is too much)"
        )
        return Answer(
            pattern, tenants, offered, g_a, g_s,
            placement.gateway_hosts_used(chosen) if chosen else None,
            addresses.total(chosen) if chosen else None, fleet, k_a, k_s, *most, note,
        )  # fmt: skip

    def _gateways(self, s: Scenario, pattern: str, judge: _Judge) -> tuple:
        """(gateway VMs by estimate, by simulation or None, the layout chosen or None). The
        counts include passive partners; the simulated layout is chosen when there is one."""
        if pattern not in MULTI_TENANT:  # one forwarding gateway per VM network [S19]
            n = len(s.gateways)
            ok_a = judge.analytic(s, "gateways")
            ok_s = judge.simulated(s, "gateways") if self.simulate else None
            decided = ok_a if ok_s is None else ok_s
            return (n if ok_a else None), (n if ok_s else None), (s if decided else None)
        counts = candidates(len(s.vm_networks))
        layouts = functools.cache(lambda g: layout(s, g))  # built when first asked for
        a = next((g for g in counts if judge.analytic(layouts(g), "gateways")), None)
        g_a = len(layouts(a).gateways) if a is not None else None
        if self.simulate is None:
            return g_a, None, layouts(a) if a is not None else None
        found = self._bisect(counts, a, lambda g: judge.simulated(layouts(g), "gateways"))
        chosen = layouts(found) if found is not None else None
        return g_a, (len(chosen.gateways) if chosen else None), chosen

    def _load(self, s: Scenario, judge: _Judge) -> tuple[float, float | None]:
        """The largest load factor the scenario's own fleet carries: (estimate, simulated)."""
        k_a = self._max_factor(lambda k: judge.analytic(s, "load", k), 1.0)
        if self.simulate is None:
            return k_a, None
        return k_a, self._max_factor(lambda k: judge.simulated(s, "load", k), k_a or 1.0)

    def _bisect(
        self, counts: list[int], start: int | None, ok: Callable[[int], bool]
    ) -> int | None:
        """The smallest count ``ok`` accepts, assuming more gateways never hurt; starts at
        the analytic answer so that a good estimate costs two or three runs."""
        i = counts.index(start) if start is not None else len(counts) - 1
        if ok(counts[i]):
            lo, hi = -1, i
        else:
            if i == len(counts) - 1 or not ok(counts[-1]):
                return None
            lo, hi = i, len(counts) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if ok(counts[mid]) else (mid, hi)
        return counts[hi]

    def _frontier(self, s: Scenario, pattern: str, judge: _Judge, active: int,
                  out: Plan) -> tuple[int, int | None]:  # fmt: skip
        """The capacity frontier: for G = 1, 2, ... active gateway VMs, the most tenants
        like the pattern's typical one they carry within the SLO (:mod:`.carried`), by the
        estimate, and by simulation for one gateway VM and for the scenario's own fleet
        (``active``), whose answer is the plan's "max tenants": (estimate, simulated)."""
        fleet: tuple[int, int | None] = (0, None)
        one = None
        if pattern not in MULTI_TENANT:  # one forwarding gateway per VM network [S19]
            x = from_dict(copies(s, 1).model_dump(mode="json"), f"{s.name}, one tenant")
            one = (int(judge.analytic(x, "tenants")),
                   int(judge.simulated(x, "tenants")) if self.simulate else None)  # fmt: skip
        per = MAX_TENANTS_PER_GATEWAY // 2  # the first guess; then one gateway VM's answer
        for g in range(1, max(4, 2 * active) + 1):
            if one is not None:
                t_a, t_s, vms = g * one[0], None if one[1] is None else g * one[1], g
            else:
                t_a, t_s, vms = self._carried(s, judge, g, g in (1, active), g * per)
                per = max(1, t_a // g) if g == 1 else per
            out.frontier.append(_edge(pattern, vms, g, t_a, t_s))
            if g == active:
                fleet = (t_a, t_s)
        return fleet

    def _carried(self, s: Scenario, judge: _Judge, gateways: int, simulate: bool,
                 guess: int) -> tuple[int, int | None, int]:  # fmt: skip
        """Multi-tenant gateways: (tenants carried by the estimate, by simulation or None,
        gateway VMs used)."""
        build = functools.cache(lambda t: layout(copies(s, t), gateways))
        cap = gateways * MAX_TENANTS_PER_GATEWAY
        t_a = largest(cap, lambda t: judge.analytic(build(t), "tenants"), min(cap, guess))
        t_s = None
        if simulate and self.simulate is not None:
            t_s = largest(cap, lambda t: judge.simulated(build(t), "tenants"), t_a or 1)
        return t_a, t_s, len(build(max(t_s or t_a, gateways)).gateways)  # passive ones count


def _edge(pattern: str, vms: int, active: int, analytic: int, simulated: int | None) -> dict:
    return {"pattern": pattern, "gateway_vms": vms, "active_gateway_vms": active,
            "tenants_analytic": analytic, "tenants": simulated,
            "tenants_per_gateway_analytic": analytic // active,
            "tenants_per_gateway": None if simulated is None else simulated // active}  # fmt: skip


def plan(
    s: Scenario,
    slo: Slo,
    patterns: list[str] | None = None,
    *,
    simulate: bool = True,
    duration_s: float | None = None,
    seed: int | None = None,
    replications: int = 3,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """The plan of every pattern of ``s`` (or of ``patterns``), each simulated layout and
    load run ``replications`` times (the same seeds for each). The patterns are planned
    apart from each other, so with ``workers`` > 1 they run in a process pool; the plan is
    the same either way."""
    present: list[str] = list(dict.fromkeys(n.pattern for n in s.vm_networks))
    chosen = [p for p in present if patterns is None or p in patterns]
    if workers <= 1 or len(chosen) <= 1 or not simulate:
        evaluate = simulator(duration_s, seed, replications) if simulate else None
        return Planner(s, slo, evaluate, progress=progress).plan(chosen)
    jobs = [(s, slo, p, duration_s, seed, replications, progress is not None) for p in chosen]
    out = Plan(slo)
    with ProcessPoolExecutor(min(workers, len(chosen))) as pool:
        for part in pool.map(_plan_one, jobs):  # in the scenario's order of patterns
            out.answers += part.answers
            out.points += part.points
            out.frontier += part.frontier
    return out


def _plan_one(job: tuple) -> Plan:
    s, slo, pattern, duration_s, seed, replications, say = job
    progress = (lambda text: print(f"  {text}", file=sys.stderr, flush=True)) if say else None
    evaluate = simulator(duration_s, seed, replications)
    return Planner(s, slo, evaluate, progress=progress).plan([pattern])


def simulator(duration_s: float | None, seed: int | None, replications: int = 1) -> Evaluate:
    """Run a scenario ``replications`` times (children of one SeedSequence, the same for
    every scenario judged) and take each run's worst tenant; the figures are their means
    and the upper ends of their 95 % intervals. A tenant that got nothing through has an
    infinite latency, and so has the upper end then."""
    from nvbench import replicate

    def evaluate(s: Scenario) -> Figures:
        runs = replicate.replicate(s, replications, seed, duration_s).runs
        worst = [_worst(sr.rows) for sr in runs]
        (p50, p50_high), (p99, p99_high), (loss, loss_high) = (
            _ends([w[i] for w in worst]) for i in range(3)
        )
        return Figures(p50, p99, loss, p50_high, p99_high, loss_high, replications)

    return evaluate


def _worst(rows: list[dict[str, Any]]) -> tuple[float, float, float]:
    """The worst tenant's p50, p99 (infinite: it delivered nothing) and loss."""
    p50 = max((math.inf if r["latency_p50_ms"] is None else r["latency_p50_ms"]) for r in rows)
    p99 = max((math.inf if r["latency_p99_ms"] is None else r["latency_p99_ms"]) for r in rows)
    return p50, p99, max(r["loss"] for r in rows)


def _ends(values: list[float]) -> tuple[float, float | None]:
    """(mean, upper end of the interval; None for one value); infinite if one is."""
    if any(math.isinf(v) for v in values):
        return math.inf, math.inf
    mid, _, high = interval(values)
    assert mid is not None
    return mid, high
