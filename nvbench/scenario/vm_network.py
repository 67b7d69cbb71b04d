"""A tenant's VM network in a scenario file: its virtual subnets, VMs, traffic, and the far
ends its pattern reaches (VPN sites, remote-access clients, published ports); and the
types every part of the scenario format shares. :mod:`nvbench.scenario.schema` has the
rest of the format (the fabric, gateways, runs) and re-exports these.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from nvbench.fastpath.lookup import VSID_MAX, VSID_MIN
from nvbench.patterns.table import NAMES

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Vsid = Annotated[int, Field(ge=VSID_MIN, le=VSID_MAX)]  # RFC 7637 reserves the rest [S1][S6]
Positive = Annotated[float, Field(gt=0)]
Pattern = Literal[NAMES]  # type: ignore[valid-type]  # the table's names, in its order
# The ESP cipher suites of nvbench.fastpath.sa.SUITES (a test keeps the two in step).
Suite = Literal["aes-gcm-128", "aes-gcm-256", "aes-cbc-hmac-sha1-96", "aes-cbc-hmac-sha256-128"]


class Model(BaseModel):
    """Unknown keys refused, values frozen; each field's docstring is its description in
    the JSON Schema (`nvbench schema`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Wan(Model):
    """The Internet path between the gateway's edge and a far end (a site, a client
    population, the Internet hosts), each direction alike: bandwidth, one-way delay, jitter
    (an extra delay of this mean, exponential, redrawn every 10 ms and smooth between,
    never letting a packet overtake the one before) and loss. Defaults (assumed, stated in
    docs/patterns.md and under ``compare``'s table): 1 Gbit/s, 1 ms one way, no jitter, no
    loss."""

    gbps: Positive = 1.0
    """Bandwidth each way, Gbit/s."""
    delay_ms: Annotated[float, Field(ge=0, le=10_000)] = 1.0
    """One-way delay in milliseconds."""
    jitter_ms: Annotated[float, Field(ge=0, le=10_000)] = 0.0
    """Jitter: the mean extra delay in milliseconds (packets stay in order)."""
    loss: Annotated[float, Field(ge=0, lt=1)] = 0.0
    """The fraction of packets lost each way (0 to below 1), independently."""


class Subnet(Model):
    vsid: Vsid
    """The virtual subnet's ID (VSID, 24 bits; 4096 to 16777214 [S1][S6]), unique in the
    scenario.
    """
    prefix: IPv4Network
    """The virtual subnet's customer-address (CA) prefix; tenants may reuse each other's."""


class GatewaySubnet(Subnet):
    """The virtual subnet the gateway sits in, apart from the tenant's VM subnets [S11]."""

    address: IPv4Address
    """The gateway's address in this subnet (the tenant's route out)."""


class VM(Model):
    name: Name
    """The VM's name, unique in the scenario."""
    host: Name
    """The Hyper-V host it runs on (one of hosts)."""
    subnet: Vsid
    """The VSID of its virtual subnet (one of its VM network's subnets)."""
    address: IPv4Address
    """Its customer address (CA) in that subnet."""
    public: IPv4Address | None = None
    """Its own public address (public-IP-per-VM pattern)"""


class Traffic(Model):
    """One traffic source of the tenant."""

    direction: Literal["outbound", "inbound"] = "outbound"
    """Outbound: from the tenant's VMs to the far end; inbound: from the far end to the VMs."""
    rate_pps: Positive
    """Packets per second offered."""
    process: Literal["poisson", "cbr"] = "poisson"
    """Arrival process: poisson (exponential gaps) or cbr (constant gaps)."""
    sizes: Literal["imix"] | Annotated[int, Field(ge=60, le=9018)] | dict[str, float] = "imix"
    """Frame sizes in bytes: imix (7:4:1 of 64, 576, 1500), one size, or a table of size:
    weight.
    """
    protocols: dict[Literal["udp", "tcp", "icmp"], Annotated[float, Field(ge=0)]] = {"udp": 1.0}
    """Weights of UDP, TCP and ICMP packets."""
    flows: Annotated[int, Field(ge=1, le=1 << 20)] = 64
    """Concurrent flows (5-tuples) the packets are spread over."""
    destination: IPv4Address = IPv4Address("8.8.8.8")
    """The far end's address (a host at the site, an Internet host)."""
    syn: bool = False
    """Connection attempts: TCP SYNs (a scan, a SYN flood) instead of segments of open
    connections (ACK); inbound NAT traffic only. Frames of 74 bytes unless ``sizes`` says.
    """


class Site(Model):
    """A remote site of an S2S VM network: one IKEv2 connection (PSK) to its VPN peer, with
    the site's prefix as the connection's route [S12]."""

    name: Name | None = None
    """The site's name (site<k>, its place in the list, by default)."""
    peer: IPv4Address
    """The site's VPN peer address (its public IPv4 address)."""
    prefix: IPv4Network
    """The site's address prefix: the S2S connection's route."""
    suite: Suite = "aes-gcm-128"
    """The ESP cipher suite its connection negotiates."""
    wan: Wan = Wan()
    """The Internet path between the gateway and the site."""


class Clients(Model):
    """A remote-access client population with its address pool [S14]."""

    count: Annotated[int, Field(ge=1, le=100_000)]
    """Remote-access clients connected."""
    pool: IPv4Network
    """The address pool the clients get their addresses from."""
    suite: Suite = "aes-gcm-128"
    """The ESP cipher suite of their connections."""
    wan: Wan = Wan()
    """The Internet path between the gateway and the clients."""


class StaticMapping(Model):
    """An inbound port published through the NAT."""

    vm: Name
    """The VM (by name) the published port leads to."""
    protocol: Literal["udp", "tcp"] = "tcp"
    """Udp or tcp."""
    port: Annotated[int, Field(ge=1, le=65535)]
    """The VM's port."""
    public_port: Annotated[int, Field(ge=1024, le=65535)]
    """The port on the NAT's first public address (1024 to 65535)."""


class VMNetwork(Model):
    """A tenant's VM network: one routing domain [S6], reaching the outside by ``pattern``."""

    name: Name
    """The VM network's name, unique in the scenario."""
    gateway: Name
    """The gateway VM it uses (one of gateways)."""
    pattern: Pattern
    """How it reaches the outside: s2s, mpls, nat, public_ip or remote_access
    (docs/patterns.md).
    """
    subnets: Annotated[list[Subnet], Field(min_length=1)]
    """Its virtual subnets (VSID and prefix each)."""
    gateway_subnet: GatewaySubnet
    """The virtual subnet its gateway sits in [S11]."""
    vms: list[VM] = []
    """Its VMs."""
    public_addresses: list[IPv4Address] = []
    """The public addresses of its NAT pool (nat pattern)."""
    nat_port_quota: Annotated[int, Field(ge=1)] | None = None
    """The most NAT mappings it may hold at once (RFC 6888 quota); none: no quota."""
    nat_filtering: Literal["endpoint-independent", "address-dependent"] | None = None
    """Its NAT's filtering (RFC 4787 REQ-8); None: the gateway's (nat.filtering)."""
    static_mappings: list[StaticMapping] = []
    """Ports published to the Internet through its NAT (nat pattern)."""
    vlan: Annotated[int, Field(ge=1, le=4094)] | None = None
    """The 802.1Q VLAN its forwarding gateway's external traffic is tagged with (MPLS): None
    for an access port (untagged frames).
    """
    site: Site | None = None
    """Its one remote VPN site (s2s pattern); or several in sites."""
    sites: list[Site] = []
    """Its remote VPN sites, each its own S2S connection (s2s pattern)."""
    clients: Clients | None = None
    """Its remote-access clients (remote_access pattern)."""
    traffic: list[Traffic] = []
    """Its traffic sources."""
    guest_mtu_reduction: bool = True
    """Windows guests lower their MTU by the 42 bytes of NVGRE when the provider network has
    no jumbo frames [S4]; Linux guests did not [S5] and send frames that get dropped.
    """

    @property
    def remote_sites(self) -> list[Site]:
        """``site`` and ``sites`` together, in that order."""
        return [*([self.site] if self.site else []), *self.sites]

    def site_name(self, k: int) -> str:
        return self.remote_sites[k].name or f"site{k}"
