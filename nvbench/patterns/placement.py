"""Gateway placements: the same tenants on differently laid-out multi-tenant gateways."""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

from nvbench.patterns import table
from nvbench.scenario.loader import from_dict
from nvbench.scenario.schema import Placement, Scenario

MULTI_TENANT = table.named(gateway=table.MULTI_TENANT)


def apply(s: Scenario, p: Placement) -> Scenario:
    """``s`` with its multi-tenant gateways laid out as ``p`` says (validated like a file)."""
    doc: dict[str, Any] = s.model_dump(mode="json")
    nets = [n for n in doc["vm_networks"] if n["pattern"] in MULTI_TENANT]
    old = {n["gateway"] for n in nets}
    template = next(h for h in doc["gateway_hosts"] if any(
        g["host"] == h["name"] for g in doc["gateways"] if g["name"] in old))  # fmt: skip
    keep_gw = [g for g in doc["gateways"] if g["name"] not in old and g["role"] == "active"]
    kept_hosts = {g["host"] for g in keep_gw}
    hosts = [h for h in doc["gateway_hosts"] if h["name"] in kept_hosts]
    gateways, clusters = list(keep_gw), []
    count = -(-len(nets) // p.tenants_per_gateway)
    front = IPv4Address(doc["logical_networks"]["front_end"].split("/")[0]) + 100
    back = IPv4Address(doc["logical_networks"]["back_end"].split("/")[0]) + 200
    host_of = _pack(count, p, hosts, template, back)
    for k in range(count):
        name = f"{p.name}-gw{k:02d}"
        conn = (
            f"VMHost=Edge-{p.name}.example;GatewayVM={name}.example;DirectRoutingMode=false;"
            f"MaxVMNetworksSupported={p.tenants_per_gateway}"
        )
        node = {"name": name, "host": host_of[k][0], "connection": conn,
                "front_end": str(front + k), "vcpus": p.vcpus}  # fmt: skip
        if p.clustered:
            clusters.append({"name": f"{name}-cluster"})
            node |= {"cluster": f"{name}-cluster", "role": "active"}
            gateways.append({**node, "name": f"{name}-b", "host": host_of[k][1], "role": "passive",
                             "front_end": str(front + 100 + k)})  # fmt: skip
        gateways.append(node)
        for n in nets[k * p.tenants_per_gateway : (k + 1) * p.tenants_per_gateway]:
            n["gateway"] = name
    doc |= {"name": f"{s.name}-{p.name}", "gateway_hosts": hosts, "gateways": gateways,
            "clusters": clusters, "placements": [],
            "faults": [f for f in doc["faults"] if f["target"] not in old]}  # fmt: skip
    return from_dict(doc, f"{s.name} with placement {p.name!r}")


def _pack(count: int, p: Placement, hosts: list[dict], template: dict,
          back: IPv4Address) -> list[tuple[str, str]]:  # fmt: skip
    """(active host, passive host) of each gateway VM; new gateway hosts appended to ``hosts``."""
    per = p.gateway_vms_per_host
    sides = 2 if p.clustered else 1  # a 2-node host cluster: actives on one, passives on the other
    needed = -(-count // per)
    made: list[str] = []
    for i in range(needed * sides):
        name = f"{p.name}-gwhost{i:02d}"
        hosts.append({**template, "name": name, "pa": str(back + len(made)),
                      "shared_nics": p.shared_nics})  # fmt: skip
        made.append(name)
    return [(made[(k // per) * sides], made[(k // per) * sides + sides - 1]) for k in range(count)]


def gateway_hosts_used(s: Scenario) -> int:
    return len({g.host for g in s.gateways})
