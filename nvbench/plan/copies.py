"""Tenants like a pattern's typical one, as many as asked: what the planner loads a gateway
with to find how many it carries.

Each copy is the template VM network with its own name, VSIDs, VM names, public addresses
and VPN peers (what must be unique across a cloud); its private address space is the
template's, as HNV allows (one routing domain each [S6]).
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterator
from typing import Any

from nvbench.scenario.schema import Scenario

FIRST_VSID = 100_000  # above every VSID a shipped scenario uses


def typical(s: Scenario) -> int:
    """The index of the median VM network by offered load (the lower median)."""
    loads = sorted((sum(t.rate_pps for t in n.traffic), i) for i, n in enumerate(s.vm_networks))
    return loads[(len(loads) - 1) // 2][1]


def copies(s: Scenario, tenants: int) -> Scenario:
    """``s`` (one pattern's VM networks and gateways, ``plan.search.only``) with its typical
    VM network ``tenants`` times instead of its own, all on that network's gateway (the
    only one kept, with its cluster partner): checked against the schema only, since one
    gateway may not hold them all; ``plan.search.layout`` deals them to gateway VMs and
    checks every rule."""
    doc: dict[str, Any] = s.model_dump(mode="json")
    template = doc["vm_networks"][typical(s)]
    used = _addresses(doc)
    fresh_public = _fresh(ipaddress.IPv4Network("203.0.113.0/24"), used)
    fresh_peer = _fresh(ipaddress.IPv4Network("198.51.100.0/24"), used)
    vsids = iter(range(FIRST_VSID, FIRST_VSID + 100 * (tenants + 1)))
    doc["vm_networks"] = [_copy(template, k, vsids, fresh_public, fresh_peer)
                          for k in range(tenants)]  # fmt: skip
    # Its gateway (and cluster partner) alone: the others would stand idle.
    mine = next(g for g in doc["gateways"] if g["name"] == template["gateway"])
    pair = mine["cluster"]
    doc["gateways"] = [g for g in doc["gateways"]
                       if g["name"] == mine["name"] or (pair and g["cluster"] == pair)]  # fmt: skip
    doc["clusters"] = [c for c in doc["clusters"] if c["name"] == mine["cluster"]]
    return Scenario.model_validate(doc | {"name": f"{s.name}-{tenants}-like-{template['name']}"})


def _copy(n: dict[str, Any], k: int, vsids: Iterator[int], public: Iterator[str],
          peer: Iterator[str]) -> dict[str, Any]:  # fmt: skip
    out = copy.deepcopy(n)
    out["name"] = f"{n['name']}-{k + 1}"
    renumber = {s["vsid"]: next(vsids) for s in n["subnets"]}
    for s in out["subnets"]:
        s["vsid"] = renumber[s["vsid"]]
    out["gateway_subnet"]["vsid"] = next(vsids)
    pool = {a: next(public) for a in n["public_addresses"]}
    out["public_addresses"] = [pool[a] for a in n["public_addresses"]]
    for m in out["static_mappings"]:  # published ports name their VM
        m["vm"] = f"{m['vm']}-{k + 1}"
    for vm in out["vms"]:
        vm["name"] = f"{vm['name']}-{k + 1}"
        vm["subnet"] = renumber[vm["subnet"]]
        if vm.get("public"):
            vm["public"] = next(public)
    for site in [*([out["site"]] if out["site"] else []), *out["sites"]]:
        site["peer"] = next(peer)
    return out


def _addresses(doc: Any) -> set[str]:
    """Every IPv4 address written anywhere in ``doc`` (so that fresh ones avoid them)."""
    if isinstance(doc, dict):
        return set().union(*(_addresses(v) for v in doc.values())) if doc else set()
    if isinstance(doc, list):
        return set().union(*(_addresses(v) for v in doc)) if doc else set()
    try:
        return {str(ipaddress.IPv4Address(doc))} if isinstance(doc, str) else set()
    except ValueError:
        return set()


def _fresh(start: ipaddress.IPv4Network, used: set[str]) -> Iterator[str]:
    """Host addresses from ``start`` onwards (the next /24s after it), none in ``used``."""
    net = start
    while True:
        for a in net.hosts():
            if str(a) not in used:
                used.add(str(a))
                yield str(a)
        net = ipaddress.IPv4Network((int(net.network_address) + 256, 24))
