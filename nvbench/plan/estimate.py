"""The analytic estimate: queueing formulas (FACTS.md, "Analytic queueing results") over the
cost model, for a first answer the simulator then confirms and refines.

All rates are per second, times in seconds. ``a = λ/μ`` is the offered load in Erlangs.

The estimate sees only the gateway VM and the host vSwitches on a tenant's path: a gateway's
vCPUs as one M/M/c pool (NAT, forwarding, remote access, whose many SAs spread over the
cores), or, for S2S, each tunnel's one core as an M/M/1 queue ("IPsec traffic is confined
to a single core" [S23]); plus the fixed delay of the external links. Simulation sees
everything (links, RSS imbalance), so the two can disagree; both are reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nvbench.model import costs
from nvbench.model.host import HostSpec
from nvbench.patterns import table
from nvbench.patterns.edge import wan_delay_ms
from nvbench.patterns.fabric import EXTERNAL_DELAY_NS, sizes_of
from nvbench.scenario.schema import Host, Scenario, Traffic, VMNetwork

# -- queueing formulas ------------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Blocking of M/M/c/c, by the stable recursion B(k) = a·B(k−1)/(k + a·B(k−1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c: C = c·B/(c − a(1−B)); 1 if a >= c."""
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def wait_quantile(c: int, lam: float, mu: float, q: float) -> float:
    """The q-quantile of the M/M/c waiting time: P(W > t) = C·e^{−(cμ−λ)t}; inf if unstable."""
    if lam >= c * mu:
        return math.inf
    tail = erlang_c(c, lam / mu)
    if tail <= 1 - q:
        return 0.0
    return math.log(tail / (1 - q)) / (c * mu - lam)


def mmck_blocking(c: int, a: float, k: int) -> float:
    """Blocking of M/M/c/K (K places in all, c of them servers): P_K.

    P_n is a^n/n! up to c and a^c/c!·(a/c)^(n−c) beyond; summed in logarithms, since
    a^K overflows for the thousands of places a gateway VM has.
    """
    if a <= 0:
        return 0.0
    # numpy over the K+1 terms: a plan evaluates thousands of places hundreds of times.
    head = np.array([n * math.log(a) - math.lgamma(n + 1) for n in range(min(c, k) + 1)])
    beyond = np.arange(1, k - c + 1, dtype=np.float64) if k > c else np.zeros(0)
    tail = c * math.log(a) - math.lgamma(c + 1) + beyond * math.log(a / c)
    logs = np.concatenate([head, tail])
    top = logs.max()
    return float(np.exp(logs[-1] - top) / np.exp(logs - top).sum())


# -- a scenario's figures ------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """One traffic stream through a gateway: packets/s, mean seconds of vCPU a packet."""

    rate: float
    service_s: float
    pinned: bool  # an IPsec tunnel: one core


@dataclass(frozen=True)
class Figures:
    """A tenant's latencies and loss: the estimate's, or the mean of simulated replications
    with the upper ends of their 95 % intervals (``*_high``; None: one run or an estimate)."""

    p50_ms: float
    p99_ms: float
    loss: float
    p50_ms_high: float | None = None
    p99_ms_high: float | None = None
    loss_high: float | None = None
    replications: int = 0  # 0: the estimate

    def judged(self) -> tuple[float, float, float]:
        """What an SLO is checked against: each figure's pessimistic side (the upper end
        of its interval where there is one)."""
        return (self.p50_ms if self.p50_ms_high is None else self.p50_ms_high,
                self.p99_ms if self.p99_ms_high is None else self.p99_ms_high,
                self.loss if self.loss_high is None else self.loss_high)  # fmt: skip


def streams(n: VMNetwork, profile: costs.Profile, clock_hz: float) -> list[Stream]:
    """The gateway work of VM network ``n``'s traffic, from the cost model."""
    out = []
    for t in n.traffic:
        nbytes = sizes_of(t).mean
        pattern = table.get(n.pattern)
        if pattern.function == table.ESP:
            suite = _suite_of(n, t)
            side = "encap" if t.direction == "outbound" else "decap"
            fn = f"esp_{side}:{suite}"
        else:
            fn = "nat_existing" if pattern.function == table.NAT else "forward"
        c = profile.costs[fn]
        seconds = (c.cycles_per_packet + c.cycles_per_byte * nbytes) / clock_hz
        out.append(Stream(t.rate_pps, seconds, pattern.one_core))
    return out


