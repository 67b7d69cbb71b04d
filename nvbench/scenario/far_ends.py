"""Scenario rules about the world beyond the gateways: which tunnel carries a VPN tenant's
traffic, and what an upstream NAT (double NAT) in front of a gateway asks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from nvbench.packet.layouts import NAT_T_PORT
from nvbench.patterns import table, upstream
from nvbench.scenario import connection
from nvbench.scenario.schema import Scenario, VMNetwork

Problem = tuple[str, str]

MAX_INBOUND = 15  # inbound traffics of a VM network: child SAs 1..15 of a connection


def tunnel_ends(p: str, n: VMNetwork) -> Iterator[Problem]:
    """A VPN tenant's traffic must have a tunnel: an S2S address lies in a site's prefix,
    a remote-access destination is a client's address from the pool."""
    ends = table.get(n.pattern).tunnel_ends
    if ends is None:
        return
    inbound = sum(1 for t in n.traffic if t.direction == "inbound")
    if inbound > MAX_INBOUND:
        yield f"{p}.traffic", f"{inbound} inbound traffics; a tunnel takes at most {MAX_INBOUND}"
    if ends == table.SITES:
        yield from _sites(p, n)
        return
    if n.clients is None:
        return
    first = n.clients.pool.network_address + 1
    last = first + n.clients.count - 1
    if last >= n.clients.pool.broadcast_address:
        yield (f"{p}.clients.count", f"{n.clients.count} clients do not fit the pool "
               f"{n.clients.pool}")  # fmt: skip
    for j, t in enumerate(n.traffic):
        if t.direction == "outbound" and not first <= t.destination <= last:
            yield (f"{p}.traffic[{j}].destination", f"{t.destination} is no client's address;"
                   f" the clients hold {first}..{last}")  # fmt: skip


def _sites(p: str, n: VMNetwork) -> Iterator[Problem]:
    sites = n.remote_sites
    prefixes = ", ".join(str(s.prefix) for s in sites)
    for j, t in enumerate(n.traffic):
        if sites and not any(t.destination in s.prefix for s in sites):
            yield (f"{p}.traffic[{j}].destination", f"{t.destination} lies in no site's prefix"
                   f" ({prefixes}); it has no tunnel")  # fmt: skip
    for peer in _duplicates([str(s.peer) for s in sites]):
        yield f"{p}.sites", f"two sites have the VPN peer {peer}; each site has its own"
    for name in _duplicates([n.site_name(k) for k in range(len(sites))]):
        yield f"{p}.sites", f"two sites are named {name!r}"


def double_nat(s: Scenario) -> Iterator[Problem]:
    """A private NAT pool leaves through its gateway's upstream NAT, which only a
    multi-tenant gateway has here; its published ports are forwarded by that NAT, each once,
    and never IKE's 4500."""
    conns, gateways = connection.of_gateways(s), {g.name: g for g in s.gateways}
    for i, x in enumerate(s.gateways):
        conn = conns.get(x.name)
        if upstream.address(x) is not None and conn is not None and conn.direct_routing:
            yield (f"gateways[{i}].upstream_nat", "an upstream NAT is modelled in front of a "
                   "multi-tenant gateway only")  # fmt: skip
        if upstream.address(x) is not None and x.esp_df == "clear":
            # The device translates by ports, which pieces after the first do not carry:
            # it would need to join them first (RFC 4787 REQ-14), not modelled yet.
            yield (f"gateways[{i}].esp_df", "'clear' is not modelled behind an upstream "
                   "NAT (it would drop the pieces); allowed here: 'copy'")  # fmt: skip
        reported = connection.vpn_server_address(x)
        if x.upstream_nat is not None and reported not in (None, x.upstream_nat):
            yield (f"gateways[{i}].connection", f"VPNServerAddress={reported} is not the "
                   f"upstream NAT's address {x.upstream_nat}, which the tenants reach")  # fmt: skip
    ports: dict[str, set[tuple[str, int]]] = {}
    for i, n in enumerate(s.vm_networks):
        g = gateways.get(n.gateway)
        if g is None:
            continue
        for j, a in enumerate(n.public_addresses):
            if upstream.private(a) and upstream.address(g) is None:
                yield (f"vm_networks[{i}].public_addresses[{j}]", f"{a} is private; a "
                       f"private pool needs an upstream NAT in front of {g.name!r}")  # fmt: skip
        if not n.public_addresses or not upstream.translated(g, n.public_addresses[0]):
            continue
        for j, m in enumerate(n.static_mappings):
            key, taken = (m.protocol, m.public_port), ports.setdefault(g.name, set())
            if key in taken or key == ("udp", NAT_T_PORT):
                yield (f"vm_networks[{i}].static_mappings[{j}].public_port", f"{m.public_port}"
                       f"/{m.protocol} of the upstream NAT is forwarded already")  # fmt: skip
            taken.add(key)


def _duplicates(items: list[str]) -> set[str]:
    return {x for x, k in Counter(items).items() if k > 1}
