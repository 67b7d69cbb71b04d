"""State sizes at the scale the issue names (deterministic byte counts, not timings)."""

import numpy as np
import pytest

from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames

MILLION = 1_000_000
CHUNK = 1 << 16


@pytest.mark.slow  # a million packets: too many for the pass without the JIT
def test_nat_state_is_at_most_64_bytes_per_session_at_a_million():
    # Paired pooling pins each inside host to one address by a hash, so the pool needs
    # headroom: 20 addresses (1.29 million ports) for a million flows of 5,000 hosts.
    pool = [0xC6336400 + a for a in range(20)]
    nat = NatTable(MILLION, seed=2)
    nat.add_tenant(0, pool)
    b = PacketBatch(CHUNK, max_frame=64, headroom=64, tailroom=0)
    counts = new_counts()
    for start in range(0, MILLION, CHUNK):
        n = min(CHUNK, MILLION - start)
        flow = start + np.arange(n)
        build_frames(
            b,
            n,
            src_ip=0x0A000000 + flow // 200,
            dst_ip=0x08080808,
            sport=1024 + flow % 200,
            size=60,
        )
        b.rd[:n] = 0
        nat.outbound(b, counts)
    assert counts[0] == MILLION
    assert nat.active() == MILLION
    assert nat.nbytes / MILLION <= 64, nat.nbytes / MILLION
