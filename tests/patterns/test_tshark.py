"""Captures a network engineer can read: every pattern's frames decoded by Wireshark's
tshark (independent of nvbench and of scapy) with no malformed frame and no expert error,
each on the interface named after its capture point, dated from the scenario's epoch.

.ci/run installs tshark (Debian's package); without it these tests fail, never skip.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from nvbench import runner
from nvbench.scenario.loader import load
from tests.helpers import SHIPPED

PATTERNS = ("s2s", "mpls", "nat", "public_ip", "remote_access")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def _tshark(path, *args: str) -> list[str]:
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (.ci/run installs it: apt-get install tshark)"
    out = subprocess.run([tshark, "-r", str(path), *args], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return [line for line in out.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    s = load(SHIPPED / "default.toml")
    root = tmp_path_factory.mktemp("captures")
    return {p: (root / f"{p}.pcapng", runner.capture(s, root / f"{p}.pcapng", p, 300, 0.3))
            for p in PATTERNS}  # fmt: skip


@pytest.mark.slow  # five capture runs
@pytest.mark.parametrize("pattern", PATTERNS)
def test_tshark_decodes_every_frame_cleanly(captures, pattern):
    path, written = captures[pattern]
    assert written == 300
    assert len(_tshark(path, "-T", "fields", "-e", "frame.number")) == written
    bad = _tshark(path, "-Y", "_ws.malformed || _ws.expert.severity == error")
    assert bad == [], bad[:5]
    # The tenant's UDP reads as UDP to the discard port, not as some protocol's message.
    protocols = set(_tshark(path, "-T", "fields", "-e", "_ws.col.Protocol"))
    assert protocols <= {"UDP", "ESP", "TCP", "ICMP"}, protocols


@pytest.mark.slow  # five capture runs
@pytest.mark.parametrize("pattern", PATTERNS)
def test_frames_are_dated_from_the_epoch_on_their_capture_points(captures, pattern):
    path, _ = captures[pattern]
    rows = [r.split("\t") for r in _tshark(path, "-T", "fields", "-e", "frame.interface_name",
                                           "-e", "frame.time_epoch")]  # fmt: skip
    points = {name for name, _ in rows}
    # A host's NIC toward the provider network, and the gateway's external side: both ends
    # of the pattern's path (remote access sends from the clients, so in and down).
    assert any(p.endswith((".provider", ".provider.down")) for p in points), points
    assert any(".external." in p for p in points), points
    times = [float(t) for _, t in rows]
    assert min(times) >= EPOCH and max(times) < EPOCH + 1  # within the run's 0.3 s
