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


def test_a_first_run_says_it_is_compiling(monkeypatch, tmp_path, capsys):
    from nvbench.cli.common import say_if_compiling

    monkeypatch.delenv("NUMBA_DISABLE_JIT", raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # an empty cache: a first run
    say_if_compiling()
    assert "compiling the fast-path kernels (first run only" in capsys.readouterr().err
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "nat.translate-1.py311.nbi").write_bytes(b"")  # numba's index file
    say_if_compiling()
    assert capsys.readouterr().err == ""


def test_shipped_scenarios_are_named_from_anywhere(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check", "hosting"]) == 0 and main(["check", "nat.toml"]) == 0
    out = capsys.readouterr().out
    assert "hosting: ok: 20 hosts, 4 gateway VMs, VM networks: 200 (nat 133, s2s 67)" in out
    assert main(["check", "nothere"]) == 2
    err = capsys.readouterr().err
    assert "'nothere'; nor a shipped scenario of that name (default, double_nat," in err
    (tmp_path / "hosting.toml").write_text("this = 'is mine'\n")  # a file of the name wins
    assert main(["check", "hosting.toml"]) == 2


def test_a_bug_reaches_a_user_as_one_line(monkeypatch, capsys):
    def broken(args):
        raise ValueError("something the code did not expect")

    monkeypatch.delenv("NVBENCH_DEBUG")
    monkeypatch.setattr(nvbench.cli, "check", broken)
    assert main(["check", "x.toml"]) == 70
    err = capsys.readouterr().err
    assert err.startswith("nvbench: internal error: ValueError: something the code did not")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("NVBENCH_DEBUG", "1")
    with pytest.raises(ValueError):
        main(["check", "x.toml"])


def test_pasted_and_saved_oddities_are_read_or_refused_in_words(tmp_path, capsys):
    """A footnote mark pasted into the connection string, a byte-order mark (Notepad), a
    value nested 2,000 deep, a name of 100,000 characters: a clear answer, no traceback."""
    nat = (SHIPPED / "nat.toml").read_text()
    cases = {
        "bom.toml": ("\ufeff" + nat, 0, ""),
        "footnote.toml": (nat.replace("DirectRoutingMode=false", "DirectRoutingMode=false;"
                                      "MaxVMNetworksSupported=50\u00b9"), 2,
                          "MaxVMNetworksSupported must be 1..100, got '50\u00b9'"),
        "deep.toml": ("x = " + "[" * 2000 + "]" * 2000 + "\n", 2, "nested too deeply"),
        "long.toml": (nat.replace('name = "nat"', 'name = "' + "x" * 100_000 + '"', 1), 2,
                      "(100,002 chars) is not allowed"),
    }  # fmt: skip
    for name, (text, code, says) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert main(["check", str(tmp_path / name)]) == code, name
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err and len(err) < 2000, name
