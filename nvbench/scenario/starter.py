"""`nvbench init`: a commented starter scenario, one VM network per access pattern asked for.

The text explains each key where it first appears, with its unit and default, so that a
first scenario can be written by editing this one (`nvbench schema` lists every key).
"""

from __future__ import annotations

from nvbench.patterns import table
from nvbench.patterns.table import NAMES

HEAD = """\
# A starter scenario written by `nvbench init`: {what}.
# Edit it, check it with `nvbench check FILE`, run it with `nvbench compare FILE`.
# Every key: `nvbench schema`; every shipped example: nvbench/scenarios/.
# Addresses: provider (PA) network 192.168.0.0/16, the gateways' front end 131.107.0.0/16,
# documentation ranges for everything public. Tenants may reuse the same private
# addresses: HNV keeps them apart by routing domain and VSID.
name = "starter"
description = "{what}"

[run]
duration_s = 1.0        # simulated seconds
warmup_s = 0.1          # seconds not measured at the start (queues fill up)
quantum_ms = 10         # the engine's time step: speed only, never the per-packet times
seed = 1                # the same seed, the same results
profile = "ws2012r2"    # gateway costs: ws2012r2, ws2016, ws2019 (docs/profiles.md)

# Hyper-V hosts for the tenants' VMs. cores, clock_ghz, nic_gbps (10 GbE by default),
# offload (NVGRE task offload, on by default) and vswitch_cores are optional.
[[hosts]]
name = "hv01"
pa = "192.168.0.11"     # its provider address
[[hosts]]
name = "hv02"
pa = "192.168.0.12"

# Hosts that run only gateway VMs (16 cores by default; shared_nics: front and back end
# on one NIC team).
[[gateway_hosts]]
name = "gwhost01"
pa = "192.168.0.2"
[[gateway_hosts]]
name = "gwhost02"
pa = "192.168.0.3"
"""

MULTI_TENANT_GATEWAY = """
# A multi-tenant gateway VM (S2S VPN, NAT, remote access) as VMM adds it: its SCVMM
# connection string; vcpus (8) and queue_packets are optional.
[[gateways]]
name = "mtgw01"
host = "gwhost01"
front_end = "131.107.0.10"   # its Internet-facing address (the tenants' VPN endpoint)
connection = 'VMHost=EdgeCluster01.contoso.com;GatewayVM=GW01.contoso.com;DirectRoutingMode=false'
"""

FORWARDING_GATEWAY = """
# A forwarding gateway VM: one per VM network (DirectRoutingMode=true).
[[gateways]]
name = "{name}"
host = "gwhost02"
front_end = "{address}"
connection = 'VMHost=EdgeCluster01.contoso.com;GatewayVM={vm}.contoso.com;DirectRoutingMode=true;FrontEndServerAddress={address}'
"""

COMMON = """
[[vm_networks]]
name = "{name}"
gateway = "{gateway}"
pattern = "{pattern}"
subnets = [{{ vsid = {vsid}, prefix = "10.0.1.0/24" }}]   # VSIDs: 4096..16777214, unique
gateway_subnet = {{ vsid = {gsid}, prefix = "10.254.0.0/29", address = "10.254.0.2" }}
"""


def starter(patterns: list[str] | None = None) -> str:
    """The starter scenario's text: one VM network of each pattern (all five if None)."""
    chosen = [p for p in NAMES if patterns is None or p in patterns]
    what = ("one tenant per access pattern" if len(chosen) == len(NAMES)
            else f"one tenant of pattern {', '.join(chosen)}")  # fmt: skip
    parts = [HEAD.format(what=what)]
    if any(table.get(p).multi_tenant for p in chosen):
        parts.append(MULTI_TENANT_GATEWAY)
    gateway = {}
    for k, p in enumerate(x for x in chosen if not table.get(x).multi_tenant):
        gateway[p] = f"fwdgw0{k + 1}"
        parts.append(FORWARDING_GATEWAY.format(name=gateway[p], vm=f"FWD0{k + 1}",
                                               address=f"131.107.0.{20 + k}"))  # fmt: skip
    for k, p in enumerate(chosen):
        vsid = 5001 + k
        parts.append(COMMON.format(name=f"tenant-{p.replace('_', '-')}", pattern=p, vsid=vsid,
                                   gateway=gateway.get(p, "mtgw01"), gsid=6001 + k))  # fmt: skip
        # Each pattern's module says what its VM network adds: far end and traffic (packets
        # per second, IMIX sizes unless `sizes` says, outbound unless `direction` says).
        parts.append(table.module(p).STARTER.format(vsid=vsid))
    return "".join(parts)
