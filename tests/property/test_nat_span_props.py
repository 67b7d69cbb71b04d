"""NAT on copies of the first ``nat.SPAN`` bytes of each frame equals NAT on whole frames.

The gateway runs the NAT that way when it merges several hosts' packets into arrival
order (``nvbench.model.merge.HeadMerge``), so SPAN must cover every byte the kernels read or
write: VLAN tags, IPv4 options up to IHL 15, every transport the NAT knows, and
malformed or truncated frames too. The copies sit in short slots filled with junk, as
the gateway's: a kernel that read past the span (or past the frame's end) would see it
and differ, or, under CI's bounds checks, fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_NOP
from scapy.layers.l2 import Dot1Q, Ether

from nvbench.fastpath import nat as nat_kernels
from nvbench.fastpath.gather import copy_back_heads, copy_packets, heads_batch
from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import PacketBatch
from tests.helpers import batch_of

PUBS = (0xC6336401, 0xC6336402)
INSIDE = ("10.0.1.4", "10.0.1.5")
REMOTES = ("8.8.8.8", "198.51.100.1")  # the second is one of our public addresses


@st.composite
def frames(draw):
    """A frame: UDP, TCP or ICMP echo, with or without a VLAN tag and IPv4 options, with
    a payload; or one cut short; or bytes of no particular shape."""
    shape = draw(st.sampled_from(["ok"] * 6 + ["cut", "junk"]))
    if shape == "junk":
        return draw(st.binary(min_size=0, max_size=160))
    l4 = draw(st.sampled_from(["udp", "tcp", "icmp"]))
    sport, dport = draw(st.sampled_from([1024, 5000])), draw(st.sampled_from([53, 8080]))
    layer = {
        "udp": UDP(sport=sport, dport=dport),
        "tcp": TCP(sport=sport, dport=dport, flags=draw(st.sampled_from(["S", "A", "FA", "R"]))),
        "icmp": ICMP(type=draw(st.sampled_from([8, 0, 3])), id=sport),
    }[l4]
    ip = IP(src=draw(st.sampled_from(INSIDE)), dst=draw(st.sampled_from(REMOTES)),
            options=[IPOption_NOP()] * draw(st.sampled_from([0, 4, 40])))  # fmt: skip
    eth = Ether() / Dot1Q(vlan=7) if draw(st.booleans()) else Ether()
    frame = bytes(eth / ip / layer / bytes(draw(st.integers(0, 300))))
    if shape == "cut":
        frame = frame[: draw(st.integers(0, len(frame) - 1))]
    return frame


def nat_table() -> NatTable:
    nat = NatTable(64, NatConfig(), max_tenants=2, seed=5)
    for t, pub in enumerate(PUBS):
        nat.add_tenant(t, [pub])
    return nat


def whole(nat: NatTable, b: PacketBatch, inbound: bool):
    counts, session, opened = new_counts(), np.full(b.n, -1, np.int64), np.zeros(b.n, bool)
    if inbound:
        nat.inbound(b, counts)
    else:
        nat.outbound(b, counts, session, opened)
    return counts, session, opened


def by_heads(nat: NatTable, b: PacketBatch, inbound: bool):
    """NAT on header copies in a slot of junk, then the headers copied back into ``b``."""
    rows = np.arange(b.n)
    heads = heads_batch(None, b.n, int(b.offset[: b.n].max()), nat_kernels.SPAN)
    assert heads.slot_size < b.slot_size  # short slots, as the gateway uses
    heads.buf[:] = 0xA5
    copy_packets(b, rows, heads, rows, span=nat_kernels.SPAN)
    heads.n = b.n
    out = whole(nat, heads, inbound)
    copy_back_heads(heads, rows, b, rows, nat_kernels.SPAN)
    return out


@pytest.mark.robustness  # CI runs it again with bounds checks: no read past the short slots
@given(st.lists(frames(), min_size=1, max_size=10), st.lists(st.integers(0, 1), min_size=10,
       max_size=10), st.booleans())  # fmt: skip
def test_nat_on_header_copies_equals_nat_on_frames(fs, tenants, inbound):
    fs = [f if len(f) <= 1514 else f[:1514] for f in fs]
    rd = tenants[: len(fs)]
    time = np.arange(len(fs)) * 1_000
    a, b = batch_of(fs, rd=rd, time=time), batch_of(fs, rd=rd, time=time)
    nat_a, nat_b = nat_table(), nat_table()
    if inbound:  # open mappings first, so that some of the frames find theirs
        opener = [bytes(Ether() / IP(src=h, dst="8.8.8.8") / UDP(sport=5000, dport=53))
                  for h in INSIDE]  # fmt: skip
        for n in (nat_a, nat_b):
            whole(n, batch_of(opener, rd=[0, 1]), False)
    ca, sa, oa = whole(nat_a, a, inbound)
    cb, sb, ob = by_heads(nat_b, b, inbound)
    assert a.frames() == b.frames()
    assert np.array_equal(a.verdict[: a.n], b.verdict[: b.n])
    assert np.array_equal(a.rd[: a.n], b.rd[: b.n])
    assert np.array_equal(ca, cb) and np.array_equal(sa, sb) and np.array_equal(oa, ob)
    assert nat_a.mappings() == nat_b.mappings()


def test_span_covers_the_longest_headers():
    """VLAN Ethernet (18) + IPv4 with IHL 15 (60) + TCP (20), as the layouts say."""
    frame = bytes(Ether() / Dot1Q() / IP(options=[IPOption_NOP()] * 40) / TCP())
    assert len(frame) == nat_kernels.SPAN == 98
