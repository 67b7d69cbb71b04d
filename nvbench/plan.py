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

The analytic model sees only the gateway VM: its vCPUs as one M/M/c pool (NAT, forwarding,
remote access, whose many SAs spread over the cores), or, for S2S, each tunnel's one core
as an M/M/1 queue ("IPsec traffic is confined to a single core" [S23]); plus the fixed
delay of the external links. Simulation sees everything (vSwitches, links, RSS imbalance),
so the two can disagree; both are reported.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from nvbench import __version__, analytic
from nvbench.model import costs
from nvbench.model.host import HostSpec
from nvbench.patterns import addresses, placement
from nvbench.patterns.build import EXTERNAL_DELAY_NS, sizes_of
from nvbench.records import schema
from nvbench.records.dataset import atomic_write_table
from nvbench.scenario.loader import from_dict
from nvbench.scenario.schema import Host, Placement, Scenario, VMNetwork

MULTI_TENANT = placement.MULTI_TENANT
MAX_TENANTS_PER_GATEWAY = 100  # MaxVMNetworksSupported <= 100 [S16]
METRICS = ("p99_latency_ms", "p50_latency_ms", "loss")
_TERM = re.compile(r"^\s*([a-z0-9_]+)\s*<=\s*([0-9.eE+-]+)\s*$")


class SloError(ValueError):
    """A malformed --slo string."""


@dataclass(frozen=True)
class Slo:
    """Upper bounds on the worst tenant's figures; None: not constrained."""

    p99_latency_ms: float | None = None
    p50_latency_ms: float | None = None
    loss: float | None = None

    def meets(self, p50_ms: float, p99_ms: float, loss: float) -> bool:
        limits = ((self.p50_latency_ms, p50_ms), (self.p99_latency_ms, p99_ms), (self.loss, loss))
        return all(bound is None or value <= bound for bound, value in limits)

    def __str__(self) -> str:
        return ",".join(f"{k}<={v:g}" for k, v in asdict(self).items() if v is not None)


def parse_slo(text: str) -> Slo:
    """'p99_latency_ms<=5,loss<=0.001' -> Slo; SloError saying what is allowed otherwise."""
    bounds: dict[str, float] = {}
    for term in filter(None, (t.strip() for t in text.split(","))):
        m = _TERM.match(term)
        if not m or m.group(1) not in METRICS:
            raise SloError(f"--slo: {term!r} is not METRIC<=NUMBER with METRIC one of "
                           f"{', '.join(METRICS)}")  # fmt: skip
        try:
            value = float(m.group(2))
        except ValueError:
            raise SloError(f"--slo: {m.group(2)!r} in {term!r} is not a number") from None
        if not value >= 0 or math.isinf(value):
            raise SloError(f"--slo: the bound in {term!r} must be a finite number >= 0")
        if m.group(1) == "loss" and value > 1:
            raise SloError(f"--slo: loss is a fraction (0 to 1), got {value:g}")
        bounds[m.group(1)] = value
    if not bounds:
        raise SloError(f"--slo: no bound given; use METRIC<=NUMBER with METRIC one of "
                       f"{', '.join(METRICS)}")  # fmt: skip
    return Slo(**bounds)


# -- the analytic model ---------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """One traffic stream through a gateway: packets/s, mean seconds of vCPU a packet."""

    rate: float
    service_s: float
    pinned: bool  # an IPsec tunnel: one core


@dataclass(frozen=True)
class Figures:
    p50_ms: float
    p99_ms: float
    loss: float


def streams(n: VMNetwork, profile: costs.Profile, clock_hz: float) -> list[Stream]:
    """The gateway work of VM network ``n``'s traffic, from the cost model."""
    out = []
    for t in n.traffic:
        nbytes = sizes_of(t).mean
        if n.pattern in ("s2s", "remote_access"):
            suite = n.site.suite if n.site else n.clients.suite if n.clients else "aes-gcm-128"
            side = "encap" if t.direction == "outbound" else "decap"
            fn = f"esp_{side}:{suite}"
        else:
            fn = "nat_existing" if n.pattern == "nat" else "forward"
        c = profile.costs[fn]
        seconds = (c.cycles_per_packet + c.cycles_per_byte * nbytes) / clock_hz
        out.append(Stream(t.rate_pps, seconds, n.pattern == "s2s"))
    return out


def gateway_figures(work: list[Stream], vcpus: int, queue_packets: int) -> Figures:
    """p50/p99 sojourn (ms) and loss of one gateway VM: its worst core group."""
    pooled = [w for w in work if not w.pinned]
    cores: list[list[Stream]] = [[] for _ in range(vcpus)]
    for k, w in enumerate(x for x in work if x.pinned):  # tunnels dealt to cores in turn
        cores[k % vcpus].append(w)
    groups = [(vcpus, pooled)] if pooled else []
    groups += [(1, core) for core in cores if core]
    return _worst([station_figures(group, c, queue_packets) for c, group in groups])


