"""Write tests/scenario/bad/*.toml: the default scenario, each broken in one way (or more).

Each file starts with ``# expect: <text>`` lines: every one must appear among the
problems the loader reports. Run ``python -m tests.scenario.make_bad`` after changing the
default scenario; the files are committed, so the tests read them as a user's files.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "scenarios" / "default.toml").read_text()
OUT = Path(__file__).resolve().parent / "bad"

MT = "DirectRoutingMode=false'"
FWD1 = "FrontEndServerAddress=131.107.0.20'"
S2S_VM1 = '{ name = "s2s-vm1", host = "hv01", subnet = 5001, address = "10.0.1.4" }'
S2S_VM2 = '{ name = "s2s-vm2", host = "hv02", subnet = 5001, address = "10.0.1.5" }'
S2S_SUBNETS = 'subnets = [{ vsid = 5001, prefix = "10.0.1.0/24" }]'
S2S_GW_SUBNET = 'gateway_subnet = { vsid = 6001, prefix = "10.254.0.0/29", address = "10.254.0.2" }'
SITE = 'site = { peer = "198.51.100.10", prefix = "10.100.0.0/16" }'

# name: (old text, new text, expected fragments)
CASES: dict[str, tuple[str, str, list[str]]] = {
    "unknown_key": (
        "seed = 1",
        'seed = 1\ncolour = "blue"',
        ["run.colour: unknown key 'colour'; allowed here:", "duration_s"],
    ),
    "unknown_nested_key": (
        S2S_VM1,
        S2S_VM1.replace(" }", ', colour = "red" }'),
        ["vm_networks[0].vms[0].colour: unknown key"],
    ),
    "wrong_type": ("duration_s = 1.0", 'duration_s = "long"', ["run.duration_s: 'long'"]),
    "reserved_vsid": (
        S2S_SUBNETS,
        S2S_SUBNETS.replace("5001", "4095"),
        ["vm_networks[0].subnets[0].vsid: 4095", "greater than or equal to 4096"],
    ),
    "vsid_all_ones": (
        S2S_SUBNETS,
        S2S_SUBNETS.replace("5001", "16777215"),
        ["vm_networks[0].subnets[0].vsid: 16777215", "16777214"],
    ),
    "duplicate_vsid": (
        "{ vsid = 5002,",
        "{ vsid = 5001,",
        ["vm_networks[1].subnets[0].vsid: 5001 is already the VSID of"],
    ),
    "overlapping_subnets": (
        S2S_SUBNETS,
        'subnets = [{ vsid = 5001, prefix = "10.0.1.0/24" },'
        ' { vsid = 5011, prefix = "10.0.1.128/25" }]',
        ["vm_networks[0].subnets[0].prefix: 10.0.1.0/24 overlaps 10.0.1.128/25"],
    ),
    "gateway_on_tenant_host": (
        'host = "gwhost01"',
        'host = "hv01"',
        ["gateways[0].host: 'hv01' runs tenant VMs"],
    ),
    "vm_on_gateway_host": (
        S2S_VM1,
        S2S_VM1.replace("hv01", "gwhost01"),
        ["vm_networks[0].vms[0].host: 'gwhost01' runs gateway VMs"],
    ),
    "gateway_inside_vm_subnet": (
        S2S_GW_SUBNET,
        'gateway_subnet = { vsid = 6001, prefix = "10.0.1.0/29", address = "10.0.1.2" }',
        [
            "vm_networks[0].gateway_subnet.address: 10.0.1.2 lies in the VM subnet",
            "overlaps 10.0.1.0/29 (the gateway's subnet)",
        ],
    ),
    "direct_routing_without_front_end": (
        ";" + FWD1,
        "'",
        ["gateways[1].connection: DirectRoutingMode=true needs FrontEndServerAddress"],
    ),
    "max_vm_networks_over_100": (
        MT,
        MT[:-1] + ";MaxVMNetworksSupported=150'",
        ["gateways[0].connection: MaxVMNetworksSupported must be 1..100, got '150'"],
    ),
    "s2s_on_forwarding_gateway": (
        'gateway = "mtgw01"\npattern = "s2s"',
        'gateway = "fwdgw01"\npattern = "s2s"',
        [
            "gateways[1]: 1 S2S connections exceed the gateway's 0",
            "gateways[1]: a forwarding gateway (DirectRoutingMode=true) serves exactly one VM network, not 2",
            "vm_networks[0].pattern: s2s needs a multi-tenant gateway",
        ],
    ),
    "malformed_connection": (
        MT,
        "DirectRoutingMode'",
        ["gateways[0].connection: 'DirectRoutingMode' is not Key=Value"],
    ),
    "unclosed_quote_connection": (
        '"ESU Switch";DirectRoutingMode=false',
        '"ESU Switch;DirectRoutingMode=false',
        ["gateways[0].connection: an opening double quote is never closed"],
    ),
    "unknown_connection_key": (
        MT,
        MT[:-1] + ";Colour=blue'",
        ["gateways[0].connection: unknown key 'Colour'"],
    ),
    "nat_pool_without_addresses": (
        'public_addresses = ["203.0.113.1"]',
        "public_addresses = []",
        ["vm_networks[2].public_addresses: a NAT VM network needs at least one public address"],
    ),
    "negative_bandwidth": (
        'pa = "192.168.0.11"',
        'pa = "192.168.0.11"\nnic_gbps = -10',
        ["hosts[0].nic_gbps: -10 is not allowed: should be greater than 0"],
    ),
    "toml_syntax_error": ("[run]", "[run", ["not valid TOML"]),
    "missing_pattern": (
        'gateway = "mtgw01"\npattern = "s2s"\n',
        'gateway = "mtgw01"\n',
        ["vm_networks[0].pattern: this key is required"],
    ),
    "unknown_pattern": (
        'pattern = "s2s"',
        'pattern = "vpn"',
        ["vm_networks[0].pattern: 'vpn' is not allowed"],
    ),
    "vm_outside_subnet": (
        S2S_VM1,
        S2S_VM1.replace("10.0.1.4", "10.0.2.4"),
        ["vm_networks[0].vms[0].address: 10.0.2.4 is outside 10.0.1.0/24"],
    ),
    "vm_on_distributed_router": (
        S2S_VM1,
        S2S_VM1.replace("10.0.1.4", "10.0.1.1"),
        ["vm_networks[0].vms[0].address: 10.0.1.1 is the subnet's .1"],
    ),
    "duplicate_vm_address": (
        S2S_VM2,
        S2S_VM2.replace("10.0.1.5", "10.0.1.4"),
        ["vm_networks[0].vms[1].address: 10.0.1.4 is used by two VMs"],
    ),
    "unknown_gateway": (
        'gateway = "mtgw01"\npattern = "s2s"',
        'gateway = "nogw"\npattern = "s2s"',
        ["vm_networks[0].gateway: 'nogw' is not a gateway"],
    ),
    "s2s_without_site": (
        SITE + "\n",
        "",
        ["vm_networks[0].site: an s2s VM network needs its remote site"],
    ),
    "s2s_destination_outside_sites": (
        'traffic = [{ rate_pps = 20000, destination = "10.100.0.5" }]',
        'traffic = [{ rate_pps = 20000, destination = "8.8.8.8" }]',
        ["vm_networks[0].traffic[0].destination: 8.8.8.8 lies in no site's prefix (10.100.0.0/16)"],
    ),
    "ra_answer_to_no_client": (
        'traffic = [{ direction = "inbound", rate_pps = 20000 }]',
        'traffic = [{ direction = "inbound", rate_pps = 20000 }, '
        '{ rate_pps = 100, destination = "10.200.0.51" }]',
        [
            "vm_networks[4].traffic[1].destination: 10.200.0.51 is no client's address; the "
            "clients hold 10.200.0.1..10.200.0.50"
        ],
    ),
    "two_sites_one_peer": (
        SITE,
        SITE + '\nsites = [{ peer = "198.51.100.10", prefix = "10.101.0.0/16" }]',
        ["vm_networks[0].sites: two sites have the VPN peer 198.51.100.10"],
    ),
    "private_pool_without_upstream_nat": (
        'public_addresses = ["203.0.113.1"]',
        'public_addresses = ["10.20.1.1"]',
        [
            "vm_networks[2].public_addresses[0]: 10.20.1.1 is private; a private pool needs an "
            "upstream NAT in front of 'mtgw01'"
        ],
    ),
    "ra_without_clients": (
        'clients = { count = 50, pool = "10.200.0.0/24" }\n',
        "",
        ["vm_networks[4].clients: a remote_access VM network needs its clients"],
    ),
    "public_address_twice": (
        'public = "203.0.113.22"',
        'public = "203.0.113.1"',
        [
            "vm_networks[3].vms[1].public: 203.0.113.1 is assigned twice",
            "vm_networks[2].public_addresses[0]: 203.0.113.1 is assigned twice",
        ],
    ),
    "duplicate_provider_address": (
        'pa = "192.168.0.12"',
        'pa = "192.168.0.11"',
        ["hosts[1].pa: 192.168.0.11 is the provider address of another host"],
    ),
    "pa_outside_back_end": (
        'pa = "192.168.0.13"',
        'pa = "10.9.9.9"',
        ["hosts[2].pa: 10.9.9.9 is outside the back-end network 192.168.0.0/16"],
    ),
    "fault_unknown_target": (
        '[[hosts]]\nname = "hv01"',
        '[[faults]]\nkind = "gateway"\ntarget = "gw9"\nat_s = 0.5\n\n[[hosts]]\nname = "hv01"',
        ["faults[0].target: 'gw9' is not a gateway"],
    ),
    "unknown_cipher_suite": (
        SITE,
        SITE.replace(" }", ', suite = "des-cbc" }'),
        ["vm_networks[0].site.suite: 'des-cbc' is not allowed"],
    ),
    "mpls_on_multitenant_gateway": (
        'gateway = "fwdgw01"\npattern = "mpls"',
        'gateway = "mtgw01"\npattern = "mpls"',
        ["vm_networks[1].pattern: mpls needs a forwarding gateway"],
    ),
    "frame_too_small": (
        'traffic = [{ rate_pps = 20000 }]\n\n[[vm_networks]]\nname = "tailspin-public"',
        'traffic = [{ rate_pps = 20000, sizes = 20 }]\n\n[[vm_networks]]\nname = "tailspin-public"',
        ["vm_networks[2].traffic[0].sizes: 20 is not allowed"],
    ),
    "syn_outbound": (
        'traffic = [{ rate_pps = 20000 }]\n\n[[vm_networks]]\nname = "tailspin-public"',
        'traffic = [{ rate_pps = 20000, syn = true }]\n\n[[vm_networks]]\nname = "tailspin-public"',
        ["vm_networks[2].traffic[0].syn: connection attempts (SYN) are sent only by inbound"],
    ),
    "syn_not_nat": (
        'traffic = [{ rate_pps = 20000, destination = "10.100.0.5" }]',
        'traffic = [{ direction = "inbound", rate_pps = 20000, destination = "10.100.0.5",'
        " syn = true }]",
        ["vm_networks[0].traffic[0].syn: connection attempts (SYN) are sent only by inbound"],
    ),
    "syn_over_udp": (
        'traffic = [{ rate_pps = 20000 }]\n\n[[vm_networks]]\nname = "tailspin-public"',
        'traffic = [{ direction = "inbound", rate_pps = 20000, syn = true, protocols = { udp = 1 }'
        ' }]\n\n[[vm_networks]]\nname = "tailspin-public"',
        ["vm_networks[2].traffic[0].protocols: connection attempts (syn) are TCP; udp cannot be"],
    ),
    "no_hosts": (
        '[[hosts]]\nname = "hv01"\npa = "192.168.0.11"\n[[hosts]]\nname = "hv02"\n'
        'pa = "192.168.0.12"\n[[hosts]]\nname = "hv03"\npa = "192.168.0.13"\n[[hosts]]\n'
        'name = "hv04"\npa = "192.168.0.14"\n',
        "hosts = []\n",
        # A key written below [run] belongs to [run]: the classic TOML slip.
        ["run.hosts: unknown key 'hosts'", "hosts: this key is required"],
    ),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.toml"):
        old.unlink()
    for name, (old, new, expect) in CASES.items():
        if old not in DEFAULT:
            raise SystemExit(f"{name}: {old!r} is not in the default scenario")
        head = "".join(f"# expect: {e}\n" for e in expect)
        (OUT / f"{name}.toml").write_text(head + DEFAULT.replace(old, new, 1))
    print(f"wrote {len(CASES)} files to {OUT}")


if __name__ == "__main__":
    main()
