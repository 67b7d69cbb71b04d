"""The scenario file format: pydantic models that forbid unknown keys and fill defaults.

A scenario describes the provider's fabric (Hyper-V hosts, gateway hosts and gateway VMs,
the logical networks), the tenants' VM networks (routing domains) with their virtual
subnets, VMs, access pattern and traffic, and the faults to inject. ``nvbench schema``
prints the JSON Schema of this model. Cross-field rules (placement, limits, references)
are in :mod:`nvbench.scenario.rules`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from nvbench.scenario.vm_network import (  # noqa: F401 - the format's parts, re-exported
    VM,
    Clients,
    GatewaySubnet,
    Model,
    Name,
    Pattern,
    Positive,
    Site,
    StaticMapping,
    Subnet,
    Suite,
    Traffic,
    VMNetwork,
    Vsid,
    Wan,
)


class RunSettings(Model):
    """How long to run and how: simulated seconds, the time quantum, the seed."""

    duration_s: Positive = 1.0
    """Simulated seconds of a run (warm-up included)."""
    warmup_s: Annotated[float, Field(ge=0)] = 0.0
    """Seconds at the start that are not measured (queues fill up); at most half the run."""
    quantum_ms: Annotated[float, Field(gt=0, le=1000)] = 10.0
    """The engine's time step in milliseconds: it changes the speed, never the per-packet
    times.
    """
    seed: Annotated[int, Field(ge=0)] = 0
    """The run's seed (a numpy SeedSequence's entropy): the same seed gives the same results;
    replications use its children.
    """
    profile: str = "ws2012r2"
    """The gateway profile (costs per function, with sources; docs/profiles.md): ws2012r2,
    ws2016 or ws2019, or the path of a profile file (TOML, or JSON from `nvbench calibrate
    --write-profile`). "published" is ws2012r2's former name.
    """
    series_interval_ms: Annotated[float, Field(gt=0)] | None = None
    """Record every element's counters every this many milliseconds (a multiple of
    quantum_ms) for time series; none by default.
    """
    epoch: AwareDatetime = datetime(2026, 1, 1, tzinfo=UTC)
    """The wall-clock time simulated time 0 stands for in captures (pcapng timestamps); by
    default 2026-01-01 00:00:00 UTC (a capture dated 1970 reads as broken).
    """


class Host(Model):
    """A Hyper-V host for tenant VMs."""

    name: Name
    """The host's name, unique among hosts and gateway hosts."""
    pa: IPv4Address
    """Its provider address (PA) on the back-end logical network [S6]."""
    cores: Annotated[int, Field(ge=1, le=512)] = 16
    """Physical cores (the WS2012 R2 gateway guidance's hosts: 2 x 8 [S18])."""
    clock_ghz: Annotated[float, Field(gt=0, le=10)] = 2.6
    """Core clock in GHz: a function's cycles a packet over it give its time."""
    nic_gbps: Positive = 10.0
    """The NIC's line rate in Gbit/s (10 GbE in the WS2012 R2 guidance [S18])."""
    offload: bool = True
    """NVGRE task offload on the NIC [S3]: the NIC, not the vSwitch, does the GRE work."""
    vswitch_cores: Annotated[int, Field(ge=1, le=64)] = 1
    """Cores the Hyper-V virtual switch's packet work spreads over (VMQ/RSS queues)."""
    provider_mtu: Annotated[int, Field(ge=1280, le=9216)] = 1500
    """The IP MTU of the provider (PA) network in bytes: 1500 unless jumbo frames carry
    NVGRE's 42 extra bytes [S4].
    """


class GatewayHost(Host):
    """A host dedicated to gateway VMs [S40]."""

    shared_nics: bool = True
    """Front end and back end on the same NICs."""


