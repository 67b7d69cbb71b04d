"""`nvbench fit-profile`: costs recovered from measurements generated with known costs, and
bad measurement files refused with a clear message, writing nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from nvbench import runner
from nvbench.cli import main
from nvbench.fit import FitError, fit, read
from nvbench.model import profiles
from nvbench.scenario.loader import loads
from tests.helpers import SHIPPED

HEAD = "function,frame_bytes,mbps,cores,clock_ghz\n"
# (function, cycles a packet, cycles a byte, cores, clock GHz)
TRUTH = [("forward", 1800.0, 1.5, 4, 2.6), ("nat_existing", 5200.0, 0.8, 8, 2.2),
         ("esp_encap:aes-gcm-256", 400.0, 11.56, 1, 3.0)]  # fmt: skip
SIZES = (64, 128, 576, 1024, 1514)


def _csv(tmp_path, noise: bool = True) -> str:
    """Saturating throughputs the truth gives, each off by up to 1 % (a fixed pattern)."""
    lines = []
    for fn, p, b, cores, ghz in TRUTH:
        for k, size in enumerate(SIZES):
            pps = cores * ghz * 1e9 / (p + b * size)
            wobble = 1 + (0.01 * (-1) ** k if noise else 0)
            lines.append(f"{fn},{size},{pps * size * 8 / 1e6 * wobble:.4f},{cores},{ghz}")
    path = tmp_path / "measured.csv"
    path.write_text(HEAD + "\n".join(lines) + "\n")
    return str(path)


def test_known_costs_are_recovered_within_2_percent(tmp_path):
    fits = {f.function: f for f in fit(read(Path(_csv(tmp_path))))}
    for fn, p, b, _, _ in TRUTH:
        f = fits[fn]
        # cycles of a 64- and a 1514-byte frame: what the fit must get right
        for size in (64, 1514):
            got, want = f.per_packet + f.per_byte * size, p + b * size
            assert abs(got / want - 1) < 0.02, (fn, size)
        assert f.points == len(SIZES) and f.residual < 0.02


def test_without_noise_the_fit_is_exact(tmp_path):
    fits = {f.function: f for f in fit(read(Path(_csv(tmp_path, noise=False))))}
    for fn, p, b, _, _ in TRUTH:
        assert fits[fn].per_packet == pytest.approx(p, rel=1e-6)
        assert fits[fn].per_byte == pytest.approx(b, rel=1e-6)


def test_the_written_profile_inherits_the_rest_and_runs(tmp_path, capsys):
    out = tmp_path / "mine.toml"
    assert main(["fit-profile", _csv(tmp_path), "--out", str(out), "--base", "ws2019"]) == 0
    assert "RMS error" in capsys.readouterr().out
    p = profiles.load(str(out))
    base = profiles.load("ws2019")
    assert p.costs["forward"].source.startswith("fit-profile: 5 measurements in measured.csv")
    assert p.costs["nat_new"] == base.costs["nat_new"] and p.limits == base.limits
    fitted = {s for f in p.calibration for s in f.sets}
    assert {"forward", "nat_existing", "esp_encap:aes-gcm-256"} <= fitted
    assert not p.validation
    text = (SHIPPED / "nat.toml").read_text().replace("seed = 1", f'seed = 1\nprofile = "{out}"')
    sr = runner.run(loads(text), duration_s=0.02)
    assert sr.result.summary["delivered"] > 0


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("function,frame_bytes,mbps,cores\nforward,64,100,1\n", "no column clock_ghz"),
        (HEAD + "forwad,64,100,1,2\n", "measured.csv:2: function 'forwad' is not one of"),
        (HEAD + "forward,64,fast,1,2\n", "measured.csv:2: mbps: 'fast' is not a number"),
        (HEAD + "forward,64,-5,1,2\n", "mbps: -5 must be a number above 0"),
        (HEAD + "forward,64,nan,1,2\n", "mbps: nan must be a number above 0"),
        (HEAD + "forward,20000,100,1,2\n", "frame_bytes: 20000 is not a frame size"),
        (HEAD + "forward,64,100,1,2\nforward,64,120,1,2\n", "forward: measured at one frame size"),
        (HEAD, "no measurements"),
        ("", "no column function"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_and_nothing_is_written(tmp_path, capsys, body, says):
    path = tmp_path / "measured.csv"
    path.write_text(body)
    out = tmp_path / "x.toml"
    assert main(["fit-profile", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert says in err and err.startswith("nvbench: ") and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".x.toml*"))


def test_a_missing_file_and_a_bad_base(tmp_path, capsys):
    assert main(["fit-profile", str(tmp_path / "none.csv"), "--out", str(tmp_path / "x.toml")]) == 2
    assert "none.csv" in capsys.readouterr().err
    args = ["fit-profile", _csv(tmp_path), "--out", str(tmp_path / "x.toml"), "--base", "nope"]
    assert main(args) == 2
    assert "--base: nope: no such profile" in capsys.readouterr().err


def test_read_gives_cycles_per_frame():
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.csv"
        # 1 Mpps of 125-byte frames (1000 Mbit/s) on 2 cores at 2 GHz: 4000 cycles a frame
        path.write_text(HEAD + "forward,125,1000,2,2\n")
        assert read(path) == {"forward": [(125.0, 4000.0)]}
        with pytest.raises(FitError):
            fit(read(path))
