"""`nvbench validate --sensitivity`: each assumption moved by -20 % and +20 %, and only the
measures whose packets pay for it measured again."""

from __future__ import annotations

import pytest

from nvbench import sensitivity as S
from nvbench import validate as V
from nvbench.cli import main
from nvbench.model import profiles
from nvbench.report import figures
from nvbench.report.sources import read


def test_assumed_costs_are_grouped_by_what_they_assume():
    groups = S.assumptions(profiles.load("ws2016"))
    by_fn = {fn: words for words, fns in groups.items() for fn in fns}
    assert "forward" not in by_fn  # from a published figure (VPP-832)
    assert by_fn["nat_new"].startswith("assumed: ")
    # the four CBC costs rest on one assumption and move together
    cbc = [fn for fn in by_fn if "cbc" in fn]
    assert len(cbc) == 4 and len({by_fn[fn] for fn in cbc}) == 1


def test_a_measure_is_run_again_only_for_the_costs_its_packets_pay():
    assert S.uses("nat_gateway", "aes-gcm-128", ["nat_new"])
    assert not S.uses("l3_gateway", "aes-gcm-128", ["nat_new"])
    assert S.uses("ipsec_connection", "aes-gcm-256", ["esp_decap:aes-gcm-256"])
    assert not S.uses("ipsec_connection", "aes-gcm-128", ["esp_decap:aes-gcm-256"])
    assert S.uses("l3_gateway", "aes-gcm-128", ["nvgre_encap_offload"])


def test_a_scaled_profile_moves_only_what_it_names(tmp_path):
    p = profiles.load("ws2016")
    path = S._scaled(tmp_path, 0, p, ["nat_new", "esp_encap:aes-gcm-128"], 0.8)
    q = profiles.load(str(path))
    nat, esp = p.costs["nat_new"], p.costs["esp_encap:aes-gcm-128"]
    assert q.costs["nat_new"].cycles_per_packet == pytest.approx(0.8 * nat.cycles_per_packet)
    assert q.costs["esp_encap:aes-gcm-128"].cycles_per_byte == pytest.approx(
        0.8 * esp.cycles_per_byte
    )
    assert q.costs["esp_encap:aes-gcm-128"].cycles_per_packet == pytest.approx(
        0.8 * esp.cycles_per_packet
    )
    assert q.costs["forward"] == p.costs["forward"]
    assert (q.limits, q.shares) == (p.limits, p.shares)


@pytest.mark.slow  # about 6 knee searches
def test_a_cpu_bound_capacity_moves_as_one_over_its_cost():
    """One IPsec connection is bound by its one vCPU: 20 % less cost carries 1/0.8 = 1.25
    times the traffic, 20 % more 1/1.2 = 0.833 times; the hosts' NVGRE costs move nothing
    (their vSwitch is far from busy)."""
    rows = V.validate("ws2016", measures=("ipsec_connection",), theory=False)
    swings = {s.functions: s for s in S.sensitivity("ws2016", rows)}
    esp = swings["esp_encap:aes-gcm-128, esp_decap:aes-gcm-128"]
    assert esp.cheaper / esp.base == pytest.approx(1 / 0.8, rel=0.01)
    assert esp.dearer / esp.base == pytest.approx(1 / 1.2, rel=0.01)
    others = [s for k, s in swings.items() if k.startswith("nvgre")]
    assert others and all(s.swing < 0.001 for s in others)
    assert "Moving nothing measured" in S.text(list(swings.values()))


def test_the_report_draws_the_tornado(tmp_path):
    rows = [V.Row("ipsec_connection", "one", "Mbit/s", 289, "S21/x", 300, "calibration")]
    V.write("ws2016", rows, tmp_path)
    swings = [S.Swing("assumed: x", "esp_encap:aes-gcm-128", "ipsec_connection", "one", 289,
                      361.2, 240.8), S.Swing("assumed: y", "nat_new", "nat_gateway", "n", 9566,
                                             9566, 9566)]  # fmt: skip
    S.write(swings, tmp_path, {})
    fig = figures.sensitivity(read(tmp_path))
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 1) for p in ax.patches)
    assert widths == [-16.7, 25.0]  # the one that moves; nat_new left out


def test_sensitivity_refuses_a_json_profile(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(profiles.load("ws2016").to_json())
    assert main(["validate", "--profile", str(path), "--sensitivity", "--json"]) == 2
    assert "needs a TOML profile" in capsys.readouterr().err