class Nat(Model):
    """The gateway VM's NAT44: behaviour and timers (s). Defaults: the RFC values (FACTS
    "NAT44 requirements checklist"); a timer below its RFC minimum is taken with a
    warning (Windows' own NAT may be set so)."""

    filtering: Literal["endpoint-independent", "address-dependent"] = "endpoint-independent"
    """Which inbound packets a mapping lets in (RFC 4787 REQ-8): from any host (endpoint-
    independent) or only from hosts the inside host sent to (address-dependent).
    """
    udp_timeout: Positive = 300.0
    """Seconds a UDP mapping lives without traffic (RFC 4787 REQ-5: at least 120, 300
    recommended).
    """
    tcp_established_timeout: Positive = 7440.0
    """Seconds an established TCP mapping lives without traffic (RFC 5382 REQ-5: at least
    7440).
    """
    tcp_transitory_timeout: Positive = 240.0
    """Seconds a TCP mapping in set-up or tear-down lives (RFC 5382 REQ-5: at least 240)."""
    icmp_timeout: Positive = 60.0
    """Seconds an ICMP query mapping lives (RFC 5508 REQ-1: at least 60)."""
    port_hold_down: Annotated[float, Field(ge=0)] = 120.0
    """Seconds a freed public port waits before reuse (RFC 6888 REQ-8: 120 by default)."""
    mappings: Annotated[int, Field(ge=1, le=1 << 26)] | None = None
    """Most mappings at once; default 131,072 (65,536 TCP + 65,536 UDP) per public address of
    the gateway's NAT tenants, WS2008 R2 RRAS NAT's figure [S39] (the nearest source).
    """
    unsolicited_syn: Literal["drop", "hold"] = "drop"
    """An unsolicited inbound SYN (no mapping, or filtered): dropped at once ("drop";
    assumed, Windows' choice is NOT FOUND), or "hold": held syn_hold_s (RFC 5382 REQ-4: at
    least 6 s; less is taken with a warning), then answered ICMP port unreachable unless
    the inside host's own SYN of that connection came meanwhile; at most syn_hold_max held
    at once (assumed; more are dropped silently, REQ-4a).
    """
    syn_hold_s: Positive = 6.0
    """Seconds an unsolicited SYN is held with unsolicited_syn = hold (RFC 5382 REQ-4: at
    least 6).
    """
    syn_hold_max: Annotated[int, Field(ge=1, le=1 << 24)] = 4096
    """Unsolicited SYNs held at once at most (assumed; more are dropped silently, RFC 5382
    REQ-4a).
    """


class Gateway(Model):
    """A Windows Server Gateway VM, registered in SCVMM with a connection string [S16]."""

    name: Name
    """The gateway VM's name, unique in the scenario."""
    host: Name
    """The gateway host it runs on (one of gateway_hosts)."""
    connection: str
    """Its SCVMM connection string [S16]: VMHost, GatewayVM, BackEndSwitch,
    DirectRoutingMode, MaxVMNetworksSupported (at most 100), FrontEndServerAddress,
    VPNServerAddress.
    """
    front_end: IPv4Address
    """Its external address (private behind an upstream NAT)"""
    upstream_nat: IPv4Address | None = None
    """The public address of that NAT (double NAT)"""
    front_end_network: IPv4Network | None = None
    """The front-end network it sits on, when not the scenario's (a forwarding gateway's
    own).
    """
    vcpus: Annotated[int, Field(ge=1, le=64)] = 8
    """Its vCPUs: 8 or 4 in the WS2012 R2 guidance [S18]."""
    clock_ghz: Annotated[float, Field(gt=0, le=10)] = 2.6
    """Its vCPUs' clock in GHz."""
    queue_packets: Annotated[int, Field(ge=1)] = 4096
    """Packets each vCPU's queue holds; more are dropped (BUFFER_FULL)."""
    uplink_gbps: Positive = 10.0
    """Its external vNIC's rate in Gbit/s."""
    capacity_gbps: Positive | None = None
    """The capacity in Gbit/s its operator gives it in the Network Controller, which WS2016
    shares out among its tunnels and WS2019 caps them at [S22] (a profile's limits); by
    default its uplink's rate ("the TCP bandwidth available to the gateway VM" [S22]).
    """
    external_mtu: Annotated[int, Field(ge=576, le=9000)] = 1500
    """The IP MTU of its external side (Ethernet's 1500 unless the path is known to carry
    more): the tenants' tunnels carry inner packets that fit (esp.inner_mtu); an ESP
    packet over it is dropped as TOO_BIG when its DF bit is set, and its sender told the
    MTU (ICMP "fragmentation needed").
    """
    esp_df: Literal["copy", "clear"] = "copy"
    """The DF bit of its tunnels' ESP packets (both ends; RFC 4301 8.1): "copy" the inner
    packet's, or "clear" it, so that ESP over the external MTU leaves in pieces that the
    other end joins before decrypting (RFC 4459 3). "copy" by default: assumed, as
    Windows' own choice is NOT FOUND.
    """
    internet: Wan = Wan()
    """To and from Internet hosts (the NAT and public-IP patterns)"""
    nat: Nat = Nat()
    """Its NAT's behaviour and timers."""
    cluster: Name | None = None
    """The guest cluster it belongs to (one of clusters), if any."""
    role: Literal["active", "passive"] = "active"
    """Its role in its cluster: active, or passive (takes over when the active fails)."""


