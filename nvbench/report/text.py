"""The tables `run` and `compare` print: each measured figure as its mean over the
replications ± the half-width of its 95 % t-interval (no ± after one replication)."""

from __future__ import annotations

from typing import Any

from nvbench.records.intervals import LEVEL

# What a reader of the table needs to know about the latencies in it.
WAN_NOTE = ("Latencies include the WAN: \"WAN ms\" is the one-way delay of the far ends' WAN "
            "links (the longest),\nset per site, per client population and per gateway for "
            "the Internet (`wan`, `internet`); default\n1 Gbit/s, 1 ms one way, no loss "
            "(assumed; docs/patterns.md).")  # fmt: skip


def pm(row: dict[str, Any], key: str, digits: int, scale: float = 1.0) -> str:
    """``row[key]`` ± its interval's half-width, scaled (100 for a percentage); "-" where
    nothing was measured."""
    mid, high = row.get(key), row.get(f"{key}_ci_high")
    if mid is None:
        return "-"
    text = f"{mid * scale:.{digits}f}"
    return text if high is None else f"{text}±{(high - mid) * scale:.{digits}f}"


def patterns(rows: list[dict[str, Any]], replications: int, seed: int) -> str:
    """How each VM network did, then what it costs, then the notes."""
    w = max([16, *(len(r["vm_network"]) for r in rows)]) + 2  # the names' column
    head = (f"{'VM network':<{w}}{'pattern':<15}{'Mbit/s':>12}{'p50 ms':>14}{'p99 ms':>14}"
            f"{'loss %':>12}{'gw vCPU % max / mean':>24}  bottleneck (utilization %)")  # fmt: skip
    lines = [head]
    for r in rows:
        vcpu = f"{pm(r, 'gateway_vcpu_busiest', 1, 100)} / {pm(r, 'gateway_vcpu_mean', 1, 100)}"
        lines.append(f"{r['vm_network']:<{w}}{r['pattern']:<15}{pm(r, 'throughput_mbps', 1):>12}"
                     f"{pm(r, 'latency_p50_ms', 3):>14}{pm(r, 'latency_p99_ms', 3):>14}"
                     f"{pm(r, 'loss', 2, 100):>12}{vcpu:>24}  "
                     f"{r['bottleneck']} {pm(r, 'bottleneck_util', 0, 100)}")  # fmt: skip
    lines += ["", f"{'VM network':<{w}}{'pattern':<15}{'WAN ms':>8}{'public IPv4':>13}"
                  f"{'GW VMs':>8}{'GW hosts':>10}"]  # fmt: skip
    for r in rows:
        wan = "-" if r["wan_delay_ms"] is None else f"{r['wan_delay_ms']:.1f}"
        lines.append(f"{r['vm_network']:<{w}}{r['pattern']:<15}{wan:>8}{r['public_ipv4']:>13}"
                     f"{r['gateway_vms']:>8}{r['gateway_hosts']:>10}")  # fmt: skip
    own = sum(r["public_ipv4"] - (r["public_ipv4_shared"] is not None) for r in rows)
    shared = sorted({r["public_ipv4_shared"] for r in rows} - {None})
    total = (f"Public IPv4 addresses in all: {own + len(shared)} ({own} of the VM networks' "
             f"own, {len(shared)} shared: {', '.join(shared) or 'none'})")  # fmt: skip
    return "\n".join([*lines, "", total, WAN_NOTE, replications_note(replications, seed)])


def replications_note(replications: int, seed: int) -> str:
    if replications < 2:
        return ("One replication: no confidence intervals (--replications 5 gives each "
                "figure its 95 % interval).")  # fmt: skip
    return (
        f"Means of {replications} replications (seeds: children of SeedSequence({seed})); "
        f"± is the half-width of the {LEVEL:.0%} t-interval."
    )


def placements(rows: list[dict[str, Any]]) -> str:
    """The gateway layouts side by side, the same tenants and seeds on each."""
    w = max([14, *(len(r["placement"]) for r in rows)]) + 2
    lines = [f"{'placement':<{w}}{'GW VMs':>7}{'GW hosts':>9}{'busiest vCPU %':>16}{'loss %':>12}"
             f"{'worst p99 ms':>15}{'Mbit/s':>14}"]  # fmt: skip
    for r in rows:
        lines.append(f"{r['placement']:<{w}}{r['gateway_vms']:>7}{r['gateway_hosts']:>9}"
                     f"{pm(r, 'busiest_vcpu', 1, 100):>16}{pm(r, 'loss', 2, 100):>12}"
                     f"{pm(r, 'worst_p99_ms', 3):>15}"
                     f"{pm(r, 'throughput_mbps', 1):>14}")  # fmt: skip
    return "\n".join(lines)
