"""The scenarios ``nvbench validate`` measures: one gateway, one tenant (or one per site),
CBR traffic of full-size frames at ``pps`` packets a second, ``warm`` seconds of warm-up."""

from __future__ import annotations

from collections.abc import Callable

from nvbench.patterns import table

FRAME = 1514  # iperf-like bulk traffic: full-size frames (tunnels cap them to their MTU)


FABRIC = (
    """name = "validate"
[run]
duration_s = 1.0
warmup_s = {warm}
quantum_ms = 10
seed = 1
profile = "{profile}"
"""
    + "".join(f'[[hosts]]\nname = "hv0{k}"\npa = "192.168.0.1{k}"\n' for k in range(1, 5))
    + '[[gateway_hosts]]\nname = "gwhost01"\npa = "192.168.0.2"\n'
)
MT = ('VMHost=Edge.contoso.com;GatewayVM=GW.contoso.com;BackEndSwitch="ESU Switch";'
      "DirectRoutingMode=false")  # fmt: skip
FWD = ('VMHost=Edge.contoso.com;GatewayVM=FWD.contoso.com;BackEndSwitch="ESU Switch";'
       "DirectRoutingMode=true;FrontEndServerAddress=131.107.0.20")  # fmt: skip
VMS = ", ".join(f'{{ name = "vm{k}", host = "hv0{k}", subnet = 5001, address = "10.0.1.{k + 3}" }}'
                for k in range(1, 5))  # fmt: skip
NETWORK = """[[vm_networks]]
name = "t"
gateway = "gw"
pattern = "{pattern}"
subnets = [{{ vsid = 5001, prefix = "10.0.1.0/24" }}]
gateway_subnet = {{ vsid = 6001, prefix = "10.254.0.0/29", address = "10.254.0.2" }}
vms = [{vms}]
"""


def _gateway(connection: str, front: str) -> str:
    """The gateway; its Internet WAN at 100 Gbit/s, never what limits a measure."""
    return (f'[[gateways]]\nname = "gw"\nhost = "gwhost01"\nfront_end = "{front}"\n'
            f"connection = '{connection}'\ninternet = {{ gbps = 100.0 }}\n")  # fmt: skip


def _ipsec(profile: str, suite: str, pps: float, warm: float, sites: int) -> str:
    """One S2S VM network with ``sites`` sites (a connection each), 10 Gbit/s WANs."""
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(MT, "131.107.0.10")
    out += NETWORK.format(pattern=table.named(tunnel_ends=table.SITES)[0], vms=VMS)
    out += "sites = [\n" + "".join(
        f'  {{ name = "s{k}", peer = "198.51.100.{10 + k}", prefix = "10.{100 + k}.0.0/16", '
        f'suite = "{suite}", wan = {{ gbps = 10.0 }} }},\n' for k in range(sites)
    ) + "]\ntraffic = [\n" + "".join(
        f'  {{ rate_pps = {pps / sites:.3f}, process = "cbr", sizes = {FRAME}, flows = 64, '
        f'destination = "10.{100 + k}.0.5" }},\n' for k in range(sites)
    ) + "]\n"  # fmt: skip
    return out


def _ipsec_tenants(profile: str, suite: str, pps: float, warm: float, tenants: int) -> str:
    """``tenants`` S2S VM networks on the gateway, one site (a connection) each, all with
    the same private addresses (HNV lets them), sending to their sites."""
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(MT, "131.107.0.10")
    pattern = table.named(tunnel_ends=table.SITES)[0]
    for k in range(tenants):
        out += (f'[[vm_networks]]\nname = "t{k}"\ngateway = "gw"\npattern = "{pattern}"\n'
                f'subnets = [{{ vsid = {5001 + k}, prefix = "10.0.1.0/24" }}]\n'
                f'gateway_subnet = {{ vsid = {6001 + k}, prefix = "10.254.0.0/29", '
                'address = "10.254.0.2" }\n'
                f'vms = [{{ name = "t{k}-vm", host = "hv0{1 + k % 4}", subnet = {5001 + k}, '
                'address = "10.0.1.4" }]\n'
                f'sites = [{{ name = "t{k}-site", peer = "198.51.100.{10 + k}", '
                f'prefix = "10.100.0.0/16", suite = "{suite}", wan = {{ gbps = 10.0 }} }}]\n'
                f'traffic = [{{ rate_pps = {pps / tenants:.3f}, process = "cbr", '
                f'sizes = {FRAME}, flows = 4, destination = "10.100.0.5" }}]\n')  # fmt: skip
    return out


def _l3(profile: str, suite: str, pps: float, warm: float) -> str:
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(FWD, "131.107.0.20")
    out += NETWORK.format(pattern=table.named(public_ipv4=table.NONE)[0], vms=VMS)
    return out + (f'traffic = [{{ rate_pps = {pps:.3f}, process = "cbr", sizes = {FRAME}, '
                  'flows = 256, destination = "10.50.0.5" }]\n')  # fmt: skip


def _nat(profile: str, suite: str, pps: float, warm: float) -> str:
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(MT, "131.107.0.10")
    out += NETWORK.format(pattern=table.named(function=table.NAT)[0], vms=VMS)
    out += 'public_addresses = ["203.0.113.1"]\n'
    return out + (f'traffic = [{{ rate_pps = {pps:.3f}, process = "cbr", sizes = {FRAME}, '
                  'flows = 256 }]\n')  # fmt: skip


def _remote_access(profile: str, suite: str, pps: float, warm: float, clients: int) -> str:
    """``clients`` remote-access clients (an SA each) sending to the VMs, over a 100 Gbit/s
    WAN."""
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(MT, "131.107.0.10")
    out += NETWORK.format(pattern=table.named(tunnel_ends=table.CLIENTS)[0], vms=VMS)
    out += (f'clients = {{ count = {clients}, pool = "10.200.0.0/24", suite = "{suite}", '
            "wan = { gbps = 100.0 } }\n")  # fmt: skip
    return out + (f'traffic = [{{ direction = "inbound", rate_pps = {pps:.3f}, '
                  f'process = "cbr", sizes = {FRAME} }}]\n')  # fmt: skip


def _public_ip(profile: str, suite: str, pps: float, warm: float) -> str:
    """Four VMs with a public address each behind the 1:1 NAT, sending to the Internet."""
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(FWD, "131.107.0.20")
    vms = ", ".join(f'{{ name = "vm{k}", host = "hv0{k}", subnet = 5001, '
                    f'address = "10.0.1.{k + 3}", public = "203.0.113.{20 + k}" }}'
                    for k in range(1, 5))  # fmt: skip
    out += NETWORK.format(pattern=table.named(public_ipv4=table.PER_VM)[0], vms=vms)
    return out + (f'traffic = [{{ rate_pps = {pps:.3f}, process = "cbr", sizes = {FRAME}, '
                  'flows = 256 }]\n')  # fmt: skip


SCENARIOS: dict[str, Callable[..., str]] = {
    "ipsec_connection": lambda **k: _ipsec(sites=1, **k),
    "ipsec_gateway": lambda **k: _ipsec(sites=8, **k),  # the gateway's 8 vCPUs [S18]
    "ipsec_tenants": lambda **k: _ipsec_tenants(tenants=50, **k),  # 50 a gateway VM [S18]
    "l3_gateway": _l3,
    "nat_gateway": _nat,
    "remote_access_gateway": lambda **k: _remote_access(clients=64, **k),
    "public_per_vm": _public_ip,
}
