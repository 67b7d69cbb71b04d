"""The five access patterns built from the default scenario, end to end through the fast
path: who gets through, what the frames look like on the wire, what each costs in public
addresses, and the run/compare commands."""

from __future__ import annotations

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from nvbench.cli import default_scenario
from nvbench.model import profiles
from nvbench.model.simulation import Simulation
from nvbench.patterns import addresses
from nvbench.patterns.fabric import build
from nvbench.scenario.loader import load, loads
from tests.helpers import assert_checksums_valid
from tests.model.capture import Capture

DEFAULT = default_scenario()


def _built(text: str | None = None, duration_s: float = 0.05):
    s = loads(text) if text is not None else load(DEFAULT)
    sim = Simulation(seed=1, quantum_ns=5_000_000)
    b = build(s, sim, profiles.default())
    return s, sim, b


def test_every_pattern_carries_its_traffic():
    s, sim, b = _built()
    r = sim.run(100_000_000)
    assert r.accounting_problems() == [] and r.summary["dropped"] == 0
    by_rd = {t["tenant"]: t for t in r.tenants}
    for n in s.vm_networks:
        t = by_rd[b.rd[n.name]]
        assert t["delivered"] > 1000, n.name
    assert r.element("contoso-s2s.site0")["delivered"] > 0  # decrypted by the peer
    assert r.element("fabrikam-mpls.pe")["delivered"] > 0
    assert r.element("tailspin-public.nat-out")["delivered"] > 0


def test_frames_on_the_gateways_uplinks():
    """S2S leaves as ESP from the gateway's front end; NAT from the pool address; MPLS
    (forwarding) with the VM's own address; all with valid checksums."""
    s, sim, b = _built()
    caps = {}
    for g in ("mtgw01", "fwdgw01"):
        caps[g] = Capture(sim, f"cap.{g}", keep=3000)
        b.uplinks[g].connect(caps[g])
    sim.run(30_000_000)
    seen = {}
    for cap in caps.values():
        for f, rd in zip(cap.frames, cap.rds, strict=True):
            seen.setdefault(rd, []).append(f)
    s2s, mpls, nat = (b.rd[x] for x in ("contoso-s2s", "fabrikam-mpls", "northwind-nat"))
    assert {Ether(f)[IP].proto for f in seen[s2s]} == {50}
    assert {(Ether(f)[IP].src, Ether(f)[IP].dst) for f in seen[s2s]} == {
        ("131.107.0.10", "198.51.100.10")
    }
    assert {Ether(f)[IP].src for f in seen[nat]} == {"203.0.113.1"}
    assert {Ether(f)[IP].src for f in seen[mpls]} <= {"10.0.1.4", "10.0.1.5"}
    for f in seen[nat][:50] + seen[mpls][:50] + seen[s2s][:50]:
        assert_checksums_valid(f)


def test_public_ipv4_bill_per_pattern():
    s = load(DEFAULT)
    bill = addresses.bill(s)
    assert {n: row["public_ipv4"] for n, row in bill.items()} == {
        "contoso-s2s": 1,  # the multi-tenant gateway's front end, shared
        "fabrikam-mpls": 0,  # no public address [S16]
        "northwind-nat": 1,  # its pool
        "tailspin-public": 2,  # one per exposed VM
        "wingtip-ra": 1,  # the same shared front end as contoso's S2S
    }
    assert addresses.total(s) == 4  # 131.107.0.10 counted once


DOUBLE_NAT = DEFAULT.read_text().replace(
    'front_end = "131.107.0.10"', 'front_end = "10.20.0.10"\nupstream_nat = "198.51.100.200"'
)


def test_double_nat_uses_nat_t_and_bills_the_upstream_address():
    s, sim, b = _built(DOUBLE_NAT)
    cap = Capture(sim, "cap", keep=2000)
    b.uplinks["mtgw01"].connect(cap)
    sim.run(20_000_000)
    s2s = b.rd["contoso-s2s"]
    frames = [f for f, rd in zip(cap.frames, cap.rds, strict=True) if rd == s2s]
    assert frames and all(Ether(f)[IP].proto == 17 and Ether(f)[UDP].dport == 4500 for f in frames)
    assert addresses.bill(s)["contoso-s2s"]["shared"] == "198.51.100.200"


LINUX_GUESTS = DEFAULT.read_text().replace(
    'pattern = "nat"\n', 'pattern = "nat"\nguest_mtu_reduction = false\n'
)


def test_guests_that_keep_1500_lose_full_size_frames_to_the_overlay_mtu():
    """Without the guest's MTU reduction [S5], IMIX's 1500-byte frames exceed the 1458 bytes
    NVGRE leaves at a 1500-byte provider MTU [S4]: dropped TOO_BIG at the host."""
    s, sim, b = _built(LINUX_GUESTS)
    r = sim.run(50_000_000)
    drops = {(d["tenant"], d["verdict"]) for d in r.drops}
    assert drops == {(b.rd["northwind-nat"], "TOO_BIG")}


FAULTS = DEFAULT.read_text().replace(
    '[[hosts]]\nname = "hv01"',
    '[[faults]]\nkind = "gateway"\ntarget = "fwdgw01"\nat_s = 0.02\nfor_s = 0.01\n\n'
    '[[faults]]\nkind = "link"\ntarget = "hv04"\nat_s = 0.03\nfor_s = 0.005\n\n'
    '[[hosts]]\nname = "hv01"',
    1,
)


def test_faults_drop_what_arrives_while_down_and_the_books_balance():
    s, sim, b = _built(FAULTS)
    r = sim.run(60_000_000)
    down = {(d["element"], d["tenant"]) for d in r.drops if d["verdict"] == "ELEMENT_DOWN"}
    assert ("fwdgw01", b.rd["fabrikam-mpls"]) in down  # the MPLS tenant's forwarding gateway
    assert any(e.startswith("hv04.nic") for e, _ in down)
    others = {t for _, t in down} - {b.rd["fabrikam-mpls"]}
    assert others  # hv04 carries VMs of other tenants too
    assert r.accounting_problems() == []


def test_shared_nics_carry_the_front_end_too():
    """On a gateway host with shared NICs the gateways' external traffic crosses the host's
    NIC as well; with separate NICs it does not. (Exactly: the NIC sends what the vSwitch
    hands it, plus, when shared, what goes up the gateway's uplink.)"""
    for shared in (True, False):
        head = '[[gateway_hosts]]\nname = "gwhost01"\npa = "192.168.0.2"'
        text = DEFAULT.read_text().replace(head, f"{head}\nshared_nics = {str(shared).lower()}")
        s, sim, b = _built(text)
        r = sim.run(50_000_000)
        assert r.accounting_problems() == [] and r.summary["dropped"] == 0

        nic = r.element("gwhost01.nic.tx")
        external = r.element("mtgw01.uplink")["offered"]
        assert external > 0
        nic, inside = (
            nic["delivered"] + nic["in_flight"],
            r.element("gwhost01.vswitch.tx")["delivered"],
        )
        assert nic == inside + (external if shared else 0)
