"""IPv4 fragmentation and reassembly against their twins, and against scapy.

Fragmentation: the kernel's pieces equal the twin's byte for byte; scapy decodes each one
(valid header checksums, offsets, More Fragments) and its ``defragment`` puts them back
into the original packet. Reassembly: generated arrivals (datagrams cut at random MTUs,
shuffled, some pieces lost or sent twice, overlapping pieces, long pauses that let a
datagram time out, few entries) give the same verdicts, packets and books as the twin.
"""

from __future__ import annotations

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st
from scapy.layers.inet import IP, defragment
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from nvbench.fastpath import fragment as F
from nvbench.fastpath.reassembly import Reassembler
from nvbench.fastpath.verdict import MOVED, N_VERDICTS, Verdict, new_counts
from nvbench.packet.batch import PacketBatch
from tests.helpers import batch_of
from tests.oracle.checksum import checksum
from tests.oracle.fragments import ReassemblyModel
from tests.oracle.fragments import fragment as twin_fragment

S = 1_000_000_000


def esp_like(size: int, ident: int, df: bool, src: str = "131.107.0.10") -> bytes:
    """An Ethernet/IPv4 frame of protocol 50 (ESP) with ``size`` bytes of payload."""
    body = bytes((k * 7 + ident) & 0xFF for k in range(size))
    ip = IP(src=src, dst="198.51.100.10", proto=50, id=ident, flags="DF" if df else 0)
    return bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip / Raw(body))


def pieces_of(frames: list[bytes], mtu: int) -> tuple[PacketBatch, PacketBatch | None, list]:
    b = batch_of(frames, time=np.arange(len(frames)), rd=np.arange(len(frames)) % 3)
    counts = new_counts()
    more = F.fragment(b, mtu, counts, lambda n: PacketBatch(n, max_frame=9018))
    return b, more, counts


@given(
    st.lists(st.tuples(st.integers(0, 3000), st.booleans()), min_size=1, max_size=6),
    st.integers(68, 1600),
)
def test_fragments_match_the_twin_and_scapy_puts_them_back(packets, mtu):
    frames = [esp_like(size, k, df) for k, (size, df) in enumerate(packets)]
    b, more, counts = pieces_of(frames, mtu)
    got: list[list[bytes]] = [[b.frame(i)] for i in range(b.n)]
    extra = [] if more is None else [more.frame(k) for k in range(more.n)]
    at = 0
    for i, f in enumerate(frames):
        v, want = twin_fragment(f, mtu)
        assert b.verdict[i] == v
        got[i] += extra[at : at + len(want) - 1]
        at += len(want) - 1
        assert got[i] == want
        if v == Verdict.TOO_BIG:
            event("DF: too big")
            continue
        for piece in want:
            assert len(want) == 1 or len(piece) - 14 <= mtu
            assert checksum(piece[14:34]) == 0 and Ether(piece)[IP].id == i
        event(f"{len(want)} piece(s)")
        whole = defragment([Ether(p)[IP] for p in want])[0]
        assert bytes(whole)[20:] == f[34:]  # scapy's reassembly gives the payload back
    assert at == len(extra)
    assert counts[Verdict.TOO_BIG] == sum(b.verdict[: b.n] == Verdict.TOO_BIG)
    if more is not None:  # each piece carries its packet's columns, its flow marked
        assert set(more.rd[: more.n].tolist()) <= set(b.rd[: b.n].tolist())
        assert (more.flow[: more.n] < 0).all()


# An arrival: which datagram, which of its pieces (-1: all, in order), sent twice?, the
# pause before it (s).
ARRIVALS = st.lists(
    st.tuples(
        st.integers(0, 4), st.integers(-1, 7), st.booleans(), st.sampled_from([0] * 6 + [1, 31])
    ),
    min_size=1,
    max_size=40,
)


@given(
    st.lists(st.integers(0, 4000), min_size=1, max_size=5),
    st.integers(300, 1500),
    ARRIVALS,
    st.integers(1, 4),
    st.booleans(),
)
def test_reassembly_matches_the_twin(sizes, mtu, arrivals, entries, overlap):
    datagrams = [twin_fragment(esp_like(n, k, False), mtu)[1] for k, n in enumerate(sizes)]
    if overlap:  # a rogue piece that overlaps the first one's bytes (a classic attack)
        datagrams[0] = [*datagrams[0], _shifted(datagrams[0][0])]
    slot = PacketBatch(1, max_frame=9018).slot_size
    r = Reassembler(slot, 30 * S, entries)
    model = ReassemblyModel(slot - 128, 30 * S, entries)  # the largest payload a row takes
    drops = np.zeros((4, N_VERDICTS), np.int64)
    absorbed = np.zeros(4, np.int64)
    now = 0
    for d, p, twice, pause in arrivals:
        now += pause * S
        frames = datagrams[d % len(datagrams)]
        for piece in frames if p < 0 else [frames[p % len(frames)]] * (2 if twice else 1):
            # A packet's first piece has its flow (d), the others -1 - d.
            flow = d if piece is frames[0] else -1 - d
            b = PacketBatch(1, max_frame=9018)
            b.load([piece], time_ns=np.array([now]))
            b.rd[0], b.flow[0] = d % 3, flow
            r.run(b, new_counts(), drops, absorbed)
            v, whole, tenant, flow = model.take(piece, now, d % 3, flow)
            assert b.verdict[0] == v, (_name(b.verdict[0]), _name(v))
            event(_name(v))
            if v == Verdict.OK:
                assert b.frame(0) == whole and b.rd[0] == tenant and b.flow[0] == flow
                if whole != piece:
                    event("reassembled")
                    assert whole[34:] == esp_like(sizes[d % len(sizes)], d % len(sizes), False)[34:]
    r.expire(now + 31 * S, new_counts(), drops, absorbed)
    model.expire(now + 31 * S)
    for t in range(4):
        assert drops[t, Verdict.REASSEMBLY_TIMEOUT] == model.timeouts.get(t, 0)
        assert absorbed[t] == model.absorbed.get(t, 0)
    assert r.held_by_tenant(4).sum() == 0 and not model.held()


def _shifted(first: bytes) -> bytes:
    """A copy of a datagram's first piece moved 8 bytes on: it overlaps the original."""
    ihl = (first[14] & 0xF) * 4
    h = bytearray(first)
    ff = int.from_bytes(h[20:22], "big")
    h[20:22] = ((ff & 0xE000) | ((ff & 0x1FFF) + 1)).to_bytes(2, "big")
    h[24:26] = b"\0\0"
    h[24:26] = checksum(bytes(h[14 : 14 + ihl])).to_bytes(2, "big")
    return bytes(h)


def _name(v: int) -> str:
    return "MOVED (held)" if v == MOVED else Verdict(v).name
