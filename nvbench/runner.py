"""Run a scenario: build it, simulate it, and report each VM network (pattern) side by side."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from nvbench.model import costs, profiles
from nvbench.model.result import Result
from nvbench.model.simulation import Simulation
from nvbench.packet.pcapng import PcapngWriter
from nvbench.patterns import addresses, failover, placement
from nvbench.patterns.edge import wan_delay_ms
from nvbench.patterns.fabric import Built, TapSpec, build
from nvbench.records import schema
from nvbench.scenario.schema import Scenario


@dataclass
class ScenarioRun:
    scenario: Scenario
    result: Result
    rows: list[dict[str, Any]]
    names: dict[int, str] = field(default_factory=dict)  # routing domain -> VM network


def profile_for(s: Scenario) -> costs.Profile:
    return profiles.load(s.run.profile)


def profile_line(s: Scenario) -> str:
    """Which gateway profile a run of ``s`` used: every output says it."""
    p = profile_for(s)
    what = f"{p.name}: {p.title}" if p.title else p.name
    return (
        f"Gateway profile {what} ({p.path or s.run.profile}; costs and sources: docs/profiles.md)"
    )


def simulation(
    s: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    duration_s: float | None = None,
    taps: TapSpec | None = None,
) -> tuple[Simulation, Built, int]:
    """The simulation of ``s``, built: (simulation, its elements, duration in ns). The one
    way every command makes a run of a scenario, so that a seed means the same run in
    ``run``, ``compare``, ``pcap``, ``plan`` and sweeps (the scenario's own seed and
    duration unless given)."""
    duration = int((duration_s or s.run.duration_s) * 1e9)
    interval = s.run.series_interval_ms
    sim = Simulation(
        seed=s.run.seed if seed is None else seed,
        quantum_ns=int(s.run.quantum_ms * 1e6),
        warmup_ns=min(int(s.run.warmup_s * 1e9), duration // 2),
        series_interval_ns=None if interval is None else int(interval * 1e6),
    )
    return sim, build(s, sim, profile_for(s), taps), duration


def run(
    s: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    duration_s: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScenarioRun:
    """Simulate ``s`` (with its own seed and duration unless given) and summarise it."""
    sim, built, duration = simulation(s, seed, duration_s)
    result = sim.run(duration, progress)
    names = {rd: name for name, rd in built.rd.items()}
    return ScenarioRun(s, result, _rows(s, built, result), names)


def capture(s: Scenario, path: Path, pattern: str | None, packets: int,
            duration_s: float | None = None, seed: int | None = None) -> int:  # fmt: skip
    """Write to ``path`` (pcapng) the first ``packets`` frames (in time order) of the VM
    networks of ``pattern`` (all if None) as they cross the provider network and the
    external side, each with its capture point as its interface and its time from the
    scenario's ``run.epoch``; returns how many were written."""
    nets = [i for i, n in enumerate(s.vm_networks) if pattern in (None, n.pattern)]
    sim, built, duration = simulation(s, seed, duration_s, TapSpec(packets, set(nets)))
    sim.run(duration)
    frames = sorted(((t, f, tap.name) for tap in built.taps for t, f in tap.frames),
                    key=lambda x: x[0])[:packets]  # fmt: skip
    tmp = path.with_name(f".{path.name}.tmp")
    epoch_ns = int(s.run.epoch.timestamp()) * 1_000_000_000  # whole seconds: exact
    with PcapngWriter(tmp, [tap.name for tap in built.taps]) as pcap:
        for t, frame, point in frames:
            pcap.write_frame(frame, epoch_ns + t, point)
    os.replace(tmp, path)
    return len(frames)


def summary(sr: ScenarioRun) -> dict[str, Any]:
    """The run as one row: the engine's summary, the loss and rates, the worst tenant's
    p99, the bill (public IPv4, gateway VMs and hosts) and the busiest element."""
    s, res = sr.scenario, sr.result
    seconds = res.summary["duration_ns"] / 1e9
    offered = res.summary["offered"] + res.summary["carried_in"]
    p99 = [r["latency_p99_ms"] for r in sr.rows if r["latency_p99_ms"] is not None]
    neck = max(sr.rows, key=lambda r: r["bottleneck_util"], default=None)
    # The units of the planner's tables (runs, tenants): ms, Mbit/s, packets/s; the engine's
    # own tables keep ns and bit/s.
    engine = {
        k: v
        for k, v in res.summary.items()
        if not k.startswith("latency_") and k not in ("throughput_bps", "throughput_pps")
    }
    latency = {f"{k.removesuffix('_ns')}_ms": _ms(v) for k, v in res.summary.items()
               if k.startswith("latency_") and k.endswith("_ns")}  # fmt: skip
    return {
        **engine, **latency, "latency_relative_error": res.summary["latency_relative_error"],
        "delivered_pps": res.summary["throughput_pps"],
        "offered_pps": res.summary["offered"] / seconds,
        "loss": res.summary["dropped"] / offered if offered else 0.0,
        "throughput_mbps": res.summary["throughput_bps"] / 1e6,
        "worst_tenant_p99_ms": max(p99, default=None), "public_ipv4": addresses.total(s),
        "gateway_vms": len(s.gateways), "gateway_hosts": placement.gateway_hosts_used(s),
        "tenants": len(s.vm_networks), "bottleneck": neck and neck["bottleneck"],
        "bottleneck_util": neck and neck["bottleneck_util"], "profile": profile_for(s).name,
    }  # fmt: skip


