"""Build the simulation of a scenario: the fabric (Hyper-V hosts, the provider network,
gateway hosts and gateway VMs with their external links), and on it each VM network's
access pattern, whose far end and inbound traffic its own module builds
(:func:`nvbench.patterns.table.module`).

Every VM network is routing domain ``rd`` = its index. Packets take these paths:

- out: VM -> host vSwitch (NVGRE, policy lookup; off-subnet -> the gateway wildcard record
  [S11]) -> NIC -> provider switch -> gateway host NIC -> vSwitch (decapsulation) -> the
  gateway VM of the VM network -> its function (S2S/RA: ESP; NAT: NAPT; MPLS and public
  IP: forwarding) -> the gateway's uplink -> the tenant's far end: the remote site's VPN
  peer, the PE router, the Internet (through the external 1:1 NAT device for public IP).
- in: the far end -> the gateway's downlink -> the gateway VM -> the gateway host's vSwitch
  (NVGRE to the VM's host) -> provider switch -> host NIC -> vSwitch -> the VMs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address

import numpy as np

from nvbench.fastpath import esp, nvgre
from nvbench.fastpath.ipv4 import ETH_LEN
from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.nat1to1 import StaticNat
from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.tunnels import TunnelRoutes
from nvbench.model import limits
from nvbench.model.costs import Profile
from nvbench.model.demux import TenantDemux
from nvbench.model.devices import VpnSource
from nvbench.model.element import Element
from nvbench.model.endpoints import Sink
from nvbench.model.gateway import GatewayVM
from nvbench.model.host import HostSpec, HyperVHost
from nvbench.model.link import Link
from nvbench.model.policy import PolicyBook
from nvbench.model.simulation import Simulation
from nvbench.model.station import Station
from nvbench.model.switch import ProviderSwitch
from nvbench.model.tap import Tap
from nvbench.model.traffic import Flows, PacketSource, Sizes
from nvbench.patterns import failover, gateway_nat, table, upstream
from nvbench.patterns.edge import Edge, wan_link
from nvbench.patterns.failover import Selector
from nvbench.scenario.schema import Fault, GatewayHost, Host, Scenario, Traffic, VMNetwork
from nvbench.scenario.schema import Gateway as GatewayConfig

GHZ = 1e9
GBPS = 1e9
# The gateway's uplink and downlink reach the datacenter's edge router: no distance worth
# a delay (assumed); the distance to each far end is its WAN link's (scenario ``wan``).
EXTERNAL_DELAY_NS = 0

Tapped = Callable[[str, Element], Element]  # (tap point, where the wire leads) -> its new end
SharedNics = tuple[ProviderSwitch, TenantDemux, TenantDemux]  # see _shared_nics


@dataclass
class Built:
    """The elements of a scenario's simulation, by what they stand for."""

    sim: Simulation
    rd: dict[str, int]
    gateways: dict[str, GatewayVM]
    hosts: dict[str, HyperVHost]
    gateway_hosts: dict[str, HyperVHost]
    uplinks: dict[str, Link] = field(default_factory=dict)
    far_ends: dict[str, Element] = field(default_factory=dict)  # by VM network
    one_to_one: dict[str, StaticNat] = field(default_factory=dict)  # public IP per VM
    taps: list[Tap] = field(default_factory=list)
    policy: PolicyBook | None = None  # the HNV policy, with the changes takeovers schedule
    downlinks: dict[str, Element] = field(default_factory=dict)  # by gateway
    selectors: dict[str, Selector] = field(default_factory=dict)  # by active gateway
    vpn_sources: dict[str, list[VpnSource]] = field(default_factory=dict)  # by gateway
    # The longest round trip over a gateway's WAN links (IKE's two exchanges at a takeover).
    wan_rtt_ns: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TapSpec:
    """Copy up to ``limit`` frames per tap point, of these tenants (all if None)."""

    limit: int
    tenants: set[int] | None = None


def _ip(a: IPv4Address) -> int:
    return int(a)


def _spec(h: Host, provider_mtu: int | None = None) -> HostSpec:
    return HostSpec(
        pa=_ip(h.pa), clock_hz=h.clock_ghz * GHZ, vswitch_cores=h.vswitch_cores,
        offload=h.offload, nic_bps=h.nic_gbps * GBPS, provider_mtu=provider_mtu or h.provider_mtu,
    )  # fmt: skip


def sizes_of(t: Traffic) -> Sizes:
    if t.sizes == "imix":
        return Sizes.imix()
    if isinstance(t.sizes, int):
        return Sizes.fixed(t.sizes)
    return Sizes.empirical({int(k): float(v) for k, v in t.sizes.items()})


