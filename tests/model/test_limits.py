"""A profile's tunnel limits: a gateway's Layer-3 (or IPsec) packets, in and out together,
never exceed the limit's rate, whatever the NICs and the quantum [S22]."""

from __future__ import annotations

import pytest

from nvbench import runner
from nvbench.model import profiles
from nvbench.scenario.loader import loads
from tests.helpers import SHIPPED

MPLS = (SHIPPED / "mpls.toml").read_text()
TRAFFIC = """traffic = [
  { rate_pps = 20000, destination = "10.50.0.5" },
  { direction = "inbound", rate_pps = 5000, destination = "10.50.0.9" },  # from the MPLS VPN
]"""


def _scenario(tmp_path, out_pps: float, in_pps: float, quantum_ms: float = 10):
    prof = tmp_path / "limited.toml"
    prof.write_text(f'name = "limited"\ntitle = "t"\nbasis = "b"\ncalibration_clock_ghz = 2.6\n'
                    f'inherit = "{profiles.SHIPPED / "ws2016.toml"}"\n'
                    '[limits]\nl3_gbps = 0.5\nassumed = "a test"\n')  # fmt: skip
    assert TRAFFIC in MPLS
    cbr = 'process = "cbr", sizes = 1514, flows = 64'
    traffic = (f'traffic = [{{ rate_pps = {out_pps}, {cbr}, destination = "10.50.0.5" }}, '
               f'{{ direction = "inbound", rate_pps = {in_pps}, {cbr}, '
               'destination = "10.50.0.9" }]')  # fmt: skip
    text = MPLS.replace(TRAFFIC, traffic).replace("seed = 1", f'seed = 1\nprofile = "{prof}"')
    return loads(text.replace("quantum_ms = 10", f"quantum_ms = {quantum_ms}"))


def _gbps(sr) -> float:
    return sum(r["throughput_mbps"] for r in sr.rows) / 1e3


@pytest.mark.slow  # scenario runs: slow with the kernels as plain Python
def test_a_limit_holds_both_directions_together_to_its_rate(tmp_path):
    """0.5 Gbit/s of L3 for the gateway: 60 kpps of 1514-byte frames out (0.73 Gbit/s) are
    held to it; 25 kpps each way (0.61 Gbit/s together) too; 15 kpps each way pass."""
    one_way = runner.run(_scenario(tmp_path, 60_000, 1), duration_s=0.3)
    assert 0.47 <= _gbps(one_way) <= 0.5
    drops = {d["verdict"] for d in one_way.result.drops}
    assert drops == {"BUFFER_FULL"}
    gw = one_way.result.element("fwdgw01")
    assert gw["limit_l3_utilization"] > 0.95 and gw["utilization_max"] < 0.5  # not the vCPUs
    both = runner.run(_scenario(tmp_path, 25_000, 25_000), duration_s=0.3)
    assert 0.47 <= _gbps(both) <= 0.5
    under = runner.run(_scenario(tmp_path, 15_000, 15_000), duration_s=0.3)
    assert sum(r["dropped"] for r in under.rows) == 0


@pytest.mark.slow  # three scenario runs
def test_a_limit_gives_the_same_results_at_every_quantum(tmp_path):
    from tests.patterns.quanta import differences, figures

    base = figures(_scenario(tmp_path, 45_000, 10_000, 1.0), 1.0, 0.2)
    for q in (10.0, 50.0):
        s = _scenario(tmp_path, 45_000, 10_000, q)
        assert differences(base, figures(s, q, 0.2)) == [], f"quantum {q} ms"


def test_a_profile_without_limits_builds_no_limiter():
    s = loads(MPLS)
    sim, built, _ = runner.simulation(s, duration_s=0.01)
    assert built.gateways["fwdgw01"].limits is None


def _ws2016(capacity_gbps: float | None):
    """The MPLS scenario on the WS2016 profile, its gateway's capacity set (or not)."""
    text = MPLS.replace("seed = 1", 'seed = 1\nprofile = "ws2016"')
    if capacity_gbps is not None:
        text = text.replace(
            'name = "fwdgw01"', f'name = "fwdgw01"\ncapacity_gbps = {capacity_gbps}'
        )
    return loads(text)


def test_ws2016_shares_out_the_gateways_capacity():
    """IPsec 3/20 and L3 1/2 of the gateway's capacity [S22], by default its uplink's
    10 Gbit/s ("the TCP bandwidth available to the gateway VM")."""
    for capacity, want in ((None, 10e9), (1.0, 1e9)):
        sim, built, _ = runner.simulation(_ws2016(capacity), duration_s=0.01)
        rates = built.gateways["fwdgw01"].limits.rates
        assert rates == pytest.approx({"ipsec": 0.15 * want, "l3": 0.5 * want})


@pytest.mark.slow  # a scenario run
def test_ws2016_holds_a_1_gbps_gateways_l3_to_half_of_it():
    """A gateway given 1 Gbit/s of capacity forwards at most 0.5 Gbit/s on WS2016: 60 kpps
    of 1514-byte frames (0.73 Gbit/s) are held to it."""
    cbr = 'process = "cbr", sizes = 1514, flows = 64'
    text = (
        MPLS.replace("seed = 1", 'seed = 1\nprofile = "ws2016"')
        .replace('name = "fwdgw01"', 'name = "fwdgw01"\ncapacity_gbps = 1.0')
        .replace(TRAFFIC, f'traffic = [{{ rate_pps = 60000, {cbr}, destination = "10.50.0.5" }}]')
    )
    s = loads(text)
    sr = runner.run(s, duration_s=0.3)
    assert 0.47 <= _gbps(sr) <= 0.5
    assert sr.result.element("fwdgw01")["limit_l3_utilization"] > 0.95
