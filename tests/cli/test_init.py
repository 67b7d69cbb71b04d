"""`nvbench init`: a commented starter scenario that checks and runs as written, one tenant
of each pattern asked for; an existing file is not overwritten."""

from __future__ import annotations

import tomllib

import pytest

from nvbench.cli import main
from nvbench.patterns.table import NAMES
from nvbench.scenario.loader import load
from nvbench.scenario.rules import check, warnings
from nvbench.scenario.starter import starter


@pytest.mark.parametrize("patterns", [None, *([p] for p in NAMES), ["mpls", "public_ip"]])
def test_the_starter_is_a_valid_scenario_of_the_patterns_asked_for(tmp_path, patterns):
    path = tmp_path / "s.toml"
    path.write_text(starter(patterns))
    s = load(path)  # schema and cross-field rules: raises on any problem
    assert [n.pattern for n in s.vm_networks] == [p for p in NAMES if p in (patterns or NAMES)]
    assert check(s) == [] and warnings(s) == []


def test_every_key_of_the_starter_run_section_is_explained():
    text = starter()
    run = tomllib.loads(text)["run"]
    for key in run:
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{key} ="))
        assert "#" in line, key  # its unit or meaning beside it


def test_init_writes_once_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "my.toml"
    assert main(["init", str(path), "--pattern", "nat"]) == 0
    assert "next: nvbench check" in capsys.readouterr().out
    before = path.read_text()
    assert main(["init", str(path)]) == 2
    assert "exists; give another name, or --force" in capsys.readouterr().err
    assert path.read_text() == before
    assert main(["init", str(path), "--force"]) == 0
    assert path.read_text() == starter()


@pytest.mark.slow  # a scenario run
def test_the_starter_runs(tmp_path, capsys):
    path = tmp_path / "my.toml"
    assert main(["init", str(path)]) == 0
    out = tmp_path / "r"
    assert main(["compare", str(path), "--duration", "0.2", "--replications", "2",
                 "--out", str(out)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert all(f"tenant-{p.replace('_', '-')}" in text for p in NAMES)
