"""The rules a valid scenario keeps beyond its schema: references, placement, limits.

Each check returns ``(key path, message)`` pairs, so that every problem of a file is
reported at once. Sources: placement and limits [S11][S16][S19][S20][S40].
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network

from nvbench.fastpath.nat_config import MINIMUMS
from nvbench.model import profiles
from nvbench.patterns import table, upstream
from nvbench.scenario import connection, far_ends
from nvbench.scenario.schema import Scenario, VMNetwork

Problem = tuple[str, str]

SYN_HOLD_MIN = 6.0  # s: an unsolicited SYN is held at least this long (RFC 5382 REQ-4)

# Gateway limits, normal / direct routing [S20] (blog citing TechNet).
LIMITS = {
    False: {"s2s_connections": 200, "routing_domains": 100, "virtual_subnets": 500},
    True: {"s2s_connections": 0, "routing_domains": 1, "virtual_subnets": 500},
}
ONE_NETWORK = "a forwarding gateway (DirectRoutingMode=true) serves exactly one VM network, not {}"


def check(s: Scenario) -> list[Problem]:
    """Every rule broken by ``s`` (empty when the scenario is valid)."""
    out: list[Problem] = []
    rules = (_names, _fabric, _gateways, _vsids, _networks, _limits, _addresses, _faults,
             far_ends.double_nat, _profile)  # fmt: skip
    for rule in rules:
        out.extend(rule(s))
    return out


def warnings(s: Scenario) -> list[Problem]:
    """What ``s`` asks that is allowed but not what the RFCs require (the run goes on)."""
    out = []
    for i, g in enumerate(s.gateways):
        for name, floor in MINIMUMS.items():
            value = getattr(g.nat, name)
            if value < floor:
                out.append((f"gateways[{i}].nat.{name}", f"{value:g} s is below the RFC "
                            f"minimum of {floor:g} s; taken as given"))  # fmt: skip
        if g.nat.unsolicited_syn == "hold" and g.nat.syn_hold_s < SYN_HOLD_MIN:
            out.append((f"gateways[{i}].nat.syn_hold_s", f"{g.nat.syn_hold_s:g} s is below "
                        f"RFC 5382's {SYN_HOLD_MIN:g} s; taken as given"))  # fmt: skip
    return out


connections = connection.of_gateways


def _profile(s: Scenario) -> Iterator[Problem]:
    try:
        profiles.load(s.run.profile)
    except profiles.ProfileError as e:
        yield "run.profile", str(e)


def _duplicates(items: list[str]) -> set[str]:
    return {k for k, n in Counter(items).items() if n > 1}


def _names(s: Scenario) -> Iterator[Problem]:
    groups: dict[str, list] = {"hosts": s.hosts, "gateway_hosts": s.gateway_hosts,
                               "gateways": s.gateways, "vm_networks": s.vm_networks,
                               "clusters": s.clusters}  # fmt: skip
    every = [x.name for group in groups.values() for x in group]
    every += [vm.name for n in s.vm_networks for vm in n.vms]
    dup = _duplicates(every)
    for key, group in groups.items():
        for i, x in enumerate(group):
            if x.name in dup:
                yield f"{key}[{i}].name", f"{x.name!r} is used twice; names must be unique"
    for i, n in enumerate(s.vm_networks):
        for j, vm in enumerate(n.vms):
            if vm.name in dup:
                yield f"vm_networks[{i}].vms[{j}].name", f"{vm.name!r} is used twice"


def _fabric(s: Scenario) -> Iterator[Problem]:
    pas = [h.pa for h in s.hosts] + [h.pa for h in s.gateway_hosts]
    dup = _duplicates([str(p) for p in pas])
    back = s.logical_networks.back_end
    for key, group in (("hosts", s.hosts), ("gateway_hosts", s.gateway_hosts)):
        for i, h in enumerate(group):
            if str(h.pa) in dup:
                yield f"{key}[{i}].pa", f"{h.pa} is the provider address of another host"
            if h.pa not in back:
                yield f"{key}[{i}].pa", f"{h.pa} is outside the back-end network {back}"
    tenant_hosts = {h.name for h in s.hosts}
    for i, h in enumerate(s.gateway_hosts):
        if h.name in tenant_hosts:
            yield (f"gateway_hosts[{i}].name",
                   f"{h.name!r} is also a tenant host; a host that runs gateway VMs runs no "
                   "other VMs")  # fmt: skip


def _gateways(s: Scenario) -> Iterator[Problem]:
    gw_hosts = {h.name for h in s.gateway_hosts}
    tenant_hosts = {h.name for h in s.hosts}
    clusters = {c.name for c in s.clusters}
    front = s.logical_networks.front_end
    for i, g in enumerate(s.gateways):
        p = f"gateways[{i}]"
        if g.host in tenant_hosts:
            yield (f"{p}.host", f"{g.host!r} runs tenant VMs; a gateway needs a host of its "
                   "own (list it under gateway_hosts)")  # fmt: skip
        elif g.host not in gw_hosts:
            yield f"{p}.host", f"{g.host!r} is not a gateway host; one of {sorted(gw_hosts)}"
        _, problems = connection.parse(g.connection)
        for msg in problems:
            yield f"{p}.connection", msg
        net = g.front_end_network or front
        if upstream.address(g) is None and g.front_end not in net:
            yield f"{p}.front_end", f"{g.front_end} is outside the front-end network {net}"
        if g.cluster is not None and g.cluster not in clusters:
            yield f"{p}.cluster", f"{g.cluster!r} is not a cluster; one of {sorted(clusters)}"
    for i, h in enumerate(s.gateway_hosts):
        vcpus = sum(g.vcpus for g in s.gateways if g.host == h.name)
        if vcpus > h.cores:  # WS2012 R2 guidance: no more vCPUs than cores, no spanning [S18]
            yield (
                f"gateway_hosts[{i}].cores",
                f"its gateway VMs have {vcpus} vCPUs, more than its {h.cores} cores",
            )
    for i, c in enumerate(s.clusters):
        yield from _cluster(s, i, c.name)


def _cluster(s: Scenario, i: int, name: str) -> Iterator[Problem]:
    nodes = [g for g in s.gateways if g.cluster == name]
    active = [g for g in nodes if g.role == "active"]
    if len(active) != 1:
        yield f"clusters[{i}]", f"cluster {name!r} needs exactly one active gateway"
        return
    if len(nodes) > 2:
        many = len(nodes)
        yield f"clusters[{i}]", f"cluster {name!r} has {many} nodes; an active/passive pair has 2"
    conns = connections(s)
    for g in nodes:
        j = s.gateways.index(g)
        if g is not active[0] and g.host == active[0].host:
            yield (f"gateways[{j}].host", f"the passive node sits on {g.host!r} with the active "
                   "one; a host failure would take both [S19][S40]")  # fmt: skip
        a, b = conns.get(g.name), conns.get(active[0].name)
        if a is not None and b is not None and a.direct_routing != b.direct_routing:
            yield f"gateways[{j}].connection", "the nodes of a cluster differ in DirectRoutingMode"


def _vsids(s: Scenario) -> Iterator[Problem]:
    seen: dict[int, str] = {}
    for i, n in enumerate(s.vm_networks):
        subnets = [(f"vm_networks[{i}].subnets[{j}]", x) for j, x in enumerate(n.subnets)]
        subnets.append((f"vm_networks[{i}].gateway_subnet", n.gateway_subnet))
        for path, x in subnets:
            if x.vsid in seen:
                yield f"{path}.vsid", f"{x.vsid} is already the VSID of {seen[x.vsid]}"
            else:
                seen[x.vsid] = path
        for (pa, a), (pb, b) in _pairs(subnets):
            if a.prefix.overlaps(b.prefix):
                what = "the gateway's subnet" if pb.endswith("gateway_subnet") else pb
                yield f"{pa}.prefix", f"{a.prefix} overlaps {b.prefix} ({what}) in one VM network"


def _pairs(items: list) -> Iterator[tuple]:
    for k, a in enumerate(items):
        for b in items[k + 1 :]:
            yield a, b


def _networks(s: Scenario) -> Iterator[Problem]:
    hosts = {h.name for h in s.hosts}
    gw_hosts = {h.name for h in s.gateway_hosts}
    gateways = {g.name: g for g in s.gateways}
    conns = connections(s)
    for i, n in enumerate(s.vm_networks):
        p = f"vm_networks[{i}]"
        yield from _network_vms(p, n, hosts, gw_hosts)
        yield from _network_gateway(p, n, gateways, conns)
        yield from _network_pattern(p, n)


def _usable(prefix: IPv4Network, a: IPv4Address) -> str | None:
    """Why ``a`` cannot be a host address in ``prefix`` (None if it can)."""
    if a not in prefix:
        return f"{a} is outside {prefix}"
    if a in (prefix.network_address, prefix.broadcast_address):
        return f"{a} is the network or broadcast address of {prefix}"
    if a == prefix.network_address + 1:
        return f"{a} is the subnet's .1, held by the HNV distributed router [S6]"
    return None


def _network_vms(p: str, n: VMNetwork, hosts: set, gw_hosts: set) -> Iterator[Problem]:
    by_vsid = {x.vsid: x for x in n.subnets}
    addresses: Counter = Counter(vm.address for vm in n.vms)
    for j, vm in enumerate(n.vms):
        q = f"{p}.vms[{j}]"
        if vm.host in gw_hosts:
            yield f"{q}.host", f"{vm.host!r} runs gateway VMs; a host that does runs no other VMs"
        elif vm.host not in hosts:
            yield f"{q}.host", f"{vm.host!r} is not a host; one of {sorted(hosts)}"
        sub = by_vsid.get(vm.subnet)
        if sub is None:
            yield f"{q}.subnet", f"{vm.subnet} is not a VSID of this VM network: {sorted(by_vsid)}"
        elif (why := _usable(sub.prefix, vm.address)) is not None:
            yield f"{q}.address", why
        if addresses[vm.address] > 1:
            yield f"{q}.address", f"{vm.address} is used by two VMs of this VM network"
    gs = n.gateway_subnet
    if (why := _usable(gs.prefix, gs.address)) is not None:
        yield f"{p}.gateway_subnet.address", why
    for x in n.subnets:
        if gs.address in x.prefix:
            yield (f"{p}.gateway_subnet.address", f"{gs.address} lies in the VM subnet "
                   f"{x.prefix}; the gateway sits in its own virtual subnet [S11]")  # fmt: skip


def _network_gateway(p: str, n: VMNetwork, gateways: dict, conns: dict) -> Iterator[Problem]:
    if n.gateway not in gateways:
        yield f"{p}.gateway", f"{n.gateway!r} is not a gateway; one of {sorted(gateways)}"
        return
    if gateways[n.gateway].role == "passive":
        yield f"{p}.gateway", f"{n.gateway!r} is a passive node; name its cluster's active node"
    conn = conns.get(n.gateway)
    if conn is None:
        return  # its connection string is reported where it is
    forwarding = table.get(n.pattern).gateway == table.FORWARDING
    if forwarding and not conn.direct_routing:
        yield (f"{p}.pattern", f"{n.pattern} needs a forwarding gateway (DirectRoutingMode=true);"
               f" {n.gateway!r} is a multi-tenant gateway")  # fmt: skip
    if not forwarding and conn.direct_routing:
        yield (f"{p}.pattern", f"{n.pattern} needs a multi-tenant gateway; {n.gateway!r} is a "
               "forwarding gateway (DirectRoutingMode=true)")  # fmt: skip


# What a pattern's ``needs`` (nvbench.patterns.table) asks of a VM network.
_HAS = {
    "site": lambda n: bool(n.remote_sites),
    "clients": lambda n: n.clients is not None,
    "public_addresses": lambda n: bool(n.public_addresses),
    "vms": lambda n: any(vm.public for vm in n.vms),
}


def _network_pattern(p: str, n: VMNetwork) -> Iterator[Problem]:
    pattern = table.get(n.pattern)
    if pattern.needs is not None and not _HAS[pattern.needs[0]](n):
        yield f"{p}.{pattern.needs[0]}", pattern.needs[1]
    pools = " or ".join(table.named(public_ipv4=table.POOL))
    if pattern.public_ipv4 != table.POOL and (n.public_addresses or n.static_mappings):
        yield f"{p}.public_addresses", f"only the {pools} pattern takes a pool; this is {n.pattern}"
    if pattern.public_ipv4 != table.PER_VM:
        own = " or ".join(table.named(public_ipv4=table.PER_VM))
        for j, vm in enumerate(n.vms):
            if vm.public is not None:
                yield f"{p}.vms[{j}].public", f"only {own} VMs have their own; this is {n.pattern}"
    trunked = table.named(gateway=table.FORWARDING, public_ipv4=table.NONE)
    if n.vlan is not None and n.pattern not in trunked:
        yield f"{p}.vlan", f"only {' or '.join(trunked)} VM networks are handed over on a VLAN"
    vms = {vm.name for vm in n.vms}
    for j, m in enumerate(n.static_mappings):
        if m.vm not in vms:
            yield f"{p}.static_mappings[{j}].vm", f"{m.vm!r} is not a VM of this VM network"
    for j, t in enumerate(n.traffic):
        if t.syn and (t.direction != "inbound" or pattern.function != table.NAT):
            yield (f"{p}.traffic[{j}].syn", "connection attempts (SYN) are sent only by "
                   f"inbound traffic of a {' or '.join(table.named(function=table.NAT))} "
                   "VM network")  # fmt: skip
        other = [k for k, w in t.protocols.items() if k != "tcp" and w > 0]
        if t.syn and "protocols" in t.model_fields_set and other:
            yield (f"{p}.traffic[{j}].protocols", f"connection attempts (syn) are TCP; "
                   f"{', '.join(other)} cannot be")  # fmt: skip
    yield from far_ends.tunnel_ends(p, n)


def _limits(s: Scenario) -> Iterator[Problem]:
    conns = connections(s)
    for i, g in enumerate(s.gateways):
        conn = conns.get(g.name)
        if conn is None:
            continue
        mine = [n for n in s.vm_networks if n.gateway == g.name]
        limit = LIMITS[conn.direct_routing]
        s2s = sum(len(n.remote_sites) for n in mine if table.get(n.pattern).s2s_connection)
        subnets = sum(len(n.subnets) + 1 for n in mine)
        p = f"gateways[{i}]"
        if conn.direct_routing and len(mine) != 1:
            yield p, ONE_NETWORK.format(len(mine))
        if len(mine) > conn.max_vm_networks:
            yield p, f"{len(mine)} VM networks exceed MaxVMNetworksSupported={conn.max_vm_networks}"
        if len(mine) > limit["routing_domains"]:
            yield p, f"{len(mine)} routing domains exceed the gateway's {limit['routing_domains']}"
        if s2s > limit["s2s_connections"]:
            yield p, f"{s2s} S2S connections exceed the gateway's {limit['s2s_connections']}"
        if subnets > limit["virtual_subnets"]:
            yield p, f"{subnets} virtual subnets exceed the gateway's {limit['virtual_subnets']}"


def _addresses(s: Scenario) -> Iterator[Problem]:
    public = [
        (f"vm_networks[{i}].public_addresses[{j}]", a)
        for i, n in enumerate(s.vm_networks)
        for j, a in enumerate(n.public_addresses)
    ]
    public += [
        (f"vm_networks[{i}].vms[{j}].public", vm.public)
        for i, n in enumerate(s.vm_networks)
        for j, vm in enumerate(n.vms)
        if vm.public
    ]
    public += [(f"gateways[{i}].front_end", g.front_end) for i, g in enumerate(s.gateways)]
    # fmt: skip
    dup = _duplicates([str(a) for _, a in public])
    for path, a in public:
        if str(a) in dup:
            yield path, f"{a} is assigned twice; a public address has one owner"


def _faults(s: Scenario) -> Iterator[Problem]:
    names = {
        "gateway": {g.name for g in s.gateways},
        "host": {h.name for h in s.hosts} | {h.name for h in s.gateway_hosts},
        "link": {h.name for h in s.hosts} | {h.name for h in s.gateway_hosts},
    }
    for i, f in enumerate(s.faults):
        if f.target not in names[f.kind]:
            yield (
                f"faults[{i}].target",
                f"{f.target!r} is not a {f.kind}; one of {sorted(names[f.kind])}",
            )
        if f.at_s >= s.run.duration_s:
            yield (
                f"faults[{i}].at_s",
                f"{f.at_s} s is not before the end of the run ({s.run.duration_s} s)",
            )