def _rows(s: Scenario, built: Built, result: Result) -> list[dict[str, Any]]:
    tenants = {t["tenant"]: t for t in result.tenants}
    seconds = result.summary["duration_ns"] / 1e9
    bill = addresses.bill(s)
    out = []
    for n in s.vm_networks:
        t = tenants.get(built.rd[n.name], {})
        g = next(g for g in s.gateways if g.name == n.gateway)
        nodes = [g] + [x for x in [failover.partner(s, g)] if x is not None]
        gw = result.element(g.name)
        path = _path(s, n, g, result)
        # The busiest server of each element: one core saturates first (an IPsec tunnel).
        util = {e: result.element(e).get("utilization_max", 0.0) for e in path}
        worst = max(util, key=lambda e: util[e])
        offered, carried = t.get("offered", 0), t.get("carried_in", 0)
        dropped = t.get("dropped", 0)  # of the packets offered or carried in
        out.append({
            "vm_network": n.name, "pattern": n.pattern,
            "load_pps": sum(x.rate_pps for x in n.traffic), "offered": offered,
            "carried_in": carried, "delivered": t.get("delivered", 0), "dropped": dropped,
            "offered_pps": offered / seconds,
            "delivered_pps": t.get("delivered", 0) / seconds,
            "loss": dropped / (offered + carried) if offered + carried else 0.0,
            "throughput_mbps": t.get("throughput_bps", 0.0) / 1e6,
            "latency_p50_ms": _ms(t.get("latency_p50_ns")),
            "latency_p99_ms": _ms(t.get("latency_p99_ns")),
            "gateway": g.name, "gateway_vcpu_busiest": gw["utilization_max"],
            "gateway_vcpu_mean": gw["utilization"],
            "bottleneck": worst, "bottleneck_util": util[worst],
            "public_ipv4": bill[n.name]["public_ipv4"], "gateway_vms": len(nodes),
            "gateway_hosts": len({x.host for x in nodes}),
            "recovery_s": _recovery(result, g.name), "wan_delay_ms": wan_delay_ms(n, g),
            "public_ipv4_shared": bill[n.name]["shared"],
        })  # fmt: skip
    return out


def _recovery(result: Result, gateway: str) -> float | None:
    """Seconds from the gateway's failure to its partner's takeover (None: no failover)."""
    down = [e[0] for e in result.events if e[1] == "down" and e[2] == gateway]
    back = [e[0] for e in result.events if e[1] == "takeover" and f"from {gateway}," in e[3]]
    return (back[0] - down[0]) / 1e9 if down and back else None


def _ms(ns: float | None) -> float | None:
    return None if ns is None else ns / 1e6


def _path(s: Scenario, n, g, result: Result) -> list[str]:
    """The queueing elements a VM network's packets cross (its WAN links included)."""
    hosts = sorted({vm.host for vm in n.vms})
    names = [
        f"{h}.{part}" for h in hosts for part in ("vswitch.tx", "nic.tx", "nic.rx", "vswitch.rx")
    ]
    names += [f"{g.host}.{part}" for part in ("nic.rx", "vswitch.rx", "vswitch.tx", "nic.tx")]
    names += [f"{g.host}.vswitch.{g.name}.{way}" for way in ("out", "in")]  # its external port
    beyond = (f"{n.name}.nat-", f"{g.name}.upstream-nat.")  # the 1:1 NAT, the upstream NAT
    wan = [e["name"] for e in result.elements if e["name"].endswith((".wan.out", ".wan.in"))
           and e["name"].startswith((f"{n.name}.", f"{g.name}.internet."))]  # fmt: skip
    wan += [e["name"] for e in result.elements if e["name"].startswith(beyond)]
    return names + [g.name, f"{g.name}.uplink", f"{g.name}.downlink", *wan]


def ids(sr: ScenarioRun, replication: int = 0) -> dict[str, Any]:
    """The run's ids, as a sweep's rows carry them."""
    r = sr.result
    doc = sr.scenario.model_dump(mode="json")
    run_id = schema.digest([schema.digest(doc), str(r.seed_entropy), list(r.spawn_key)])[:16]
    return {"run_id": run_id, "replication": replication, "seed_entropy": str(r.seed_entropy),
            "spawn_key": json.dumps(list(r.spawn_key)), "scenario": sr.scenario.name}  # fmt: skip


def engine_tables(sr: ScenarioRun) -> dict[str, pa.Table]:
    """The engine's own tables of the run (elements, drops, tenants, ...), the tenants named
    (``vm_network``) beside the engine's number for them."""
    tables = dict(sr.result.to_arrow())
    for name in ("drops", "tenants"):
        t = tables[name]
        names = [sr.names.get(rd) for rd in t.column("tenant").to_pylist()]
        tables[name] = t.add_column(1, "vm_network", pa.array(names, pa.string()))
    return tables
