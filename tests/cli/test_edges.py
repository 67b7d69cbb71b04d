"""The command line's edges: every numeric option checked (exit 2, a message saying what
is allowed, nothing written), a pattern the scenario lacks refused, Ctrl-C in one line."""

from __future__ import annotations

import pytest

import nvbench.cli
from nvbench.cli import main
from tests.helpers import SHIPPED


@pytest.mark.parametrize(("argv", "says"), [
    (["compare", "--duration", "0"], "--duration: must be a finite number > 0, got '0'"),
    (["compare", "--duration", "-1"], "must be a finite number > 0, got '-1'"),
    (["compare", "--duration", "nan"], "must be a finite number > 0, got 'nan'"),
    (["compare", "--duration", "inf"], "must be a finite number > 0, got 'inf'"),
    (["run", "x.toml", "--duration", "1e999"], "got '1e999'"),
    (["compare", "--seed", "-3"], "--seed: must be an integer >= 0, got '-3'"),
    (["compare", "--seed", "1.5"], "--seed: must be an integer >= 0, got '1.5'"),
    (["sweep", "s.toml", "--workers", "0"], "--workers: must be an integer >= 1, got '0'"),
    (["plan", "x.toml", "--slo", "loss<=0", "--workers", "-2"], "must be an integer >= 1"),
    (["pcap", "x.toml", "o.pcapng", "--packets", "0"], "--packets: must be an integer >= 1"),
    (["calibrate", "--batch", "0"], "--batch: must be an integer >= 1, got '0'"),
    (["calibrate", "--clock-hz=-2e9"], "--clock-hz: must be a finite number > 0"),
])  # fmt: skip
def test_a_bad_number_is_refused_by_argparse(argv, says, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(("argv", "says"), [
    (["compare", "--duration", "0.015"],
     "--duration 0.015: at least two quanta of the scenario (run.quantum_ms = 10): 0.02 s"),
    (["compare", str(SHIPPED / "nat.toml"), "--pattern", "mpls"],
     "--pattern mpls: no VM network of nat uses it; its patterns: nat"),
    (["pcap", str(SHIPPED / "nat.toml"), "o.pcapng", "--pattern", "s2s"],
     "--pattern s2s: no VM network of nat uses it"),
    (["plan", str(SHIPPED / "nat.toml"), "--slo", "loss<=0.01", "--duration", "0.001"],
     "--duration 0.001: at least two quanta"),
])  # fmt: skip
def test_what_the_scenario_cannot_do_is_refused(argv, says, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # a run of the default scenario
def test_a_run_shorter_than_twice_its_warm_up_says_the_warm_up_is_cut(capsys, tmp_path):
    """The default scenario warms up for 0.1 s: a 0.06 s run keeps 0.03 s of it."""
    assert main(["compare", "--duration", "0.06", "--out", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    assert "warning: --duration 0.06: the warm-up (run.warmup_s = 0.1 s) is cut" in err
    assert "0.03 s" in err


@pytest.mark.parametrize(("command", "resume"), [("sweep", True), ("compare", False)])
def test_ctrl_c_is_one_line(command, resume, capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    name = {"sweep": "sweep_command", "compare": "run_command"}[command]
    monkeypatch.setattr(nvbench.cli, name, interrupted)
    assert main([command, "x.toml"]) == 130
    err = capsys.readouterr().err
    assert err.strip().startswith("nvbench: interrupted") and len(err.strip().splitlines()) == 1
    assert ("--resume" in err) == resume