def build(s: Scenario, sim: Simulation, profile: Profile, taps: TapSpec | None = None) -> Built:
    """Create every element of scenario ``s`` in ``sim`` and wire them.

    With ``taps``, frames are copied where they cross the provider network (leaving every
    host's NIC) and the external side (the gateways' uplinks and downlinks).
    """
    rd = {n.name: i for i, n in enumerate(s.vm_networks)}
    table_, vsids = _policy(s, rd)
    policy = PolicyBook(table_)
    hosts = {h.name: HyperVHost(sim, h.name, _spec(h), policy, vsids, profile) for h in s.hosts}
    gw_hosts = {
        h.name: HyperVHost(sim, h.name, _spec(h), policy, vsids, profile) for h in s.gateway_hosts
    }
    up, down = ProviderSwitch(sim, "provider.up"), ProviderSwitch(sim, "provider.down")
    built_taps: list[Tap] = []

    def tapped(name: str, target: Element) -> Element:
        """Where a wire to ``target`` should lead: a new tap in front of it when taps are
        asked for (the tap then leads on to ``target``), else ``target`` itself."""
        if taps is None:
            return target
        tap = Tap(sim, name, taps.limit, taps.tenants)
        built_taps.append(tap)
        tap.connect(target)
        return tap

    for h in s.hosts:
        host = hosts[h.name]
        host.nic_tx.connect(tapped(f"{h.name}.provider", up))
        up.route(_ip(h.pa), [host.ingress])
        down.route(_ip(h.pa), [host.ingress])
        host.connect_ingress(Sink(sim, f"{h.name}.vms"))
    built = Built(sim, rd, {}, hosts, gw_hosts, taps=built_taps, policy=policy)
    for h in s.gateway_hosts:
        gw_host = gw_hosts[h.name]
        up.route(_ip(h.pa), [gw_host.ingress])
        # The provider-side tap sees only provider frames, shared NICs or not.
        to_provider = tapped(f"{h.name}.provider.down", down)
        shared = _shared_nics(s, h, gw_host, to_provider) if h.shared_nics else None
        gw_host.nic_tx.connect(shared[0] if shared else to_provider)
        inside = TenantDemux(sim, f"{h.name}.compartments")
        gw_host.connect_ingress(inside)
        for g in (g for g in s.gateways if g.host == h.name):
            _gateway(s, g, built, inside, gw_host, profile, tapped if taps else None, shared)
    for g in s.gateways:
        other = failover.partner(s, g)
        if other is not None:
            built.selectors[g.name].standby.append(built.downlinks[other.name])
    for n in s.vm_networks:
        _outbound_traffic(s, n, built)
    for f in s.faults:
        _fault(f, s, built)
    return built


def _shared_nics(s: Scenario, h: GatewayHost, gw_host: HyperVHost, down: Element) -> SharedNics:
    """A gateway host whose NICs carry the front end and the back end alike: the gateways'
    external traffic crosses the host's NIC too, sharing its bandwidth and queue.

    Out: NIC -> ``split_out`` (provider addresses to the provider network, the rest to
    ``ext``, by tenant to the gateway's uplink). In: NIC -> ``split_in`` (this host's
    address to the vSwitch, the rest to ``ins``, by tenant to the gateway's outside port).
    Returns (split_out, ext, ins).
    """
    sim = gw_host.nic_tx.sim
    split_out = ProviderSwitch(sim, f"{h.name}.nic.out")
    for th in s.hosts:
        split_out.route(_ip(th.pa), [down])
    ext = TenantDemux(sim, f"{h.name}.nic.external")
    split_out.default([ext])
    split_in = ProviderSwitch(sim, f"{h.name}.nic.in")
    gw_host.nic_rx.connect(split_in)
    split_in.route(_ip(h.pa), [gw_host.vswitch_rx])
    ins = TenantDemux(sim, f"{h.name}.nic.internal")
    split_in.default([ins])
    return split_out, ext, ins


def _fault(f: Fault, s: Scenario, built: Built) -> None:
    """A gateway VM, a host (its vSwitch and NIC) or a host's link (its NIC) goes down."""
    # No for_s: down for the rest of the run (the run's length bounds it).
    at, span = int(f.at_s * 1e9), int((f.for_s or s.run.duration_s) * 1e9)
    if f.kind == "gateway":
        failover.fail_node(s, built, next(g for g in s.gateways if g.name == f.target), at, span)
        return
    host = built.hosts.get(f.target) or built.gateway_hosts[f.target]
    parts: list[Station] = [host.nic_tx, host.nic_rx]
    if f.kind == "host":
        parts += [host.vswitch_tx, host.vswitch_rx, *host.ports]
        for g in (g for g in s.gateways if g.host == f.target):
            failover.fail_node(s, built, g, at, span)
    for part in parts:
        part.fail(at, span)


