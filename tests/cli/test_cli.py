import json
import subprocess
import sys

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import GRE
from scapy.utils import rdpcap

from nvbench import __version__, workloads
from nvbench.cli import default_scenario, main


def test_calibrate_json(capsys):
    assert main(["calibrate", "--json", "--batch", "256", "--repeats", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    records = doc["kernels"]
    assert {r["kernel"] for r in records} == set(workloads.KERNELS)
    assert {r["frame_bytes"] for r in records} == set(workloads.FRAME_SIZES)
    for r in records:
        assert r["mpps"] > 0 and r["touch_mpps"] > 0
        assert abs(r["ns_per_packet"] * r["mpps"] - 1000) < 1e-6 * 1000
    assert doc["nvbench"] == __version__


def test_calibrate_table_and_pcap(tmp_path, capsys):
    pcap = tmp_path / "samples.pcap"
    assert (
        main(
            [
                "calibrate",
                "--batch",
                "64",
                "--repeats",
                "1",
                "--kernel",
                "nat_existing",
                "--pcap",
                str(pcap),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["kernel", "frame", "batch"]
    assert sum(line.startswith("nat_existing") for line in out.splitlines()) == 4
    pkts = rdpcap(str(pcap))
    assert any(GRE in p and p[GRE].key >> 8 >= 4096 for p in pkts)  # NVGRE
    assert any(ESP in p and p[ESP].seq >= 1 for p in pkts)  # ESP
    assert any(UDP in p and p[IP].src.startswith("198.51.100.") for p in pkts)  # NAT'd


def test_bad_arguments_exit_2_with_a_message():
    r = subprocess.run(
        [sys.executable, "-m", "nvbench.cli", "calibrate", "--kernel", "nope"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "invalid choice" in r.stderr and "Traceback" not in r.stderr


def _on_a_terminal(args: list[str]) -> tuple[str, str]:
    """(stdout, what went to the terminal) of ``nvbench ARGS`` run with stderr on a pty."""
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "nvbench.cli", *args],
                            stdout=subprocess.PIPE, stderr=slave, text=True)  # fmt: skip
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the pty closes when the process is gone
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read() if proc.stdout else ""
    assert proc.wait() == 0
    os.close(master)
    return out, seen.decode(errors="replace")


@pytest.mark.slow  # two subprocesses simulating: minutes with the kernels as plain Python
def test_progress_bars_go_to_the_terminal_not_the_results(tmp_path):
    scenario = str(default_scenario())
    out, tty = _on_a_terminal(["run", scenario, "--duration", "0.05", "--out", str(tmp_path / "r")])
    assert "simulating" in tty and "simulating" not in out
    assert "Parquet tables in" in out
    sweep = tmp_path / "s.toml"
    sweep.write_text('scenario = "default"\nduration_s = 0.02\n[[grid]]\n'
                     'path = "gateways[0].vcpus"\nvalues = [4, 8]\n')  # fmt: skip
    out, tty = _on_a_terminal(["sweep", str(sweep), "--workers", "1", "--out", str(tmp_path / "s")])
    assert "sweep" in tty and "2 runs: 2 done now" in out and "2/2" not in out
