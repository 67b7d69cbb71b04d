"""The ICMP error builder against scapy's, byte for byte, on generated packets."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, IPerror
from scapy.layers.l2 import Ether

from nvbench.fastpath.icmp_error import errors
from nvbench.packet.batch import PacketBatch
from tests.helpers import assert_checksums_valid, batch_of
from tests.oracle.icmp_error import error
from tests.property.strategies import frame_fields, frame_from

GW = 0x0AFE0002  # 10.254.0.2


@given(
    st.lists(frame_fields(max_size=1514), min_size=1, max_size=5),
    st.sampled_from([(3, 4), (3, 3)]),
    st.integers(68, 9000),
)
def test_icmp_errors_match_scapy(fields, kind_code, mtu):
    frames = [frame_from(f) for f in fields]
    b = batch_of(frames, flow=np.arange(len(frames)), rd=np.arange(len(frames)) % 2)
    kind, code = kind_code
    word = np.full(len(frames), mtu if code == 4 else 0)
    out = errors(b, np.arange(len(frames)), kind, code, word, np.full(len(frames), GW),
                 lambda n: PacketBatch(n))  # fmt: skip
    assert out.n == len(frames)
    for i, f in enumerate(frames):
        got = out.frame(i)
        assert got == error(f, kind, code, int(word[i]), GW)
        assert_checksums_valid(got)
        quoted = Ether(got)[ICMP].payload
        assert isinstance(quoted, IPerror) and quoted.src == Ether(f)[IP].src
        assert out.flow[i] == -1 - i and out.rd[i] == i % 2  # originated, its tenant's
