"""A profile's ``[spread]``: which vCPU of a gateway serves each function."""

from __future__ import annotations

import pytest

from nvbench import runner
from nvbench.model import profiles
from nvbench.scenario.loader import loads
from tests.helpers import SHIPPED


def _nat_run(tmp_path, nat: str):
    prof = tmp_path / f"{nat}.toml"
    head = f'name = "{nat}"\ntitle = "t"\nbasis = "b"\ncalibration_clock_ghz = 2.6\n'
    prof.write_text(head + f'inherit = "ws2016"\n[spread]\nnat = "{nat}"\nassumed = "a test"\n')
    text = (SHIPPED / "nat.toml").read_text().replace("seed = 1", f'seed = 1\nprofile = "{prof}"')
    return runner.run(loads(text), duration_s=0.1).result.element("mtgw01")


def test_the_shipped_profiles_spread_by_flow_and_pin_ipsec():
    for name in profiles.NAMES:  # vRSS, and "IPsec traffic is confined to a single core" [S23]
        assert profiles.load(name).spread == {"forward": "flow", "nat": "flow", "esp": "connection"}


@pytest.mark.slow  # two scenario runs
def test_nat_on_one_vcpu_loads_that_vcpu_with_all_of_it(tmp_path):
    one, flow = _nat_run(tmp_path, "one"), _nat_run(tmp_path, "flow")
    assert one["servers"] == flow["servers"] == 8
    assert one["utilization"] == pytest.approx(flow["utilization"], rel=0.02)  # the same work
    assert one["utilization_max"] == pytest.approx(8 * one["utilization"], rel=1e-6)
    assert flow["utilization_max"] < 3 * flow["utilization"]  # spread over the 8


def test_a_spread_outside_the_allowed_values_is_refused(tmp_path):
    prof = tmp_path / "bad.toml"
    prof.write_text('name = "bad"\ntitle = "t"\nbasis = "b"\ncalibration_clock_ghz = 2.6\n'
                    'inherit = "ws2016"\n[spread]\nesp = "flow"\nassumed = "a test"\n')  # fmt: skip
    with pytest.raises(profiles.ProfileError, match="spread.esp"):
        profiles.load(str(prof))
