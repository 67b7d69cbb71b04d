"""What the gateway's external side costs beyond the gateway: the gateway host's vSwitch
port for the gateway's external vNIC (both ways) and the upstream NAT device (both ways),
each at its profile cost on one core."""

from __future__ import annotations

import pytest

from nvbench import runner
from nvbench.model import profiles
from nvbench.scenario.loader import load
from tests.helpers import SHIPPED


@pytest.fixture(scope="module")
def double_nat():
    return runner.run(load(SHIPPED / "double_nat.toml"), duration_s=0.1)


@pytest.mark.slow  # a scenario run
@pytest.mark.parametrize("way", ["out", "in"])
def test_the_gateway_hosts_vswitch_port_serves_the_external_side(double_nat, way):
    """Every frame to and from the Internet crosses the port; an unqueued one waits its
    service: 2500 cycles (kernel forwarding, apnic) at the host's 2.6 GHz."""
    port = double_nat.result.element(f"gwhost01.vswitch.mtgw01.{way}")
    gw_side = double_nat.result.element(f"mtgw01.{'uplink' if way == 'out' else 'downlink'}")
    assert port["kind"] == "vswitch" and port["offered"] > 1000
    assert port["offered"] == (gw_side["offered"] if way == "out" else gw_side["delivered"])
    cycles = profiles.default().costs["vswitch"].cycles_per_packet
    assert cycles == 2500
    assert port["delay_p50_ns"] == pytest.approx(cycles / 2.6, abs=2)
    assert 0 < port["utilization"] < 0.2


@pytest.mark.slow  # a scenario run
@pytest.mark.parametrize("way", ["out", "in"])
def test_the_upstream_nat_device_has_its_own_cost(double_nat, way):
    """The NAPT device in front of a private front end serves each packet in its profile
    cost (assumed: VPP's NAT, 2253 clocks [VPP-832]) at 2.6 GHz."""
    device = double_nat.result.element(f"mtgw01.upstream-nat.{way}")
    c = profiles.default().costs["nat_upstream"]
    assert c.source.startswith("assumed: ") and c.cycles_per_packet == 2253
    assert device["offered"] > 1000 and device["dropped"] == 0
    assert device["delay_p50_ns"] == pytest.approx(2253 / 2.6, abs=2)
