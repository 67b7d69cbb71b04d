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

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from nvbench.fastpath.lookup import VSID_MAX, VSID_MIN
from nvbench.patterns.table import NAMES

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Vsid = Annotated[int, Field(ge=VSID_MIN, le=VSID_MAX)]  # RFC 7637 reserves the rest [S1][S6]
Positive = Annotated[float, Field(gt=0)]
Pattern = Literal[NAMES]  # type: ignore[valid-type]  # the table's names, in its order
# The ESP cipher suites of nvbench.fastpath.sa.SUITES (a test keeps the two in step).
Suite = Literal["aes-gcm-128", "aes-gcm-256", "aes-cbc-hmac-sha1-96", "aes-cbc-hmac-sha256-128"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSettings(Model):
    """How long to run and how: simulated seconds, the time quantum, the seed."""

    duration_s: Positive = 1.0
    warmup_s: Annotated[float, Field(ge=0)] = 0.0
    quantum_ms: Annotated[float, Field(gt=0, le=1000)] = 10.0
    seed: Annotated[int, Field(ge=0)] = 0
    # The gateway profile (costs per function, with sources; docs/profiles.md): ws2012r2,
    # ws2016 or ws2019, or the path of a profile file (TOML, or JSON from `nvbench
    # calibrate --write-profile`). "published" is ws2012r2's former name.
    profile: str = "ws2012r2"
    series_interval_ms: Annotated[float, Field(gt=0)] | None = None
    # The wall-clock time simulated time 0 stands for in captures (pcapng timestamps);
    # by default 2026-01-01 00:00:00 UTC (a capture dated 1970 reads as broken).
    epoch: AwareDatetime = datetime(2026, 1, 1, tzinfo=UTC)


class Host(Model):
    """A Hyper-V host for tenant VMs."""

    name: Name
    pa: IPv4Address  # provider address on the back-end logical network [S6]
    cores: Annotated[int, Field(ge=1, le=512)] = 16
    clock_ghz: Annotated[float, Field(gt=0, le=10)] = 2.6
    nic_gbps: Positive = 10.0
    offload: bool = True  # NVGRE task offload on the NIC [S3]
    vswitch_cores: Annotated[int, Field(ge=1, le=64)] = 1
    provider_mtu: Annotated[int, Field(ge=1280, le=9216)] = 1500


class GatewayHost(Host):
    """A host dedicated to gateway VMs [S40]."""

    shared_nics: bool = True  # front end and back end on the same NICs


class Wan(Model):
    """The Internet path between the gateway's edge and a far end (a site, a client
    population, the Internet hosts), each direction alike: bandwidth, one-way delay, jitter
    (an extra delay of this mean, exponential, redrawn every 10 ms and smooth between,
    never letting a packet overtake the one before) and loss. Defaults (assumed, stated in
    docs/patterns.md and under ``compare``'s table): 1 Gbit/s, 1 ms one way, no jitter, no
    loss."""

    gbps: Positive = 1.0
    delay_ms: Annotated[float, Field(ge=0, le=10_000)] = 1.0
    jitter_ms: Annotated[float, Field(ge=0, le=10_000)] = 0.0  # mean extra delay, in order
    loss: Annotated[float, Field(ge=0, lt=1)] = 0.0


class Nat(Model):
    """The gateway VM's NAT44: behaviour and timers (s). Defaults: the RFC values (FACTS
    "NAT44 requirements checklist"); a timer below its RFC minimum is taken with a
    warning (Windows' own NAT may be set so)."""

    filtering: Literal["endpoint-independent", "address-dependent"] = "endpoint-independent"
    udp_timeout: Positive = 300.0
    tcp_established_timeout: Positive = 7440.0
    tcp_transitory_timeout: Positive = 240.0
    icmp_timeout: Positive = 60.0
    port_hold_down: Annotated[float, Field(ge=0)] = 120.0
    # Most mappings at once; default 131,072 (65,536 TCP + 65,536 UDP) per public address
    # of the gateway's NAT tenants, WS2008 R2 RRAS NAT's figure [S39] (the nearest source).
    mappings: Annotated[int, Field(ge=1, le=1 << 26)] | None = None
    # An unsolicited inbound SYN (no mapping, or filtered): dropped at once ("drop"; assumed,
    # Windows' choice is NOT FOUND), or "hold": held syn_hold_s (RFC 5382 REQ-4: at least
    # 6 s; less is taken with a warning), then answered ICMP port unreachable unless the
    # inside host's own SYN of that connection came meanwhile; at most syn_hold_max held at
    # once (assumed; more are dropped silently, REQ-4a).
    unsolicited_syn: Literal["drop", "hold"] = "drop"
    syn_hold_s: Positive = 6.0
    syn_hold_max: Annotated[int, Field(ge=1, le=1 << 24)] = 4096


class Gateway(Model):
    """A Windows Server Gateway VM, registered in SCVMM with a connection string [S16]."""

    name: Name
    host: Name
    connection: str
    front_end: IPv4Address  # its external address (private behind an upstream NAT)
    upstream_nat: IPv4Address | None = None  # the public address of that NAT (double NAT)
    # The front-end network it sits on, when not the scenario's (a forwarding gateway's own).
    front_end_network: IPv4Network | None = None
    vcpus: Annotated[int, Field(ge=1, le=64)] = 8  # 8 or 4 in the WS2012 R2 guidance [S18]
    clock_ghz: Annotated[float, Field(gt=0, le=10)] = 2.6
    queue_packets: Annotated[int, Field(ge=1)] = 4096
    uplink_gbps: Positive = 10.0
    # The capacity its operator gives it in the Network Controller, which WS2016 shares out
    # among its tunnels and WS2019 caps them at [S22] (a profile's limits); by default its
    # uplink's rate ("the TCP bandwidth available to the gateway VM" [S22]).
    capacity_gbps: Positive | None = None
    # The IP MTU of its external side (Ethernet's 1500 unless the path is known to carry
    # more): the tenants' tunnels carry inner packets that fit (esp.inner_mtu); an ESP
    # packet over it is dropped as TOO_BIG when its DF bit is set, and its sender told the
    # MTU (ICMP "fragmentation needed").
    external_mtu: Annotated[int, Field(ge=576, le=9000)] = 1500
    # The DF bit of its tunnels' ESP packets (both ends; RFC 4301 8.1): "copy" the inner
    # packet's, or "clear" it, so that ESP over the external MTU leaves in pieces that the
    # other end joins before decrypting (RFC 4459 3). "copy" by default: assumed, as
    # Windows' own choice is NOT FOUND.
    esp_df: Literal["copy", "clear"] = "copy"
    internet: Wan = Wan()  # to and from Internet hosts (the NAT and public-IP patterns)
    nat: Nat = Nat()
    cluster: Name | None = None
    role: Literal["active", "passive"] = "active"


class Cluster(Model):
    """An active/passive gateway guest cluster: heartbeat every 1 s, down after 5 missed [S42]."""

    name: Name
    heartbeat_s: Positive = 1.0
    missed_heartbeats: Annotated[int, Field(ge=1, le=100)] = 5


class LogicalNetworks(Model):
    front_end: IPv4Network = IPv4Network("131.107.0.0/16")  # where gateways face the world
    back_end: IPv4Network = IPv4Network("192.168.0.0/16")  # the provider (PA) network


class Subnet(Model):
    vsid: Vsid
    prefix: IPv4Network


class GatewaySubnet(Subnet):
    """The virtual subnet the gateway sits in, apart from the tenant's VM subnets [S11]."""

    address: IPv4Address


class VM(Model):
    name: Name
    host: Name
    subnet: Vsid
    address: IPv4Address
    public: IPv4Address | None = None  # its own public address (public-IP-per-VM pattern)


class Traffic(Model):
    """One traffic source of the tenant."""

    direction: Literal["outbound", "inbound"] = "outbound"
    rate_pps: Positive
    process: Literal["poisson", "cbr"] = "poisson"
    sizes: Literal["imix"] | Annotated[int, Field(ge=60, le=9018)] | dict[str, float] = "imix"
    protocols: dict[Literal["udp", "tcp", "icmp"], Annotated[float, Field(ge=0)]] = {"udp": 1.0}
    flows: Annotated[int, Field(ge=1, le=1 << 20)] = 64
    destination: IPv4Address = IPv4Address("8.8.8.8")
    # Connection attempts: TCP SYNs (a scan, a SYN flood) instead of segments of open
    # connections (ACK); inbound NAT traffic only. Frames of 74 bytes unless ``sizes`` says.
    syn: bool = False


class Site(Model):
    """A remote site of an S2S VM network: one IKEv2 connection (PSK) to its VPN peer, with
    the site's prefix as the connection's route [S12]."""

    name: Name | None = None  # "site<k>" by default
    peer: IPv4Address
    prefix: IPv4Network
    suite: Suite = "aes-gcm-128"
    wan: Wan = Wan()


class Clients(Model):
    """A remote-access client population with its address pool [S14]."""

    count: Annotated[int, Field(ge=1, le=100_000)]
    pool: IPv4Network
    suite: Suite = "aes-gcm-128"
    wan: Wan = Wan()


class StaticMapping(Model):
    """An inbound port published through the NAT."""

    vm: Name
    protocol: Literal["udp", "tcp"] = "tcp"
    port: Annotated[int, Field(ge=1, le=65535)]
    public_port: Annotated[int, Field(ge=1024, le=65535)]


class VMNetwork(Model):
    """A tenant's VM network: one routing domain [S6], reaching the outside by ``pattern``."""

    name: Name
    gateway: Name
    pattern: Pattern
    subnets: Annotated[list[Subnet], Field(min_length=1)]
    gateway_subnet: GatewaySubnet
    vms: list[VM] = []
    public_addresses: list[IPv4Address] = []  # the NAT pool
    nat_port_quota: Annotated[int, Field(ge=1)] | None = None  # its mappings at most (RFC 6888)
    # Its NAT's filtering (RFC 4787 REQ-8); None: the gateway's (nat.filtering).
    nat_filtering: Literal["endpoint-independent", "address-dependent"] | None = None
    static_mappings: list[StaticMapping] = []
    # The 802.1Q VLAN its forwarding gateway's external traffic is tagged with (MPLS): None
    # for an access port (untagged frames).
    vlan: Annotated[int, Field(ge=1, le=4094)] | None = None
    site: Site | None = None  # one remote site, or:
    sites: list[Site] = []  # several, each its own S2S connection
    clients: Clients | None = None
    traffic: list[Traffic] = []
    # Windows guests lower their MTU by the 42 bytes of NVGRE when the provider network has
    # no jumbo frames [S4]; Linux guests did not [S5] and send frames that get dropped.
    guest_mtu_reduction: bool = True

    @property
    def remote_sites(self) -> list[Site]:
        """``site`` and ``sites`` together, in that order."""
        return [*([self.site] if self.site else []), *self.sites]

    def site_name(self, k: int) -> str:
        return self.remote_sites[k].name or f"site{k}"


class Fault(Model):
    kind: Literal["gateway", "host", "link"]
    target: Name
    at_s: Annotated[float, Field(ge=0)]
    for_s: Positive | None = None  # None: for the rest of the run


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
    gateway_vms_per_host: Annotated[int, Field(ge=1, le=16)] = 2
    vcpus: Annotated[int, Field(ge=1, le=64)] = 8
    tenants_per_gateway: Annotated[int, Field(ge=1, le=100)] = 50
    clustered: bool = False
    shared_nics: bool = True  # front end and back end on the same NICs of the gateway hosts


class Scenario(Model):
    name: Name
    description: str = ""
    run: RunSettings = RunSettings()
    logical_networks: LogicalNetworks = LogicalNetworks()
    hosts: Annotated[list[Host], Field(min_length=1)]
    gateway_hosts: Annotated[list[GatewayHost], Field(min_length=1)]
    gateways: Annotated[list[Gateway], Field(min_length=1)]
    clusters: list[Cluster] = []
    vm_networks: Annotated[list[VMNetwork], Field(min_length=1)]
    faults: list[Fault] = []
    placements: list[Placement] = []