def _policy(s: Scenario, rd: dict[str, int]) -> tuple[PolicyTable, VsidTable]:
    """HNV lookup records: each VM, and each VM network's gateway wildcard record [S11]."""
    host_pa = {h.name: _ip(h.pa) for h in (*s.hosts, *s.gateway_hosts)}
    gw_host = {g.name: g.host for g in s.gateways}
    n_vms = sum(len(n.vms) for n in s.vm_networks)
    policy, vsids = PolicyTable(n_vms + len(s.vm_networks) + 1), VsidTable()
    mac = 0x00155D100000
    for n in s.vm_networks:
        r = rd[n.name]
        for x in (*n.subnets, n.gateway_subnet):
            vsids.add(x.vsid, r)
        for vm in n.vms:
            mac += 1
            policy.add(r, _ip(vm.address), host_pa[vm.host], mac, vm.subnet)
        policy.add(r, 0, host_pa[gw_host[n.gateway]], 0x00155D0FFFFF, n.gateway_subnet.vsid)
    return policy, vsids


def _gateway(s: Scenario, g: GatewayConfig, built: Built, inside: TenantDemux,
             gw_host: HyperVHost, profile: Profile, tapped: Tapped | None = None,
             shared: SharedNics | None = None) -> None:  # fmt: skip
    """Gateway VM ``g`` with its uplink and downlink, and its VM networks' patterns."""
    sim, rd = built.sim, built.rd
    mine = [n for n in s.vm_networks if n.gateway == _serves(s, g)]
    nat, syn_hold = gateway_nat.of_gateway(sim, g, mine, rd)
    sas = SaTable(max(16, sum(_tunnel_sas(n) for n in mine)))
    routes = TunnelRoutes(sim.max_tenants)
    rates = limits.rates(profile, (g.capacity_gbps or g.uplink_gbps) * GBPS)
    gw = GatewayVM(
        sim, g.name, table.FORWARD, profile, vcpus=g.vcpus, clock_hz=g.clock_ghz * GHZ,
        queue_pkts=g.queue_packets, nat=nat, sas=sas, routes=routes,
        modes={rd[n.name]: table.get(n.pattern).function for n in mine},
        tunnel_mtu=g.external_mtu, vlans=_vlans(sim, mine, rd), esp_df=g.esp_df,
        addresses=_own_addresses(sim, mine, rd), front_end=int(g.front_end),
        syn_hold=syn_hold,
        limits=limits.TunnelLimits(rates, g.queue_packets) if rates else None,
    )  # fmt: skip
    built.gateways[g.name] = gw
    for n in mine:
        inside.route(rd[n.name], gw.inside)
    gw.inside.connect(gw_host.egress)
    uplink, downlink = (Link(sim, f"{g.name}.{way}", g.uplink_gbps * GBPS,
                             delay_ns=EXTERNAL_DELAY_NS, buffer_bytes=1 << 22)
                        for way in ("uplink", "downlink"))  # fmt: skip
    built.uplinks[g.name] = uplink
    entry: Element = downlink
    port_out, port_in = gw_host.external_port(g.name)  # its external vNIC's vSwitch port
    gw.outside.connect(port_out)
    port_in.connect(gw.outside)
    if shared is None:
        port_out.connect(uplink)
        downlink.connect(port_in)
    else:  # through the host's NIC, shared with the provider side
        _, ext, ins = shared
        port_out.connect(gw_host.nic_tx)
        downlink.connect(gw_host.nic_rx)
        for n in mine:
            ext.route(rd[n.name], uplink)
            ins.route(rd[n.name], port_in)
    far = TenantDemux(sim, f"{g.name}.far")
    tap: Tapped = tapped or (lambda _name, target: target)
    nat_device = upstream.device(sim, g, mine, profile)
    if nat_device is None:
        uplink.connect(tap(f"{g.name}.external.out", far))
    else:  # the upstream NAT between the gateway's edge and the Internet
        uplink.connect(tap(f"{g.name}.external.out", nat_device[0]))
        nat_device[0].connect(tap(f"{g.name}.internet.out", far))
    entry = tap(f"{g.name}.external.in", downlink)  # the sources feed the tap
    built.downlinks[g.name] = entry
    if failover.partner(s, g) is not None:  # the remote ends switch to the partner at takeover
        selector = built.selectors[g.name] = failover.Selector(sim, f"{g.name}.selector")
        selector.connect(entry)
        entry = selector
    from_internet = entry
    if nat_device is not None:
        nat_device[1].connect(entry)
        from_internet = tap(f"{g.name}.internet.in", nat_device[1])
    internet = wan_link(built, g, f"{g.name}.internet.wan.out", g.internet,
                        Sink(sim, f"{g.name}.internet"))  # fmt: skip
    edge = Edge(built, g, sas, routes, internet, entry, from_internet, tap)
    for n in mine:
        _pattern(s, edge, n, far)


