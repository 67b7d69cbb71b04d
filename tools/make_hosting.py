"""Write nvbench/scenarios/hosting.toml: a hosting provider's cloud at scale.

200 tenants (VM networks) of 2 VMs each on 20 Hyper-V hosts; 4 multi-tenant gateway VMs
of 8 vCPUs, 2 per gateway host, 50 tenants each, as the WS2012 R2 sizing guidance has it
[S18]; every third tenant uses an S2S VPN, the others NAT with an address of their own.
Run ``python -m tools.make_hosting`` to rewrite it; a golden test holds the shipped file
equal to what this writes.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "nvbench" / "scenarios" / "hosting.toml"
TENANTS, HOSTS, GATEWAYS, PER_HOST_GW = 200, 20, 4, 2
PLACEMENTS = """
# Gateway placements `nvbench compare` runs side by side, the same 200 tenants on each.
[[placements]]
name = "2x8-50"
gateway_vms_per_host = 2
vcpus = 8
tenants_per_gateway = 50

[[placements]]
name = "4x4-50"
gateway_vms_per_host = 4
vcpus = 4
tenants_per_gateway = 50

[[placements]]
name = "2x8-100"
gateway_vms_per_host = 2
vcpus = 8
tenants_per_gateway = 100

[[placements]]
name = "2x8-50-ha"
gateway_vms_per_host = 2
vcpus = 8
tenants_per_gateway = 50
clustered = true"""


def text() -> str:
    """The scenario file's text."""
    lines = [
        "# A hosting provider at scale; written by tools/make_hosting.py.",
        'name = "hosting"',
        f'description = "{TENANTS} tenants on {HOSTS} hosts, {GATEWAYS} gateway VMs of 50 tenants each [S18]"',
        "",
        "[run]",
        "duration_s = 0.5",
        "warmup_s = 0.05",
        "quantum_ms = 10",
        "seed = 1",
        "",
    ]
    for h in range(HOSTS):
        lines += ["[[hosts]]", f'name = "hv{h:02d}"', f'pa = "192.168.1.{10 + h}"', ""]
    for h in range(GATEWAYS // PER_HOST_GW):
        lines += ["[[gateway_hosts]]", f'name = "gwhost{h:02d}"', f'pa = "192.168.0.{2 + h}"', ""]
    for g in range(GATEWAYS):
        conn = (
            f"VMHost=EdgeCluster0{g // PER_HOST_GW}.hoster.example;GatewayVM=GW{g:02d}."
            "hoster.example;DirectRoutingMode=false;MaxVMNetworksSupported=50"
        )
        lines += [
            "[[gateways]]",
            f'name = "gw{g:02d}"',
            f'host = "gwhost{g // PER_HOST_GW:02d}"',
            f'front_end = "131.107.0.{10 + g}"',
            f"connection = '{conn}'",
            "",
        ]
    for t in range(TENANTS):
        g = t // (TENANTS // GATEWAYS)
        s2s = t % 3 == 0
        lines += [
            "[[vm_networks]]",
            f'name = "tenant{t:03d}"',
            f'gateway = "gw{g:02d}"',
            f'pattern = "{"s2s" if s2s else "nat"}"',
            f'subnets = [{{ vsid = {10000 + t}, prefix = "10.0.1.0/24" }}]',
            f'gateway_subnet = {{ vsid = {20000 + t}, prefix = "10.254.0.0/29", address = "10.254.0.2" }}',
        ]
        if s2s:
            lines.append(
                f'site = {{ peer = "198.51.{100 + t // 250}.{t % 250 + 1}", prefix = "10.100.0.0/16" }}'
            )
        else:
            lines.append(f'public_addresses = ["203.0.{113 + t // 250}.{t % 250 + 1}"]')
        vms = ", ".join(
            f'{{ name = "t{t:03d}-vm{k}", host = "hv{(2 * t + k) % HOSTS:02d}", subnet = {10000 + t}, '
            f'address = "10.0.1.{4 + k}" }}'
            for k in range(2)
        )
        dest = "10.100.0.5" if s2s else "8.8.8.8"
        lines += [
            f"vms = [{vms}]",
            f'traffic = [{{ rate_pps = 2000, destination = "{dest}" }}]',
            "",
        ]
    lines += PLACEMENTS.splitlines()
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.write_text(text())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
