"""The public IPv4 bill of each access pattern, from the scenario (DESIGN.md's table).

- S2S and remote access: the gateway's front-end address, shared by every tenant of the
  gateway (one address per gateway cluster replaces two gateways and an address per
  tenant [S19]); behind an upstream NAT, that NAT's address (double NAT).
- MPLS: none: the forwarding gateway faces the provider's network, not the Internet [S16].
- NAT: the VM network's pool (one address or several); a private pool behind the
  gateway's upstream NAT leaves as that NAT's address, shared (double NAT).
- Public IP per VM: one address per exposed VM [S19].
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

from nvbench.patterns import table, upstream
from nvbench.scenario.schema import Scenario, VMNetwork


def shared_front_end(s: Scenario, n: VMNetwork) -> str | None:
    """The shared public address a VM network uses: a VPN's gateway front end (or its
    upstream NAT's), a private NAT pool's upstream NAT; None for the rest."""
    g = next(g for g in s.gateways if g.name == n.gateway)
    if any(upstream.translated(g, a) for a in n.public_addresses):
        return str(upstream.address(g))
    if table.get(n.pattern).public_ipv4 != table.SHARED_FRONT_END:
        return None
    key = g.cluster or g.name  # a cluster's nodes share one endpoint
    front = [x for x in s.gateways if (x.cluster or x.name) == key and x.role == "active"]
    chosen = front[0] if front else g
    return str(upstream.public_of(chosen, chosen.front_end))


def own_addresses(s: Scenario, n: VMNetwork) -> list[str]:
    """Public addresses that belong to the VM network alone (its pattern's module says),
    but for private ones that leave through an upstream NAT."""
    g = next(g for g in s.gateways if g.name == n.gateway)
    return [a for a in table.module(n.pattern).own_addresses(n)
            if not upstream.translated(g, IPv4Address(a))]  # fmt: skip


def bill(s: Scenario) -> dict[str, dict[str, Any]]:
    """Per VM network: its own addresses, the shared one it uses, and the count it adds."""
    out = {}
    for n in s.vm_networks:
        own, shared = own_addresses(s, n), shared_front_end(s, n)
        out[n.name] = {"pattern": n.pattern, "own": own, "shared": shared,
                       "public_ipv4": len(own) + (1 if shared else 0)}  # fmt: skip
    return out


def total(s: Scenario) -> int:
    """Distinct public addresses the whole scenario needs."""
    every: set[str] = set()
    for row in bill(s).values():
        every.update(row["own"])
        if row["shared"]:
            every.add(row["shared"])
    return len(every)
