"""Gateway profiles as data: every cost sourced or assumed, calibration kept apart from
validation, inheritance, clear errors for bad files, and the docs in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nvbench.cli import main
from nvbench.model import costs, limits, profiles
from nvbench.scenario.loader import ScenarioError, loads
from tests.helpers import SHIPPED

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ID = re.compile(r"\[S\d+\]|VPP-832|apnic|cilium|FDio")


@pytest.mark.parametrize("name", profiles.NAMES)
def test_every_cost_is_sourced_or_says_why_it_is_assumed(name):
    p = profiles.load(name)
    assert set(p.costs) == set(costs.FUNCTIONS)
    for fn, c in p.costs.items():
        assert c.cycles_per_packet >= 0 and c.cycles_per_byte >= 0, fn
        assert c.cycles_per_packet + c.cycles_per_byte > 0, fn
        assumed = c.source.startswith("assumed: ")
        assert assumed or SOURCE_ID.search(c.source), f"{name} {fn}: {c.source!r}"


@pytest.mark.parametrize("name", profiles.NAMES)
def test_no_figure_both_sets_a_cost_and_checks_the_result(name):
    p = profiles.load(name)
    set_by = {f.figure for f in p.calibration}
    checks = {f.figure for f in p.validation}
    assert set_by and not set_by & checks
    # The numbers sourced (not assumed) are those a calibration figure set, and only they;
    # so are the limits.
    sourced = {fn for fn, c in p.costs.items() if not c.source.startswith("assumed: ")}
    sourced |= {f"limit:{k}" for k in (*p.limits, *p.shares)}
    assert {s for f in p.calibration for s in f.sets} == sourced


def test_one_figure_in_both_lists_is_caught(tmp_path):
    text = (profiles.SHIPPED / "ws2019.toml").read_text()
    text += '\n[[validation]]\nfigure = "S21/ws2019-ipsec-connection"\nsays = "the same"\n'
    path = tmp_path / "p.toml"
    path.write_text(
        text.replace('inherit = "ws2016"', f'inherit = "{profiles.SHIPPED}/ws2016.toml"')
    )
    p = profiles.load(str(path))
    assert {f.figure for f in p.calibration} & {f.figure for f in p.validation}


def test_ws2012r2_inherits_ws2016_and_ws2019_replaces_only_ipsec():
    old, mid, new = (profiles.load(n) for n in profiles.NAMES)
    assert old.costs == mid.costs  # no WS2012 R2 figure: the basis says so
    assert "NOT FOUND" in old.basis
    changed = {fn for fn in costs.FUNCTIONS if new.costs[fn] != mid.costs[fn]}
    assert changed == {fn for fn in costs.FUNCTIONS if fn.startswith("esp_")}

    def per_byte_at_full_size(c: costs.Cost) -> float:  # the frame size assumed, 1514 B
        return (c.cycles_per_packet + 1514 * c.cycles_per_byte) / 1514

    # 1.8 Gbit/s on one 2.6 GHz core [S21]: 2.6e9 / (1.8e9 / 8) cycles a byte in all.
    c = new.costs["esp_encap:aes-gcm-256"]
    assert per_byte_at_full_size(c) == pytest.approx(2.6e9 / 225e6, 1e-3)
    # ... and WS2016's 300 Mbit/s: 6x the cycles, as Microsoft's "up to 6x" says [S21].
    assert per_byte_at_full_size(mid.costs["esp_encap:aes-gcm-128"]) == pytest.approx(
        2.6e9 / 37.5e6, 1e-3
    )
    # A packet pays the forwarding path as well as its bytes.
    assert c.cycles_per_packet == mid.costs["forward"].cycles_per_packet > 0


def test_the_tunnel_limits_follow_the_version():
    """WS2012 R2 (VMM) has none; WS2016 shares the gateway's capacity out, 3/20 to IPsec
    and 1/2 to L3; WS2019 fixes 5 Gbit/s each, never above the capacity [S22]."""
    old, mid, new = (profiles.load(n) for n in profiles.NAMES)
    assert limits.rates(old, 10e9) == {}
    assert limits.rates(mid, 1e9) == pytest.approx(
        {"ipsec": 150e6, "l3": 500e6}
    )  # 1 Gbps: 150 Mbps
    assert limits.rates(new, 25e9) == pytest.approx({"ipsec": 5e9, "l3": 5e9})
    assert limits.rates(new, 4e9) == pytest.approx({"ipsec": 4e9, "l3": 4e9})


def test_the_default_and_its_old_name():
    assert profiles.DEFAULT == "ws2012r2" and profiles.default().name == "ws2012r2"
    assert profiles.load("published").costs == profiles.default().costs


def _write(tmp_path, body: str) -> str:
    path = tmp_path / "mine.toml"
    head = 'name = "mine"\ntitle = "t"\nbasis = "b"\ncalibration_clock_ghz = 2.0\n'
    path.write_text(head + body)
    return str(path)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('inherit = "ws2016"\n[costs.forward]\nper_packet = -1\nper_byte = 0\nsource = "x"\n',
         "costs.forward.per_packet: Input should be greater than or equal to 0"),
        ('inherit = "ws2016"\n[costs.forward]\nper_packet = 1\nper_byte = 0\n',
         "costs.forward: Value error, give exactly one of 'source'"),
        ('inherit = "ws2016"\n[costs.forwad]\nper_packet = 1\nper_byte = 0\nsource = "x"\n',
         "unknown functions ['forwad']"),
        ("[costs.forward]\nper_packet = 1\nper_byte = 0\nsource = \"x\"\n",
         "costs: no cost for ['esp_decap:aes-cbc-hmac-sha1-96'"),
        ('inherit = "ws2016"\ncolour = "red"\n', "colour: Extra inputs are not permitted"),
        ('inherit = "ws2016"\n[costs.forward\n', "mine.toml: "),
    ],
)  # fmt: skip
def test_a_bad_profile_names_its_key_path(tmp_path, body, says):
    with pytest.raises(profiles.ProfileError, match=re.escape(says)):
        profiles.load(_write(tmp_path, body))


def test_an_inheritance_cycle_is_refused(tmp_path):
    path = _write(tmp_path, "")
    Path(path).write_text(Path(path).read_text() + f'inherit = "{path}"\n')
    with pytest.raises(profiles.ProfileError, match="cycle"):
        profiles.load(path)


def test_a_users_profile_by_path_overrides_what_it_sets(tmp_path):
    path = _write(tmp_path, 'inherit = "ws2016"\n[costs.forward]\nper_packet = 1000\n'
                            'per_byte = 0.5\nassumed = "measured on my gateway"\n')  # fmt: skip
    p = profiles.load(path)
    assert p.costs["forward"] == costs.Cost(1000, 0.5, "assumed: measured on my gateway")
    assert p.costs["nat_existing"] == profiles.load("ws2016").costs["nat_existing"]
    assert "forward" not in {s for f in p.calibration for s in f.sets}  # no longer VPP's


def test_a_scenario_with_a_missing_profile_is_refused_by_key_path():
    text = (SHIPPED / "nat.toml").read_text().replace("seed = 1", 'seed = 1\nprofile = "no.toml"')
    with pytest.raises(ScenarioError) as e:
        loads(text)
    assert any(p.startswith("run.profile: no.toml: no such profile") for p in e.value.problems)


def test_docs_list_every_number_of_every_profile():
    docs = (ROOT / "docs" / "profiles.md").read_text()
    for name in profiles.NAMES:
        assert profiles.table(profiles.load(name)) in docs, (
            f"docs/profiles.md: paste `nvbench profiles {name}` in again"
        )


def test_profiles_command(capsys, tmp_path):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "ws2012r2" in out and "(the default)" in out
    assert main(["profiles", "ws2019"]) == 0
    assert "| esp_encap:aes-gcm-256 | 2500 | 9.9 |" in capsys.readouterr().out
    assert main(["profiles", str(tmp_path / "none.toml")]) == 2
    assert "no such profile" in capsys.readouterr().err