def _vlans(sim: Simulation, mine: list[VMNetwork], rd: dict[str, int]) -> np.ndarray:
    """The VLAN of each VM network's external traffic by routing domain (0: untagged)."""
    out = np.zeros(sim.max_tenants, np.int64)
    for n in mine:
        out[rd[n.name]] = n.vlan or 0
    return out


def _tunnel_sas(n: VMNetwork) -> int:
    """The SAs of a VM network's tunnels: per site or client, one out and one per inbound
    traffic."""
    ends = len(n.remote_sites) + (n.clients.count if n.clients else 0)
    return ends * (1 + sum(1 for t in n.traffic if t.direction == "inbound"))


def _serves(s: Scenario, g: GatewayConfig) -> str:
    """The active node whose VM networks ``g`` serves (a passive node stands in for it)."""
    if g.role != "passive":
        return g.name
    return next((x.name for x in s.gateways if x.cluster == g.cluster and x.role == "active"),
                g.name)  # fmt: skip


def _pattern(s: Scenario, edge: Edge, n: VMNetwork, far: TenantDemux) -> None:
    """VM network ``n``'s far end behind ``edge``, and its inbound traffic (on a passive
    node: what it needs ready for the traffic to come over at takeover)."""
    built, mod = edge.built, table.module(n.pattern)
    end = mod.far_end(edge, n)
    far.route(edge.rd(n), end)
    inbound = [x for x in n.traffic if x.direction == "inbound"]
    if edge.g.role == "passive":
        for k, t in enumerate(inbound):
            mod.standby(edge, n, k, t)
        return
    built.far_ends[n.name] = end
    hosts = sorted({vm.host for vm in n.vms})
    for k, t in enumerate(inbound):
        src = mod.inbound(edge, n, k, t, _guest_sizes(n, t, built, hosts, edge.g))
        if isinstance(src, VpnSource):  # its tunnels move to the partner at takeover
            built.vpn_sources.setdefault(edge.g.name, []).append(src)


def _outbound_traffic(s: Scenario, n: VMNetwork, built: Built) -> None:
    r = built.rd[n.name]
    g = next(g for g in s.gateways if g.name == n.gateway)
    for k, t in enumerate(x for x in n.traffic if x.direction == "outbound"):
        by_host: dict[str, list] = {}
        for vm in n.vms:
            by_host.setdefault(vm.host, []).append(vm)
        for host, vms in by_host.items():
            sizes = _guest_sizes(n, t, built, [host], g)
            flows = Flows(tuple(_ip(vm.address) for vm in vms), (_ip(t.destination),),
                          count=t.flows, mix=tuple(t.protocols.items()))  # fmt: skip
            rate = t.rate_pps * len(vms) / len(n.vms)
            src = PacketSource(built.sim, f"{n.name}.out{k}.{host}", r, flows, sizes,
                               rate_pps=rate, process=t.process)  # fmt: skip
            src.connect(built.hosts[host].egress)


def _own_addresses(sim: Simulation, mine: list[VMNetwork], rd: dict[str, int]) -> np.ndarray:
    """The gateway's address on each of its VM networks' gateway subnet, by routing domain."""
    out = np.zeros(sim.max_tenants, np.int64)
    for n in mine:
        out[rd[n.name]] = int(n.gateway_subnet.address)
    return out


def _guest_sizes(n: VMNetwork, t: Traffic, built: Built, hosts: list[str],
                 g: GatewayConfig) -> Sizes:  # fmt: skip
    """The traffic's frame sizes, capped at the guests' MTU where they lower it by NVGRE's
    42 bytes (1458 at a 1500-byte provider MTU [S4]), and for a tunnel at the inner MTU it
    carries over gateway ``g``'s external MTU (:func:`esp.inner_mtu`: 1446 for AES-GCM-128
    at 1500; the gateway's tunnel interface tells its side, the peer its own). Inbound
    traffic meets the same path MTU to the VM (TCP's MSS follows it)."""
    sizes = sizes_of(t)
    if not n.guest_mtu_reduction or not hosts:
        return sizes
    mtu = min(built.hosts[h].spec.provider_mtu for h in hosts) - nvgre.OVERHEAD
    if table.get(n.pattern).function == table.ESP:
        suites = [x.suite for x in n.remote_sites] + ([n.clients.suite] if n.clients else [])
        nat_t = upstream.address(g) is not None
        mtu = min([mtu] + [esp.inner_mtu(x, g.external_mtu, nat_t) for x in suites])
    return sizes.capped(mtu + ETH_LEN)
