"""The five access patterns and their properties: the one place a pattern is registered.

Everything else that depends on the pattern (the scenario schema's allowed values, the
placement and limit rules, the gateway function, the public IPv4 bill, the estimate's
cost, the command line's choices) reads it from :data:`PATTERNS`; the build of a pattern's
far end and inbound traffic is the module of the same name in this package
(:func:`module`). The table is pure data and imports nothing from nvbench, so that the
scenario schema can use it without loading the model.

Adding a pattern: a row here and a module ``nvbench/patterns/<name>.py`` with the four
functions of :func:`module`'s contract; ``docs/patterns.md`` says more.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

# Gateway modes (SCVMM connection string DirectRoutingMode=false / true) [S16][S19].
MULTI_TENANT = "multi-tenant"
FORWARDING = "forwarding"
# The gateway's work for a tenant's packets (nvbench.model.functions.MODES).
ESP, NAT, FORWARD = "esp", "nat", "forward"
# Public IPv4 rules (DESIGN.md's table; nvbench.patterns.addresses).
SHARED_FRONT_END = "the gateway's front-end address, shared"
NONE = "none"
POOL = "the VM network's pool"
PER_VM = "one per exposed VM"
# What a VPN pattern's tunnels end at: each its own connection, with its own routes.
SITES = "sites"  # a site's prefix is its connection's route
CLIENTS = "clients"  # a client's address from the pool is its connection's route


@dataclass(frozen=True)
class Pattern:
    """One access pattern.

    Attributes
    ----------
    name : str
        Its key in scenario files and results.
    title : str
        What people call it.
    gateway : MULTI_TENANT or FORWARDING
        The gateway mode that serves it.
    function : ESP, NAT or FORWARD
        The gateway's work on the tenant's packets.
    far_end : str
        What sits beyond the gateway's external side.
    public_ipv4 : SHARED_FRONT_END, NONE, POOL or PER_VM
        Whose public IPv4 addresses it uses.
    needs : (key, message) or None
        The VM network field the pattern cannot do without, and the error if it is missing.
    s2s_connection : bool
        Each VM network is one S2S connection of its gateway (the 200 limit [S20]).
    one_core : bool
        Its tunnel is confined to a single vCPU ("IPsec traffic is confined to a single
        core" [S23]); a remote-access population's many SAs spread over the cores.
    tunnel_ends : SITES, CLIENTS or None
        Where its tunnels end, each a connection whose routes choose a packet's tunnel.
    """

    name: str
    title: str
    gateway: str
    function: str
    far_end: str
    public_ipv4: str
    needs: tuple[str, str] | None
    s2s_connection: bool = False
    one_core: bool = False
    tunnel_ends: str | None = None

    @property
    def multi_tenant(self) -> bool:
        return self.gateway == MULTI_TENANT


_ROWS = (
    Pattern(
        name="s2s", title="site-to-site IPsec VPN", gateway=MULTI_TENANT, function=ESP,
        far_end="the remote site's VPN peer", public_ipv4=SHARED_FRONT_END,
        needs=("site", "an s2s VM network needs its remote site (peer, prefix)"),
        s2s_connection=True, one_core=True, tunnel_ends=SITES,
    ),
    Pattern(
        name="mpls", title="MPLS or equivalent", gateway=FORWARDING, function=FORWARD,
        far_end="the PE router", public_ipv4=NONE, needs=None,
    ),
    Pattern(
        name="nat", title="NAT on the gateway", gateway=MULTI_TENANT, function=NAT,
        far_end="the Internet", public_ipv4=POOL,
        needs=("public_addresses", "a NAT VM network needs at least one public address"),
    ),
    Pattern(
        name="public_ip", title="public IP per VM", gateway=FORWARDING, function=FORWARD,
        far_end="the Internet, through an external 1:1 NAT device", public_ipv4=PER_VM,
        needs=("vms", "a public_ip VM network needs at least one VM with a public address"),
    ),
    Pattern(
        name="remote_access", title="remote-access (point-to-site) VPN", gateway=MULTI_TENANT,
        function=ESP, far_end="the clients, across the Internet", public_ipv4=SHARED_FRONT_END,
        needs=("clients", "a remote_access VM network needs its clients (count, pool)"),
        tunnel_ends=CLIENTS,
    ),
)  # fmt: skip
PATTERNS: dict[str, Pattern] = {p.name: p for p in _ROWS}
NAMES = tuple(PATTERNS)


def get(name: str) -> Pattern:
    return PATTERNS[name]


def named(**props: object) -> tuple[str, ...]:
    """The names of the patterns whose properties equal ``props``, in table order."""
    return tuple(
        p.name for p in PATTERNS.values() if all(getattr(p, k) == v for k, v in props.items())
    )


def module(name: str) -> ModuleType:
    """The module that builds pattern ``name``: ``nvbench.patterns.<name>``, with

    - ``far_end(edge, n)``: the element the gateway's external side delivers the VM
      network's outbound packets to;
    - ``inbound(edge, n, k, t, sizes)``: the element that sends inbound traffic ``t`` (the
      ``k``-th inbound entry) toward the gateway;
    - ``standby(edge, n, k)``: what a passive cluster node sets up for that traffic ahead
      of a takeover (the SAs of a tunnel);
    - ``own_addresses(n)``: the public addresses that belong to the VM network alone.
    """
    return importlib.import_module(f"nvbench.patterns.{PATTERNS[name].name}")
