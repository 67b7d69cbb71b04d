"""`nvbench compare`, `run` and `pcap`: what they print, write and refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from nvbench.cli import main
from tests.helpers import DEFAULT, assert_checksums_valid


def test_compare_command_prints_and_writes_parquet(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["compare", "--duration", "0.1", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {r["pattern"]: r for r in doc["patterns"]}
    assert set(rows) == {"s2s", "mpls", "nat", "public_ip", "remote_access"}
    assert all(r["loss"] == 0 and r["throughput_mbps"] > 0 for r in rows.values())
    table = pq.read_table(out / "patterns.parquet")
    assert table.num_rows == 5 * 5  # five VM networks, five replications (the default)
    assert table.schema.metadata[b"scenario"] == b"default"
    assert {p.name for p in out.iterdir()} >= {"run.parquet", "elements.parquet", "tenants.parquet"}
    # Which gateway profile the numbers come from, in the JSON and in the run table.
    assert doc["profile"] == "ws2012r2"
    assert pq.read_table(out / "run.parquet").column("profile").to_pylist() == ["ws2012r2"] * 5


def test_compare_says_which_profile_it_used(tmp_path, capsys):
    assert main(["compare", "--duration", "0.05", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Gateway profile ws2012r2: Windows Server 2012 R2 gateway" in out


def test_run_refuses_a_bad_scenario_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    bad = Path(__file__).parents[1] / "scenario" / "bad" / "reserved_vsid.toml"
    assert main(["run", str(bad)]) == 2
    assert "vm_networks[0].subnets[0].vsid" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("pattern", ["nat", "s2s"])
def test_run_one_pattern(tmp_path, capsys, pattern):
    assert main(["run", str(DEFAULT), "--pattern", pattern, "--duration", "0.05",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("VM network") and lines[1].split()[1] == pattern


def test_pcap_command_writes_the_wire_frames(tmp_path, capsys):
    """NVGRE on the provider network, ESP on the external side, in time order, readable
    by an independent decoder (scapy), with valid checksums."""
    from scapy.utils import rdpcap

    out = tmp_path / "s2s.pcap"
    args = ["pcap", str(DEFAULT), str(out), "--pattern", "s2s", "--packets", "300",
            "--duration", "0.05"]  # fmt: skip
    assert main(args) == 0
    assert "wrote 300 frames" in capsys.readouterr().out
    frames = rdpcap(str(out))
    times = [float(p.time) for p in frames]
    assert len(frames) == 300 and times == sorted(times)
    kinds = {Ether(bytes(p))[IP].proto for p in frames}
    assert kinds == {47, 50}  # NVGRE inside the provider network, ESP outside
    for p in frames[:40]:
        assert_checksums_valid(bytes(p))


def test_pcap_refuses_a_bad_scenario_and_writes_nothing(tmp_path, capsys):
    assert main(["pcap", str(tmp_path / "none.toml"), str(tmp_path / "y.pcap")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    assert not (tmp_path / "y.pcap").exists()


def test_run_seed_override(tmp_path, capsys):
    """--seed replaces the scenario's seed: the same seed repeats, another one differs."""
    docs = []
    for seed in (5, 5, 6):
        args = ["run", str(DEFAULT), "--seed", str(seed), "--duration", "0.03", "--json",
                "--out", str(tmp_path / str(len(docs)))]  # fmt: skip
        assert main(args) == 0
        docs.append(json.loads(capsys.readouterr().out))
    offered = [[r["offered"] for r in d["patterns"]] for d in docs]
    assert offered[0] == offered[1] != offered[2]


def test_pcap_has_each_frame_once(tmp_path):
    """With shared NICs too, a frame is captured where it crosses each side, not twice."""
    from scapy.utils import rdpcap

    out = tmp_path / "nat.pcap"
    assert main(["pcap", str(DEFAULT), str(out), "--pattern", "nat", "--packets", "400",
                 "--duration", "0.05"]) == 0  # fmt: skip
    frames = [bytes(p) for p in rdpcap(str(out))]
    assert len(set(frames)) == len(frames)