class Cluster(Model):
    """An active/passive gateway guest cluster: heartbeat every 1 s, down after 5 missed [S42]."""

    name: Name
    """The cluster's name, named by its gateways' cluster key."""
    heartbeat_s: Positive = 1.0
    """Seconds between heartbeats (1 in a guest cluster [S42])."""
    missed_heartbeats: Annotated[int, Field(ge=1, le=100)] = 5
    """Heartbeats missed before the partner takes over (5 [S42])."""


class LogicalNetworks(Model):
    front_end: IPv4Network = IPv4Network("131.107.0.0/16")
    """The front-end network, where the gateways face the world."""
    back_end: IPv4Network = IPv4Network("192.168.0.0/16")
    """The back-end network: the provider (PA) addresses."""


class Fault(Model):
    kind: Literal["gateway", "host", "link"]
    """What fails: a gateway VM, a host or a link."""
    target: Name
    """The element's name."""
    at_s: Annotated[float, Field(ge=0)]
    """When, in simulated seconds from the start."""
    for_s: Positive | None = None
    """How long it lasts, in seconds (none: for the rest of the run)."""


class Placement(Model):
    """A way to lay out the multi-tenant gateways, compared side by side by ``compare``.

    The VM networks that use a multi-tenant gateway (S2S, NAT, remote access) are dealt to
    gateway VMs ``tenants_per_gateway`` at a time [S18][S19]; the VMs are packed
    ``gateway_vms_per_host`` to a gateway host (2 VMs of 8 vCPUs or 4 of 4 on a 16-core
    host [S18]); with ``clustered`` each gateway VM gets a passive partner on another host;
    ``shared_nics`` says whether those hosts carry front and back end on the same NICs.
    Forwarding gateways stay as the scenario has them.
    """

    name: Name
    """The placement's name in the comparison."""
    gateway_vms_per_host: Annotated[int, Field(ge=1, le=16)] = 2
    """Gateway VMs a gateway host takes."""
    vcpus: Annotated[int, Field(ge=1, le=64)] = 8
    """VCPUs of each gateway VM."""
    tenants_per_gateway: Annotated[int, Field(ge=1, le=100)] = 50
    """VM networks dealt to each gateway VM (at most 100 [S16])."""
    clustered: bool = False
    """Each gateway VM gets a passive partner on another host."""
    shared_nics: bool = True
    """Front end and back end on the same NICs of the gateway hosts."""


class Scenario(Model):
    name: Name
    """The scenario's name (in result folders and tables)."""
    description: str = ""
    """Words about it."""
    run: RunSettings = RunSettings()
    """How long to run and how."""
    logical_networks: LogicalNetworks = LogicalNetworks()
    """The front-end and back-end (provider) networks' prefixes."""
    hosts: Annotated[list[Host], Field(min_length=1)]
    """The Hyper-V hosts of the tenants' VMs."""
    gateway_hosts: Annotated[list[GatewayHost], Field(min_length=1)]
    """The hosts of the gateway VMs."""
    gateways: Annotated[list[Gateway], Field(min_length=1)]
    """The gateway VMs."""
    clusters: list[Cluster] = []
    """Active/passive gateway guest clusters."""
    vm_networks: Annotated[list[VMNetwork], Field(min_length=1)]
    """The tenants' VM networks."""
    faults: list[Fault] = []
    """Failures to inject."""
    placements: list[Placement] = []
    """Gateway layouts that compare runs side by side."""
