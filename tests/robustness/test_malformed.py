"""Arbitrary and mangled bytes into every kernel that parses what it did not build.

Each packet must get exactly one verdict and one count, nothing may raise, and where a
twin exists the verdicts must agree. CI runs this group a second time with
NUMBA_BOUNDSCHECK=1, where any out-of-bounds access raises, and once without the JIT.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from nvbench.fastpath import esp, nvgre
from nvbench.fastpath.fragment import fragment
from nvbench.fastpath.icmp_error import errors
from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.nat1to1 import StaticNat
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.reassembly import Reassembler
from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.verdict import N_VERDICTS, new_counts
from nvbench.packet.batch import PacketBatch
from tests.oracle import esp as esp_twin
from tests.oracle import nvgre as nvgre_twin
from tests.oracle.fragments import ReassemblyModel
from tests.oracle.fragments import fragment as fragment_twin
from tests.oracle.icmp_error import error as icmp_twin
from tests.oracle.nat import NatModel
from tests.property.strategies import frame_fields, frame_from

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.hex"))
PUB = 0xC6336401


def batch(frames, headroom=128):
    # Slots exactly as large as the largest frame needs, so an overrun hits the end.
    b = PacketBatch(
        max(1, len(frames)), max_frame=max([60, *map(len, frames)]), headroom=headroom, tailroom=0
    )
    b.load(frames)
    return b


def fresh():
    """One of each stateful device, configured."""
    vs = VsidTable()
    vs.add(5001, 0)
    nat = NatTable(64, seed=1)
    nat.add_tenant(0, [PUB])
    sas = SaTable(2)
    sas.add(0x1000, "aes-gcm-128", PUB, 0xCB007101)
    one = StaticNat(4)
    one.add(0, 0x0A000105, PUB + 5)
    policy = PolicyTable(4)
    policy.add(0, 0x0A000105, 0xC0A80002, 0x00155D000002, 5001)
    policy.add(0, 0, 0xC0A800FE, 0x00155D0000FE, 5001)
    return vs, nat, sas, one, policy


def run_all(frames):
    """Every parsing kernel over ``frames``; returns the verdicts of each."""
    vs, nat, sas, one, policy = fresh()
    out = {}
    steps = {
        "nvgre_decap": lambda b, c: nvgre.decapsulate(b, vs, c),
        "nvgre_encap": lambda b, c: nvgre.encapsulate(
            b, policy, nvgre.Tunnel(1), c, np.zeros(1, np.int64)
        ),
        "nat_out": nat.outbound,
        "nat_in": nat.inbound,
        "esp_decap": lambda b, c: esp.decapsulate(b, sas, c),
        "esp_encap": lambda b, c: esp.encapsulate(b, sas, c),
        "nat1to1_out": one.outbound,
        "nat1to1_in": one.inbound,
    }
    for name, step in steps.items():
        b = batch(frames)
        b.sa[: b.n] = 0
        c = new_counts()
        step(b, c)
        assert c.sum() == len(frames), name  # one verdict counted per packet
        out[name] = b.verdict[: len(frames)].tolist()
    return out


def agree_with_twins(frames, got):
    model_nat = NatModel(64, NatTable(64, seed=1).config, fresh()[1].rings)
    model_nat.add_tenant(0, [PUB])
    sa = esp_twin.Sa(0x1000, "aes-gcm-128", PUB, 0xCB007101)
    for i, f in enumerate(frames):
        assert got["nvgre_decap"][i] == nvgre_twin.decap(f, {5001: 0})[0], f.hex()
        assert got["esp_decap"][i] == esp_twin.decap(f, {0x1000: sa}, 1, 2)[0], f.hex()
        assert got["nat_out"][i] == model_nat.outbound(f, 0, 0)[0], f.hex()


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus(path):
    frame = bytes.fromhex(path.read_text().strip())
    got = run_all([frame])
    agree_with_twins([frame], got)


@given(st.lists(st.binary(max_size=200), min_size=1, max_size=8))
def test_arbitrary_bytes(frames):
    agree_with_twins(frames, run_all(frames))


@st.composite
def mangled(draw):
    """A valid frame of some kind, then bytes flipped, cut or appended."""
    raw = bytearray(frame_from(draw(frame_fields(max_size=300))))
    vs, nat, sas, one, policy = fresh()
    kind = draw(st.sampled_from(["plain", "nvgre", "esp"]))
    if kind != "plain":
        b = batch([bytes(raw)])
        b.sa[0] = 0
        if kind == "nvgre":
            nvgre.encapsulate(b, policy, nvgre.Tunnel(1), new_counts(), np.zeros(1, np.int64))
        else:
            esp.encapsulate(b, sas, new_counts())
        raw = bytearray(b.frame(0))
    for _ in range(draw(st.integers(0, 4))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(raw)))
    return bytes(raw[:cut]) + draw(st.binary(max_size=8))


@given(st.lists(mangled(), min_size=1, max_size=6))
def test_mangled_frames(frames):
    agree_with_twins(frames, run_all(frames))


def test_no_headroom_is_a_verdict_not_a_crash():
    frame = frame_from(
        {
            "src_mac": 1,
            "dst_mac": 2,
            "src_ip": 0x0A000104,
            "dst_ip": 0x0A000105,
            "proto": 17,
            "sport": 1,
            "dport": 2,
            "size": 100,
            "tcp_flags": 0,
            "ident": 0,
        }
    )
    vs, nat, sas, one, policy = fresh()
    for step in (
        lambda b, c: nvgre.encapsulate(b, policy, nvgre.Tunnel(1), c, np.zeros(1, np.int64)),
        lambda b, c: esp.encapsulate(b, sas, c),
    ):
        b = batch([frame])
        b.offset[0] = 0  # the frame sits at the very start of its slot
        b.buf[0, : len(frame)] = np.frombuffer(frame, np.uint8)
        b.sa[0] = 0
        c = new_counts()
        step(b, c)
        assert c.sum() == 1 and b.verdict[0] != 0


@st.composite
def mangled_fragments(draw):
    """Pieces of an ESP-sized packet cut at some MTU, then bytes flipped (flags, offsets,
    lengths included), cut or appended."""
    size = draw(st.integers(0, 3000))
    ip = IP(src="131.107.0.10", dst="198.51.100.10", proto=50, id=draw(st.integers(0, 3)))
    whole = bytes(Ether() / ip / Raw(bytes(size)))
    out = []
    for piece in fragment_twin(whole, draw(st.integers(68, 1500)))[1]:
        raw = bytearray(piece)
        for _ in range(draw(st.integers(0, 3))):
            raw[draw(st.integers(14, len(raw) - 1))] = draw(st.integers(0, 255))
        out.append(bytes(raw[: draw(st.integers(0, len(raw)))]) + draw(st.binary(max_size=8)))
    return out


@given(st.lists(mangled_fragments(), min_size=1, max_size=4), st.integers(1, 3))
def test_mangled_fragments_into_reassembly(datagrams, entries):
    """Reassembly of mangled pieces (rows sized to the largest, so an overrun hits the
    slot's end): no crash, and the twin's verdicts and packets."""
    frames = [f for d in datagrams for f in d]
    b = batch(frames)
    r = Reassembler(b.slot_size, 30_000_000_000, entries)
    model = ReassemblyModel(b.slot_size - 128, 30_000_000_000, entries)
    drops, absorbed = np.zeros((1, N_VERDICTS), np.int64), np.zeros(1, np.int64)
    r.run(b, new_counts(), drops, absorbed)
    for i, f in enumerate(frames):
        v, whole, _, _ = model.take(f, 0, 0)
        assert b.verdict[i] == v, f.hex()
        if v == 0:
            assert b.frame(i) == whole
    more = fragment(batch(frames), 576, new_counts(), lambda n: PacketBatch(n, max_frame=1514))
    assert more is None or more.n > 0


@given(st.lists(mangled(), min_size=1, max_size=6))
def test_icmp_errors_about_mangled_frames(frames):
    """An error about each packet that is IPv4 enough to quote, scapy's bytes exactly;
    none about the others; no crash."""
    b = batch(frames)
    out = errors(b, np.arange(len(frames)), 3, 4, np.full(len(frames), 1446),
                 np.full(len(frames), 0x0AFE0002), lambda n: PacketBatch(n))  # fmt: skip
    want = [w for f in frames if (w := icmp_twin(f, 3, 4, 1446, 0x0AFE0002)) is not None]
    assert [out.frame(k) for k in range(out.n)] == want