def station_figures(work: list[Stream], c: int, queue_packets: int) -> Figures:
    """p50/p99 sojourn (ms) and loss of c servers taking ``work`` as M/M/c (Erlang C)."""
    lam = sum(w.rate for w in work)
    if lam <= 0:
        return Figures(0.0, 0.0, 0.0)
    mean_s = sum(w.rate * w.service_s for w in work) / lam
    mu = 1 / mean_s
    a = lam / mu
    loss = analytic.mmck_blocking(c, a, c * queue_packets)  # RSS: a queue per server
    if a >= c:  # overloaded: the buffers are full, a packet waits for all of them
        full = (queue_packets + 1) * mean_s * 1e3
        return Figures(full, full, loss)
    p50 = analytic.wait_quantile(c, lam, mu, 0.50) * 1e3
    p99 = analytic.wait_quantile(c, lam, mu, 0.99) * 1e3
    return Figures(p50 + mean_s * 1e3, p99 + mean_s * 1e3, loss)


def _worst(fs: list[Figures]) -> Figures:
    return Figures(max((f.p50_ms for f in fs), default=0.0),
                   max((f.p99_ms for f in fs), default=0.0),
                   max((f.loss for f in fs), default=0.0))  # fmt: skip


def along(fs: list[Figures]) -> Figures:
    """A packet's figures across stations in series, plus the external links' fixed delay.
    Quantiles are added (an upper bound for the p99 of the sum); survivals multiply."""
    base = EXTERNAL_DELAY_NS / 1e6
    survive = math.prod(1 - f.loss for f in fs)
    return Figures(base + sum(f.p50_ms for f in fs), base + sum(f.p99_ms for f in fs),
                   1 - survive)  # fmt: skip


def _scaled(work: list[Stream], factor: float) -> list[Stream]:
    return [Stream(w.rate * factor, w.service_s, w.pinned) for w in work]


