"""The undo of NAT mappings whose opening packet the full queue dropped."""

from __future__ import annotations

import numpy as np
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.verdict import BUFFER_FULL, new_counts
from nvbench.model.nat_books import NatNotes, translate, unopen_dropped
from tests.helpers import batch_of

PUB = 0xC6336401


def _nat() -> NatTable:
    nat = NatTable(64, NatConfig(), max_tenants=1, seed=3)
    nat.add_tenant(0, [PUB])
    return nat


def _frame(sport: int, dst: str = "8.8.8.8") -> bytes:
    return bytes(Ether() / IP(src="10.0.1.4", dst=dst) / UDP(sport=sport, dport=53))


def _outbound(nat: NatTable, b):
    return translate(nat, b, new_counts(), np.arange(b.n), np.zeros(b.n, np.bool_))


def test_notes_say_which_packet_opened_which_mapping_and_which_hairpins():
    nat = _nat()
    b = batch_of([_frame(5000), _frame(5000), _frame(5001, "198.51.100.1")], time=[1, 2, 3])
    notes = _outbound(nat, b)
    assert notes.opened.tolist() == [True, False, True]
    assert notes.session[0] == notes.session[1] != notes.session[2]
    assert notes.hairpin.tolist() == [False, False, True]


def test_a_mapping_opened_only_by_dropped_packets_is_undone():
    nat = _nat()
    b = batch_of([_frame(5000), _frame(5001), _frame(5001)], time=[1, 2, 3])
    notes = _outbound(nat, b)
    b.verdict[[0, 1]] = BUFFER_FULL  # the queue took only the third packet
    assert unopen_dropped(nat, [b], [notes]) == 1  # 5001's mapping stays: the third used it
    assert nat.active() == 1


def test_nothing_to_undo_without_drops_or_notes():
    nat = _nat()
    b = batch_of([_frame(5000)], time=[1])
    notes = _outbound(nat, b)
    assert unopen_dropped(nat, [b, b], [notes, None]) == 0 and nat.active() == 1


def test_take_moves_notes_to_the_view_rows():
    src = NatNotes(
        np.array([7, 8, 9]), np.array([True, False, True]), np.array([False, True, False]),
        np.array([False, False, True]),
    )  # fmt: skip
    out = src.take(np.array([2, 0]), 4, np.array([1, 3]))
    assert out.session.tolist() == [-1, 9, -1, 7]
    assert out.opened.tolist() == [False, True, False, True]
    assert out.hairpin.tolist() == [False, False, False, False]
    assert out.refused.tolist() == [False, True, False, False]
