"""The cost model: every function costed with a source; profiles written and read back."""

from __future__ import annotations

import numpy as np
import pytest

from nvbench.calibrate import Figure, profile_from
from nvbench.cli import main
from nvbench.model import costs, profiles
from nvbench.model.simulation import Simulation
from nvbench.topologies import nat_cloud


def test_default_profile_costs_every_function_with_a_source():
    p = profiles.default()
    assert set(p.costs) == set(costs.FUNCTIONS)
    for name, c in p.costs.items():
        assert c.cycles_per_packet >= 0 and c.cycles_per_byte >= 0, name
        assert c.cycles_per_packet + c.cycles_per_byte > 0, name
        assert c.source.strip(), name
    # Linux forwards ~0.9 Mpps a core at 2.25 GHz (apnic); SNAT runs at 5.9 of 14 Mpps [S35].
    assert p.costs["forward"].cycles_per_packet == pytest.approx(2.25e9 / 0.9e6)
    assert p.costs["nat_existing"].cycles_per_packet == pytest.approx(2500 * 14 / 5.9, 1e-4)


def test_service_time_is_cycles_over_clock():
    p = profiles.default()
    ns = p.service_ns("nvgre_encap", np.array([64, 1500]), 2e9)
    c = p.costs["nvgre_encap"]
    want = np.ceil((c.cycles_per_packet + c.cycles_per_byte * np.array([64, 1500])) / 2)
    assert ns.tolist() == want.astype(int).tolist()
    assert p.service_ns("forward", np.array([60]), 1e15)[0] == 1  # never below 1 ns


def test_profile_round_trip(tmp_path):
    p = profiles.default()
    path = tmp_path / "p.json"
    path.write_text(p.to_json())
    back = costs.load(path)
    assert (back.name, back.costs) == (p.name, p.costs)


def test_incomplete_profile_is_refused():
    with pytest.raises(ValueError, match="lacks costs"):
        costs.Profile("partial", {"forward": costs.Cost(1, 0, "x")})


def test_profile_from_figures_fits_per_packet_and_per_byte():
    # 8 cycles + 0.02 cycles/B on a 1 GHz clock: 9.28 ns at 64 B, 38 ns at 1500 B.
    figs = [Figure("nat_existing", "64", 1, 0, 8.0 + 0.02 * 64, 0),
            Figure("nat_existing", "1500", 1, 0, 8.0 + 0.02 * 1500, 0)]  # fmt: skip
    p = profile_from(figs, 1e9, None)
    c = p.costs["nat_existing"]
    assert c.cycles_per_packet == pytest.approx(8.0) and c.cycles_per_byte == pytest.approx(0.02)
    assert "calibrate" in c.source
    assert p.costs["forward"] == profiles.default().costs["forward"]  # not measured: kept


@pytest.mark.slow
def test_calibrate_writes_a_profile_the_engine_takes(tmp_path, capsys):
    path = tmp_path / "machine.json"
    args = ["calibrate", "--batch", "256", "--repeats", "1", "--write-profile", str(path),
            "--clock-hz", "2.5e9"]  # fmt: skip
    assert main(args) == 0
    p = costs.load(path)
    assert "2.50 GHz" in p.name and "calibrate" in p.costs["nvgre_encap_offload"].source
    # The test extra brings the cryptography package: ESP carries real AES-GCM cost per byte.
    esp = p.costs["esp_encap:aes-gcm-128"]
    assert "AES-GCM" in esp.source and esp.cycles_per_byte > 0
    sim = Simulation(seed=1)
    nat_cloud(sim, offered_pps=20_000, profile=p)
    assert sim.run(5_000_000).accounting_problems() == []
