"""Sanity against published figures, with the default cost profile (FACTS.md sources)."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.tunnels import TunnelRoutes
from nvbench.model import profiles
from nvbench.model.devices import PeRouter, VpnPeer
from nvbench.model.gateway import GatewayVM
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes

PROFILE = profiles.default()
FRAME = 1400  # bytes; a bulk transfer's packets
OFFERED_BPS = 2e9


def _gateway(mode: str, tunnels: int):
    """A WS2016-sized gateway VM (8 vCPUs, 2.6 GHz [S18]) offered 2 Gbit/s of 1400-byte frames."""
    sim = Simulation(seed=1, quantum_ns=5_000_000)
    sas = SaTable(16)
    routes = TunnelRoutes(sim.max_tenants)
    for t in range(tunnels):
        sa = sas.add(0x1000 + t, "aes-gcm-128", 0x836B000A, 0xC6336400 + t, tenant=t)
        routes.add_prefix(t, IPv4Network("0.0.0.0/0"), sa)
    gw = GatewayVM(sim, "gw", mode, PROFILE, vcpus=8, clock_hz=2.6e9, queue_pkts=512,
                   sas=sas, routes=routes)  # fmt: skip
    pps = OFFERED_BPS / (FRAME * 8) / tunnels
    for t in range(tunnels):
        flows = Flows((0x0A000104,), (0x0A640005,), count=64)
        PacketSource(sim, f"t{t}", t, flows, Sizes.fixed(FRAME), pps).connect(gw.inside)
    end = VpnPeer(sim, "peer", sas) if mode == "esp" else PeRouter(sim, "pe")
    gw.outside.connect(end)
    r = sim.run(200_000_000)
    inner_bps = r.element("peer" if mode == "esp" else "pe")["delivered"] * FRAME * 8 / 0.2
    return r, inner_bps


@pytest.mark.slow
def test_one_ipsec_tunnel_saturates_near_the_published_figure():
    """[S21]: one WS2016 IPsec connection ~300 Mbit/s; [S23]: confined to one core."""
    r, bps = _gateway("esp", tunnels=1)
    assert bps == pytest.approx(300e6, rel=0.1)
    assert r.element("gw")["utilization_max"] > 0.95  # the one core is saturated
    assert r.element("gw")["utilization"] < 0.15  # ... while 7 of 8 idle


@pytest.mark.slow
def test_forwarding_reaches_gigabits():
    """[S21][S22]: GRE and L3 forwarding reach Gbit/s on the same gateway."""
    _, bps = _gateway("forward", tunnels=1)
    assert bps == pytest.approx(OFFERED_BPS, rel=0.05)
