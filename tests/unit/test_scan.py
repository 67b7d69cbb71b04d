"""The small per-view scans of the engine, against numpy doing the same."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nvbench.fastpath.scan import gather_live


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 0, 0, 3, 254]), st.integers(0, 120),
                          st.integers(0, 10**9)), max_size=50))  # fmt: skip
def test_gather_live_equals_numpy(rows):
    """A station's inputs in one pass: live rows, arrivals, sizes, ``table[length]``;
    -1 as soon as a live frame is longer than the table, whatever the others."""
    n = len(rows)
    verdict = np.array([r[0] for r in rows], np.uint8)
    length = np.array([r[1] for r in rows], np.int32)
    time = np.array([r[2] for r in rows], np.int64)
    table = np.arange(100, dtype=np.int64) * 7 + 1
    out = [np.full(n, -5, np.int64) for _ in range(4)]
    k = gather_live(verdict, time, length, n, table, *out)
    live = np.flatnonzero(verdict == 0)
    if (length[live] >= table.shape[0]).any():
        assert k == -1
        return
    assert k == live.shape[0]
    r, a, size, s = (x[:k] for x in out)
    assert np.array_equal(r, live) and np.array_equal(a, time[live])
    assert np.array_equal(size, length[live]) and np.array_equal(s, table[length[live]])