def _suite_of(n: VMNetwork, t: Traffic) -> str:
    """The cipher suite of traffic ``t``'s tunnel: the site whose prefix holds its far end
    (each site negotiates its own), else the remote-access clients'."""
    for site in n.remote_sites:
        if t.destination in site.prefix:
            return site.suite
    return n.clients.suite if n.clients else "aes-gcm-128"


def gateway_figures(work: list[Stream], vcpus: int, queue_packets: int) -> Figures:
    """p50/p99 sojourn (ms) and loss of one gateway VM: its worst core group."""
    pooled = [w for w in work if not w.pinned]
    cores: list[list[Stream]] = [[] for _ in range(vcpus)]
    for k, w in enumerate(x for x in work if x.pinned):  # tunnels dealt to cores in turn
        cores[k % vcpus].append(w)
    groups = [(vcpus, pooled)] if pooled else []
    groups += [(1, core) for core in cores if core]
    return worst([station_figures(group, c, queue_packets) for c, group in groups])


def station_figures(work: list[Stream], c: int, queue_packets: int) -> Figures:
    """p50/p99 sojourn (ms) and loss of c servers taking ``work`` as M/M/c (Erlang C)."""
    lam = sum(w.rate for w in work)
    if lam <= 0:
        return Figures(0.0, 0.0, 0.0)
    mean_s = sum(w.rate * w.service_s for w in work) / lam
    mu = 1 / mean_s
    a = lam / mu
    loss = mmck_blocking(c, a, c * queue_packets)  # RSS: a queue per server
    if a >= c:  # overloaded: the buffers are full, a packet waits for all of them
        full = (queue_packets + 1) * mean_s * 1e3
        return Figures(full, full, loss)
    p50 = wait_quantile(c, lam, mu, 0.50) * 1e3
    p99 = wait_quantile(c, lam, mu, 0.99) * 1e3
    return Figures(p50 + mean_s * 1e3, p99 + mean_s * 1e3, loss)


def worst(fs: list[Figures]) -> Figures:
    return Figures(max((f.p50_ms for f in fs), default=0.0),
                   max((f.p99_ms for f in fs), default=0.0),
                   max((f.loss for f in fs), default=0.0))  # fmt: skip


def along(fs: list[Figures], wan_ms: float = 0.0) -> Figures:
    """A packet's figures across stations in series, plus the WAN's one-way delay.
    Quantiles are added (an upper bound for the p99 of the sum); survivals multiply."""
    base = EXTERNAL_DELAY_NS / 1e6 + wan_ms
    survive = math.prod(1 - f.loss for f in fs)
    return Figures(base + sum(f.p50_ms for f in fs), base + sum(f.p99_ms for f in fs),
                   1 - survive)  # fmt: skip


def scaled_streams(work: list[Stream], factor: float) -> list[Stream]:
    return [Stream(w.rate * factor, w.service_s, w.pinned) for w in work]


def figures(s: Scenario, profile: costs.Profile, factor: float = 1.0) -> Figures:
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
                seconds = _vswitch_s(profile, hosts[h], way, sizes_of(t).mean)
                work.setdefault((h, way), []).append(
                    Stream(t.rate_pps * f * factor, seconds, False)
                )
                paths.setdefault(n.name, set()).add((h, way))
    queue = HostSpec.queue_pkts or 1 << 30
    station = {k: station_figures(w, hosts[k[0]].vswitch_cores, queue) for k, w in work.items()}
    gw = {}
    for name, g in gateways.items():
        streams_ = [w for n in s.vm_networks if n.gateway == name
                    for w in streams(n, profile, g.clock_ghz * 1e9)]  # fmt: skip
        gw[name] = gateway_figures(scaled_streams(streams_, factor), g.vcpus, g.queue_packets)
    tenants = [along([gw[n.gateway], *(station[k] for k in paths.get(n.name, ()))],
                     wan_delay_ms(n, gateways[n.gateway]) or 0.0)
               for n in s.vm_networks]  # fmt: skip
    return worst(tenants)


def _vswitch_s(profile: costs.Profile, host: Host, way: str, nbytes: float) -> float:
    """Seconds of a vSwitch core for one packet: encapsulating (tx) or decapsulating."""
    fn = ("nvgre_encap" if way == "tx" else "nvgre_decap") + ("_offload" if host.offload else "")
    cost = profile.costs[fn]
    return (cost.cycles_per_packet + cost.cycles_per_byte * nbytes) / (host.clock_ghz * 1e9)
