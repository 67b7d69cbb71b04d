"""Every shipped scenario is a golden test: it runs, its books balance, and its figures
match what follows from the file itself (offered load, public addresses, ESP overhead)
within the stated tolerance, or exactly where a closed form exists."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from nvbench import runner
from nvbench.fastpath import esp
from nvbench.model import profiles
from nvbench.model.simulation import Simulation
from nvbench.patterns import addresses
from nvbench.patterns.fabric import build
from nvbench.scenario.loader import load
from tests.helpers import SHIPPED
from tests.model.capture import Capture

FILES = sorted(SHIPPED.glob("*.toml"))
DURATION = {"hosting": 0.1}


def test_the_shipped_set():
    names = {p.stem for p in FILES}
    assert {"default", "s2s", "mpls", "nat", "public_ip", "remote_access", "double_nat",
            "nat_pool", "outage", "hosting"} <= names  # fmt: skip


def _poisson_ok(got: int, expected: float) -> bool:
    """Within 5 standard deviations of a Poisson count (or 2 % where that is tighter)."""
    return abs(got - expected) <= max(5 * math.sqrt(expected), 0.02 * expected)


# Each takes 20 s and more when the kernels run as Python (NUMBA_DISABLE_JIT): the compiled
# pass runs them all.
@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_shipped_scenario(path):
    s = load(path)
    sr = runner.run(s, duration_s=DURATION.get(path.stem, 0.3))
    r = sr.result
    assert r.accounting_problems() == []
    seconds = r.summary["duration_ns"] / 1e9
    # A tenant's offered packets include those in flight at the warm-up's end (a WAN link of
    # 20 ms holds hundreds): at most all carried in, of every tenant.
    carried = r.summary["carried_in"]
    for row, n in zip(sr.rows, s.vm_networks, strict=True):
        rate = sum(t.rate_pps for t in n.traffic)
        extra = min(carried, max(0, row["offered"] - round(rate * seconds)))
        assert _poisson_ok(row["offered"] - extra, rate * seconds), (n.name, row["offered"])
    if path.stem != "outage":  # nothing is lost but what the WAN links' loss rates lose
        lost = [d for d in r.drops if d["verdict"] != "LINK_LOSS" or ".wan." not in d["element"]]
        assert lost == []
    bill = {row["vm_network"]: row["public_ipv4"] for row in sr.rows}
    for n in s.vm_networks:  # the closed form, from the file alone
        own = len(n.public_addresses) + sum(vm.public is not None for vm in n.vms)
        assert bill[n.name] == own + (n.pattern in ("s2s", "remote_access")), n.name


@pytest.mark.slow
def test_outage_costs_what_arrives_while_down():
    s = load(SHIPPED / "outage.toml")
    r = runner.run(s).result
    mpls = next(i for i, n in enumerate(s.vm_networks) if n.pattern == "mpls")
    down = [d for d in r.drops if d["verdict"] == "ELEMENT_DOWN"]
    gw = sum(d["packets"] for d in down if d["element"] == "fwdgw01" and d["tenant"] == mpls)
    rate = sum(t.rate_pps for t in s.vm_networks[mpls].traffic)
    assert _poisson_ok(gw, rate * 0.2)  # down from 0.4 s to 0.6 s
    assert any(d["element"].startswith("hv04.nic") for d in down)
    assert {d["verdict"] for d in r.drops} == {"ELEMENT_DOWN"}


def test_hosting_bill_and_gateway_load():
    s = load(SHIPPED / "hosting.toml")
    nat = sum(n.pattern == "nat" for n in s.vm_networks)
    vpn_gateways = {n.gateway for n in s.vm_networks if n.pattern == "s2s"}
    assert addresses.total(s) == nat + len(vpn_gateways)  # 133 pools + 4 shared front ends
    per_gateway = {g.name: sum(n.gateway == g.name for n in s.vm_networks) for g in s.gateways}
    assert set(per_gateway.values()) == {50}  # the WS2012 R2 guidance [S18]


def test_s2s_frames_carry_the_exact_esp_overhead():
    """Every ESP frame on the uplink is its inner IP packet plus the RFC 4303/4106 tunnel
    overhead of AES-GCM-128, to the byte."""
    s = load(SHIPPED / "s2s.toml")
    sim = Simulation(seed=1, quantum_ns=5_000_000)
    b = build(s, sim, profiles.default())
    cap = Capture(sim, "cap", keep=3000)
    b.uplinks["mtgw01"].connect(cap)
    sim.run(40_000_000)
    # IMIX 64/576/1500 frames, the largest capped at the tunnel's inner MTU: 1446 for
    # AES-GCM-128 over the 1500-byte external path (test_mtu checks it with scapy's ESP).
    inner_ip = {50, 562, 1446}
    want = {14 + ip + esp.overhead("aes-gcm-128", ip) for ip in inner_ip}
    got = {len(f) for f in cap.frames}
    assert got == want
    assert {Ether(f)[IP].proto for f in cap.frames} == {50}
    assert np.all(np.array(sorted(want)) - 14 - np.array(sorted(inner_ip)) >= 50)
    assert max(got) - 14 == 1500  # the largest fills the external MTU exactly


def test_the_hosting_scenario_is_what_its_generator_writes():
    from tools import make_hosting

    assert make_hosting.text() == (SHIPPED / "hosting.toml").read_text()
