"""Reassembly examples: which pieces a receiver joins (its own addresses only)."""

from __future__ import annotations

import numpy as np
from scapy.layers.inet import IP, fragment
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from nvbench.fastpath.reassembly import Reassembler
from nvbench.fastpath.verdict import MOVED, N_VERDICTS, new_counts
from nvbench.packet.batch import PacketBatch

GW, ELSEWHERE = "131.107.0.10", "10.50.0.9"


def _pieces(dst: str) -> list[bytes]:
    whole = IP(src="198.51.100.10", dst=dst, proto=50, id=7) / Raw(bytes(3000))
    return [bytes(Ether() / p) for p in fragment(whole, fragsize=1480)]


def _run(r: Reassembler, frames: list[bytes]) -> PacketBatch:
    b = PacketBatch(len(frames), max_frame=9018)
    b.load(frames)
    r.run(b, new_counts(), np.zeros((1, N_VERDICTS), np.int64), np.zeros(1, np.int64))
    return b


def test_a_receiver_joins_the_pieces_sent_to_it_and_passes_the_others():
    r = Reassembler(PacketBatch(1, max_frame=9018).slot_size, own=[0x836B000A])  # GW
    mine, transit = _pieces(GW), _pieces(ELSEWHERE)
    assert len(mine) == 3
    b = _run(r, mine)
    assert b.verdict[:3].tolist() == [MOVED, MOVED, 0]
    assert Ether(b.frame(2))[IP].len == 3020 and Ether(b.frame(2))[IP].flags == 0
    b = _run(r, transit)
    assert b.verdict[:3].tolist() == [0, 0, 0] and b.frames() == transit  # as they came
    assert r.held() == 0
