"""A kernel asked to work on some rows of a batch (``rows=``) does to them exactly what it
does to a batch of those rows alone, in the same order, and leaves the other rows as they
were: the gateway runs each tenant's function on that tenant's rows that way."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from nvbench.fastpath import esp
from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import PacketBatch
from tests.helpers import batch_of
from tests.property.test_nat_span_props import frames

PUB = 0xC6336401


def _nat() -> NatTable:
    nat = NatTable(64, NatConfig(), max_tenants=1, seed=3)
    nat.add_tenant(0, [PUB])
    return nat


def _columns(b: PacketBatch, rows) -> tuple:
    return tuple(getattr(b, c)[rows].tolist() for c in ("offset", "length", "rd", "sa", "verdict"))


def _frames_at(b: PacketBatch, rows) -> list[bytes]:
    return [b.frame(int(i)) for i in rows]


def _check(run, fs, chosen):
    """``run(batch, rows)`` on the chosen rows of a batch of ``fs`` against ``run(batch,
    None)`` on a batch of the chosen frames alone."""
    rows = np.flatnonzero(chosen)
    other = np.flatnonzero(~np.asarray(chosen))
    b = batch_of(fs, time=np.arange(len(fs)) * 1000, sa=0)
    alone = batch_of([fs[i] for i in rows], time=rows * 1000, sa=0)
    before = (_frames_at(b, other), _columns(b, other))
    got, want = run(b, rows), run(alone, None)
    assert got == want
    assert _frames_at(b, rows) == _frames_at(alone, range(rows.shape[0]))
    assert _columns(b, rows) == _columns(alone, slice(0, rows.shape[0]))
    assert (_frames_at(b, other), _columns(b, other)) == before


CHOICE = st.lists(st.booleans(), min_size=12, max_size=12)


@pytest.mark.robustness
@given(st.lists(frames(), min_size=1, max_size=12), CHOICE, st.booleans())
def test_nat_on_rows_equals_nat_on_those_frames(fs, pick, inbound):
    fs = [f[:1514] for f in fs]
    chosen = pick[: len(fs)]
    opener = [bytes(Ether() / IP(src="10.0.1.4", dst="8.8.8.8") / UDP(sport=5000, dport=53))]

    def run(b, rows):
        nat, counts = _nat(), new_counts()
        nat.outbound(batch_of(opener), new_counts())
        if inbound:
            nat.inbound(b, counts, rows=rows)
            return counts.tolist(), nat.mappings()
        session, opened = np.full(b.n, -1, np.int64), np.zeros(b.n, bool)
        nat.outbound(b, counts, session, opened, rows=rows)
        r = np.arange(b.n) if rows is None else rows
        return counts.tolist(), nat.mappings(), session[r].tolist(), opened[r].tolist()

    _check(run, fs, chosen)


@pytest.mark.robustness
@given(st.lists(frames(), min_size=1, max_size=12), CHOICE)
def test_esp_on_rows_equals_esp_on_those_frames(fs, pick):
    fs = [f[:1400] for f in fs]
    chosen = pick[: len(fs)]

    def run(b, rows):
        sas, counts = SaTable(2), new_counts()
        sas.add(0x1234, "aes-gcm-128", 0x01020304, 0x05060708)
        esp.encapsulate(b, sas, counts, rows=rows)
        encap_counts = counts.tolist()
        rx = SaTable(2)
        rx.add(0x1234, "aes-gcm-128", 0x01020304, 0x05060708, tenant=0)
        esp.decapsulate(b, rx, counts, rows=rows)  # the packets it just made, and the rest
        return encap_counts, counts.tolist()

    _check(run, fs, chosen)


@pytest.mark.parametrize("rows", [np.array([0, 3]), np.array([-1]), np.array([[0]])])
def test_rows_outside_the_batch_are_refused(rows):
    b = batch_of([bytes(Ether() / IP() / UDP())] * 3)
    with pytest.raises(ValueError, match="rows must be indices"):
        _nat().outbound(b, new_counts(), rows=rows)
    with pytest.raises(ValueError, match="rows must be indices"):
        esp.encapsulate(b, SaTable(1), new_counts(), rows=rows)
