"""One seed path: every random stream of a run is spawned from the run's seed through
``Simulation.seed_for`` and recorded, the NAT table's included; every command builds its
simulation of a scenario the same way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nvbench import runner
from nvbench.cli import main
from nvbench.model.simulation import Simulation
from nvbench.scenario.loader import load
from tests.helpers import DEFAULT, SHIPPED

PACKAGE = Path(runner.__file__).resolve().parent


def test_the_nat_tables_seed_is_recorded_with_the_elements():
    sr = runner.run(load(SHIPPED / "nat.toml"), duration_s=0.05)
    keys = sr.result.spawn_keys
    nat = [name for name in keys if name.endswith(".nat")]
    assert nat, sorted(keys)
    assert len(set(keys.values())) == len(keys)  # no two parts share a stream


def test_a_seed_is_spawned_once_per_name():
    sim = Simulation(seed=1)
    sim.seed_for("x.nat")
    with pytest.raises(ValueError, match="spawned already"):
        sim.seed_for("x.nat")


def test_only_the_simulation_spawns_seeds():
    """No module spawns from a seed but the simulation (and an element's own streams),
    a sweep, which spawns each run's seed from the sweep's, and replications, which spawn
    theirs the same way."""
    spawners = set()
    for p in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "spawn":
                spawners.add(p.relative_to(PACKAGE).as_posix())
    assert spawners == {"model/simulation.py", "model/element.py", "sweep.py", "replicate.py"}


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_every_command_builds_the_same_simulation():
    s = load(DEFAULT)
    a, _, da = runner.simulation(s, seed=9, duration_s=0.2)
    b = runner.run(s, seed=9, duration_s=0.2)
    assert da == b.result.duration_ns + b.result.summary["measured_from_ns"]
    assert a.spawn_keys == b.result.spawn_keys


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_pcap_takes_a_seed(tmp_path, capsys):
    paths = [tmp_path / f"{k}.pcap" for k in range(3)]
    for path, seed in zip(paths, ("5", "5", "6"), strict=True):
        args = ["pcap", str(DEFAULT), str(path), "--packets", "50", "--duration", "0.1"]
        assert main([*args, "--seed", seed]) == 0
    capsys.readouterr()
    first, again, other = (p.read_bytes() for p in paths)
    assert first == again and first != other
