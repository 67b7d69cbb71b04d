"""Arrival order across views: the merge a gateway makes before its stateful functions."""

from __future__ import annotations

import numpy as np
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from nvbench.fastpath.verdict import MOVED
from nvbench.model.merge import HeadMerge, arrival_order, merged_frames
from nvbench.model.simulation import Simulation
from nvbench.packet.batch import PacketBatch
from tests.helpers import batch_of


def _view(times: list[int], port0: int, dead: tuple[int, ...] = ()) -> PacketBatch:
    frames = [bytes(Ether() / IP() / UDP(sport=port0 + k)) for k in range(len(times))]
    b = batch_of(frames, time=times)
    b.verdict[list(dead)] = MOVED
    return b


def test_interleaved_views_get_places_in_time_order():
    a, b = _view([10, 30, 50], 1000), _view([20, 40], 2000)
    live, rows, pos = arrival_order([a, b])
    assert live == [0, 1]
    times = np.concatenate([a.time[rows[0]], b.time[rows[1]]])
    assert pos is not None and list(times[np.argsort(pos)]) == [10, 20, 30, 40, 50]


def test_no_merge_when_in_order_or_alone():
    a, b = _view([10, 20], 1000), _view([30], 2000)
    assert arrival_order([a, b])[2] is None
    empty = _view([5], 3000, dead=(0,))
    assert arrival_order([empty, a]) == ([1], [], None)


def test_merged_frames_carry_the_frames_in_time_order():
    a, b = _view([10, 30], 1000, dead=()), _view([20], 2000)
    out = merged_frames(Simulation(), [a, b])
    assert len(out) == 1
    sports = [UDP in Ether(f) and Ether(f)[UDP].sport for f in out[0].frames()]
    assert sports == [1000, 2000, 1001]
    assert (a.verdict[:2] == MOVED).all() and b.verdict[0] == MOVED


def test_head_merge_runs_once_in_time_order_and_maps_notes_back():
    a, b = _view([10, 30, 50], 1000, dead=(1,)), _view([20, 40], 2000)
    seen, marked = [], []

    def fn(batch, mark):
        seen.append(batch.time[: batch.n].tolist())
        marked.append(mark.tolist())
        batch.rd[: batch.n] = np.arange(batch.n) + 1  # the place each packet had
        return batch.time[: batch.n].copy()

    def take(note, rows, n, at):
        out = np.full(n, -1, np.int64)
        out[at] = note[rows]
        return out

    marks = [np.array([7, 8, 9]), np.array([-1, -2])]  # each row's mark rides with it
    notes = HeadMerge(64, ("offset", "length", "time", "rd", "verdict")).apply(
        [a, b], fn, take, marks
    )
    assert seen == [[10, 20, 40, 50]]
    assert marked == [[7, -1, -2, 9]]
    assert notes[0].tolist() == [10, -1, 50] and notes[1].tolist() == [20, 40]
    assert a.rd[[0, 2]].tolist() == [1, 4] and b.rd[:2].tolist() == [2, 3]  # copied back
