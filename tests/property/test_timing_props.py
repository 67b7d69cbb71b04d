"""The timing kernels against their twin and against the SimPy reference, on random inputs."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nvbench.fastpath.timing import FifoQueue, PinnedQueues
from nvbench.validate import reference as ref
from tests.oracle import timing as twin


@st.composite
def traffic(draw, max_n=60):
    n = draw(st.integers(1, max_n))
    # Small gaps and services make ties and full buffers common.
    gaps = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    service = draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    size = draw(st.lists(st.integers(60, 1500), min_size=n, max_size=n))
    a = np.cumsum(np.array(gaps, np.int64))
    return a, np.array(service, np.int64), np.array(size, np.int64)


caps = st.one_of(st.none(), st.integers(1, 6))
byte_caps = st.one_of(st.none(), st.integers(1500, 6000))


def _in_pieces(station: FifoQueue, a, s, size, cuts):
    """Serve the packets in consecutive pieces, as the engine's quanta do."""
    edges = [0, *sorted(set(cuts)), a.shape[0]]
    parts = [station.serve(a[i:j], s[i:j], size[i:j]) for i, j in pairwise(edges)]
    return np.concatenate(parts)


@given(traffic(), st.integers(1, 4), caps, byte_caps, st.lists(st.integers(0, 60), max_size=4))
def test_kernel_equals_twin(data, servers, cap_pkts, cap_bytes, cuts):
    a, s, size = data
    cuts = [c for c in cuts if c <= a.shape[0]]
    got = _in_pieces(FifoQueue(servers, cap_pkts, cap_bytes), a, s, size, cuts)
    want = twin.fifo(a.tolist(), s.tolist(), size.tolist(), servers, cap_pkts, cap_bytes)
    assert got.tolist() == want


@given(traffic(max_n=40), st.integers(1, 3), caps, byte_caps)
def test_kernel_equals_simpy_reference(data, servers, cap_pkts, cap_bytes):
    a, s, size = data
    got = FifoQueue(servers, cap_pkts, cap_bytes).serve(a, s, size)
    station = ref.RefStation(s, servers, cap_pkts, cap_bytes)
    assert got.tolist() == ref.run([a], size, [station])[:, 0].tolist()


@given(traffic(), st.integers(1, 3))
def test_fifo_invariants(data, servers):
    """No packet leaves before it arrived plus its service; one server keeps the order."""
    a, s, size = data
    d = FifoQueue(servers).serve(a, s, size)
    assert (d >= a + s).all()
    if servers == 1:
        assert (np.diff(d) > 0).all()
    # Work conservation: c servers finish no later than one server would.
    assert d.max() <= FifoQueue(1).serve(a, s, size).max()


@given(traffic(), st.integers(1, 4), caps, byte_caps, st.data())
def test_pinned_servers_equal_one_twin_per_server(data, servers, cap_pkts, cap_bytes, draw):
    """RSS-style binding: each server is its own FIFO with its own buffer."""
    a, s, size = data
    server = np.array(draw.draw(st.lists(st.integers(0, servers - 1), min_size=a.shape[0],
                                         max_size=a.shape[0])), np.int64)  # fmt: skip
    got = PinnedQueues(servers, cap_pkts, cap_bytes).serve(a, s, size, server)
    for k in range(servers):
        mine = server == k
        want = twin.fifo(a[mine].tolist(), s[mine].tolist(), size[mine].tolist(), 1,
                         cap_pkts, cap_bytes)  # fmt: skip
        assert got[mine].tolist() == want
