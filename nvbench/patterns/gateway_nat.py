"""A gateway VM's NAT44 as the scenario sets it up: one table for its NAT VM networks
(their pools, quotas, filtering and published ports), with the gateway's ``nat`` settings,
and where it holds unsolicited inbound SYNs if it does (RFC 5382 REQ-4)."""

from __future__ import annotations

from ipaddress import IPv4Address

from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.nat_table import NatTable
from nvbench.model.simulation import Simulation
from nvbench.model.syn_hold import SynHold
from nvbench.patterns import table
from nvbench.scenario.schema import Gateway as GatewayConfig
from nvbench.scenario.schema import VMNetwork

NAT_MAPPINGS_PER_ADDRESS = 2 * 65536  # TCP + UDP per public address, WS2008 R2 RRAS [S39]
S = 1_000_000_000


def of_gateway(sim: Simulation, g: GatewayConfig, mine: list[VMNetwork],
               rd: dict[str, int]) -> tuple[NatTable | None, SynHold | None]:  # fmt: skip
    """Gateway ``g``'s NAT for its VM networks ``mine`` (None: none of them NATs), and its
    SYN hold (None: it drops unsolicited SYNs at once)."""
    nat = _table(sim, g, mine, rd)
    if nat is None or g.nat.unsolicited_syn != "hold":
        return nat, None
    return nat, SynHold(int(g.nat.syn_hold_s * S), g.nat.syn_hold_max)


def _ip(a: IPv4Address) -> int:
    return int(a)


def _table(sim: Simulation, g: GatewayConfig, mine: list[VMNetwork],
               rd: dict[str, int]) -> NatTable | None:  # fmt: skip
    nats = [n for n in mine if table.get(n.pattern).function == table.NAT]
    if not nats:
        return None
    addresses = len({a for n in nats for a in n.public_addresses})
    c = g.nat
    config = NatConfig(
        filtering=c.filtering,
        udp_timeout=c.udp_timeout,
        tcp_established_timeout=c.tcp_established_timeout,
        tcp_transitory_timeout=c.tcp_transitory_timeout,
        icmp_timeout=c.icmp_timeout,
        port_hold_down=c.port_hold_down,
        strict=False,
        hold_syn=c.unsolicited_syn == "hold",
    )  # below the RFC minimums: a warning (scenario rules)
    table_ = NatTable(c.mappings or NAT_MAPPINGS_PER_ADDRESS * addresses, config,
                      max_tenants=sim.max_tenants, seed=sim.seed_for(f"{g.name}.nat"))  # fmt: skip
    for n in nats:
        table_.add_tenant(rd[n.name], [_ip(a) for a in n.public_addresses], n.nat_port_quota,
                          n.nat_filtering)  # fmt: skip
        vms = {vm.name: vm for vm in n.vms}
        for m in n.static_mappings:
            proto = 6 if m.protocol == "tcp" else 17
            table_.add_static(rd[n.name], proto, (_ip(vms[m.vm].address), m.port),
                              (_ip(n.public_addresses[0]), m.public_port))  # fmt: skip
    return table_