# -- scenarios for each question ------------------------------------------------------------


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
    question: str  # "gateways" or "load"
    method: str  # "analytic" or "simulated"
    gateway_vms: int
    gateway_hosts: int
    load_factor: float
    p50_ms: float
    p99_ms: float
    loss: float
    meets: bool


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
        self.planner.progress(f"{self.pattern}: simulating {len(x.gateways)} gateway VM(s) "
                              f"at x{factor:.3g}")  # fmt: skip
        return self._record(question, "simulated", x, factor,
                            simulate(x if factor == 1.0 else scaled(x, factor)))  # fmt: skip

    def _record(self, question: str, method: str, x: Scenario, factor: float, f: Figures) -> bool:
        ok = self.planner.slo.meets(f.p50_ms, f.p99_ms, f.loss)
        self.out.points.append(Point(self.pattern, question, method, len(x.gateways),
                                     placement.gateway_hosts_used(x), factor, f.p50_ms,
                                     f.p99_ms, f.loss, ok))  # fmt: skip
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
        self.profile = (
            costs.default() if s.run.profile == "published" else costs.load(s.run.profile)
        )
        self.simulate = simulate
        self.progress = progress or (lambda _: None)

    def plan(self, patterns: list[str] | None = None) -> Plan:
        out = Plan(self.slo)
        present = list(dict.fromkeys(n.pattern for n in self.s.vm_networks))
        for pattern in (p for p in present if patterns is None or p in patterns):
            out.answers.append(self._pattern(only(self.s, pattern), pattern, out))
        return out

    # -- the analytic side ------------------------------------------------------------------

    def figures(self, s: Scenario, factor: float = 1.0) -> Figures:
        """The worst tenant's analytic figures for scenario ``s`` at ``factor`` x its load:
        each gateway VM, and each host's vSwitch (one way encapsulating, the other
        decapsulating, on ``vswitch_cores`` cores [S3]) on the tenant's path."""
        gateways = {g.name: g for g in s.gateways if g.role == "active"}
        hosts = {h.name: h for h in [*s.hosts, *s.gateway_hosts]}
        work: dict[tuple[str, str], list[Stream]] = {}  # (host, "tx"/"rx") -> streams
        paths: dict[str, set[tuple[str, str]]] = {}
        for n in s.vm_networks:
            g = gateways[n.gateway]
            vm_hosts = [vm.host for vm in n.vms]
            for t in n.traffic:
                share = {h: vm_hosts.count(h) / len(vm_hosts) for h in set(vm_hosts)}
                out = t.direction == "outbound"
                legs = [(h, "tx" if out else "rx", f) for h, f in share.items()]
                legs.append((g.host, "rx" if out else "tx", 1.0))
                for h, way, f in legs:
                    seconds = self._vswitch_s(hosts[h], way, sizes_of(t).mean)
                    work.setdefault((h, way), []).append(
                        Stream(t.rate_pps * f * factor, seconds, False)
                    )
                    paths.setdefault(n.name, set()).add((h, way))
        queue = HostSpec.queue_pkts or 1 << 30
        station = {k: station_figures(w, hosts[k[0]].vswitch_cores, queue) for k, w in work.items()}
        gw = {}
        for name, g in gateways.items():
            streams_ = [w for n in s.vm_networks if n.gateway == name
                        for w in streams(n, self.profile, g.clock_ghz * 1e9)]  # fmt: skip
            gw[name] = gateway_figures(_scaled(streams_, factor), g.vcpus, g.queue_packets)
        tenants = [along([gw[n.gateway], *(station[k] for k in paths.get(n.name, ()))])
                   for n in s.vm_networks]  # fmt: skip
        return _worst(tenants)

    def _vswitch_s(self, host: Host, way: str, nbytes: float) -> float:
        """Seconds of a vSwitch core for one packet: encapsulating (tx) or decapsulating."""
        fn = ("nvgre_encap" if way == "tx" else "nvgre_decap") + (
            "_offload" if host.offload else ""
        )
        cost = self.profile.costs[fn]
        return (cost.cycles_per_packet + cost.cycles_per_byte * nbytes) / (host.clock_ghz * 1e9)

    def _ok(self, f: Figures) -> bool:
        return self.slo.meets(f.p50_ms, f.p99_ms, f.loss)

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
        self._frontier(s, pattern, out)
        active = sum(1 for g in s.gateways if g.role == "active")
        cap = active * MAX_TENANTS_PER_GATEWAY if pattern in MULTI_TENANT else tenants
        note = (
            "" if chosen is not None else "no layout meets the SLO (one tenant's load is too much)"
        )
        return Answer(
            pattern, tenants, offered, g_a, g_s,
            placement.gateway_hosts_used(chosen) if chosen else None,
            addresses.total(chosen) if chosen else None, fleet, k_a, k_s,
            min(cap, math.floor(tenants * k_a)),
            None if k_s is None else min(cap, math.floor(tenants * k_s)), note,
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

    def _frontier(self, s: Scenario, pattern: str, out: Plan) -> None:
        """Tenants like the pattern's median tenant (by load) that G gateway VMs carry
        within the SLO, by the estimate (the gateway alone); G counts passive partners."""
        g = next(x for x in s.gateways if x.role == "active")
        per = sorted((streams(n, self.profile, g.clock_ghz * 1e9) for n in s.vm_networks),
                     key=lambda ws: sum(w.rate for w in ws))  # fmt: skip
        median = per[len(per) // 2]
        limit = MAX_TENANTS_PER_GATEWAY if pattern in MULTI_TENANT else 1
        fits = 0
        for m in range(1, limit + 1):  # tenants on one gateway
            if not self._ok(along([gateway_figures(median * m, g.vcpus, g.queue_packets)])):
                break
            fits = m
        sides = 2 if g.cluster is not None else 1  # an active/passive pair per gateway
        for active in range(1, max(8, 2 * len(candidates(len(s.vm_networks)))) + 1):
            row = {"pattern": pattern, "gateway_vms": active * sides, "tenants": active * fits}
            out.frontier.append({**row, "tenants_per_gateway": fits})


def plan(
    s: Scenario,
    slo: Slo,
    patterns: list[str] | None = None,
    *,
    simulate: bool = True,
    duration_s: float | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """The plan of every pattern of ``s`` (or of ``patterns``). The patterns are planned
    apart from each other, so with ``workers`` > 1 they run in a process pool; the plan is
    the same either way (each run has the scenario's seed)."""
    present: list[str] = list(dict.fromkeys(n.pattern for n in s.vm_networks))
    chosen = [p for p in present if patterns is None or p in patterns]
    if workers <= 1 or len(chosen) <= 1 or not simulate:
        evaluate = simulator(duration_s, seed) if simulate else None
        return Planner(s, slo, evaluate, progress=progress).plan(chosen)
    jobs = [(s, slo, p, duration_s, seed, progress is not None) for p in chosen]
    out = Plan(slo)
    with ProcessPoolExecutor(min(workers, len(chosen))) as pool:
        for part in pool.map(_plan_one, jobs):  # in the scenario's order of patterns
            out.answers += part.answers
            out.points += part.points
            out.frontier += part.frontier
    return out


def _plan_one(job: tuple) -> Plan:
    s, slo, pattern, duration_s, seed, say = job
    progress = (lambda text: print(f"  {text}", file=sys.stderr, flush=True)) if say else None
    return Planner(s, slo, simulator(duration_s, seed), progress=progress).plan([pattern])


def simulator(duration_s: float | None, seed: int | None) -> Evaluate:
    """Run a scenario and take its worst tenant's figures (a tenant that got nothing
    through has an infinite latency)."""
    from nvbench import run

    def evaluate(s: Scenario) -> Figures:
        sr = run.run(s, seed=seed, duration_s=duration_s)
        p50 = [r["latency_p50_ms"] for r in sr.rows]
        p99 = [r["latency_p99_ms"] for r in sr.rows]
        worst = max(r["loss"] for r in sr.rows)
        return Figures(max((math.inf if x is None else x) for x in p50),
                       max((math.inf if x is None else x) for x in p99), worst)  # fmt: skip

    return evaluate


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
