"""The latency sketch: bounded memory, quantiles within the stated relative error."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nvbench.fastpath.sketch import (
    N_BUCKETS,
    RELATIVE_ERROR,
    LatencySketch,
    SketchSet,
    absorb,
    bounds,
    bucket,
)


def _rank_quantile(values: np.ndarray, q: float) -> float:
    """The value of rank ceil(q n): the sketch's definition, computed on the raw values."""
    s = np.sort(values)
    return float(s[max(1, int(np.ceil(q * s.shape[0]))) - 1])


@given(st.lists(st.integers(0, 2**50), min_size=1, max_size=300), st.floats(0, 1))
def test_quantile_within_stated_error(values, q):
    v = np.array(values, np.int64)
    sk = LatencySketch()
    sk.add(v)
    want = _rank_quantile(v, q)
    assert abs(sk.quantile(q) - want) <= RELATIVE_ERROR * want + 1e-9
    assert sk.count == v.shape[0] and sk.max == v.max() and sk.mean == v.mean()


@given(st.integers(0, 2**62))
def test_every_value_lands_in_a_bucket_that_contains_it(v):
    b = bucket(v)
    low, width = bounds(np.array([b]))
    assert 0 <= b < N_BUCKETS
    assert low[0] <= v < low[0] + width[0]
    assert width[0] == 1 or width[0] / low[0] <= 2 * RELATIVE_ERROR


def test_memory_is_fixed_and_merging_adds():
    a, b = LatencySketch(), LatencySketch()
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 10**9, 10_000), rng.integers(0, 10**6, 5_000)
    a.add(x)
    b.add(y)
    nbytes = a.hist.nbytes
    a.merge(b)
    both = np.concatenate([x, y])
    assert a.hist.nbytes == nbytes and a.count == both.shape[0]
    for q in (0.5, 0.99):
        want = _rank_quantile(both, q)
        assert abs(a.quantile(q) - want) <= RELATIVE_ERROR * want


def test_empty_sketch():
    s = LatencySketch()
    assert np.isnan(s.quantile(0.5)) and s.count == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(-1, 5), st.integers(60, 9000),
                          st.integers(-50, 10**9)), max_size=60),
       st.lists(st.integers(0, 5), max_size=3))  # fmt: skip
def test_a_sinks_one_pass_equals_its_parts(rows, seen_before):
    """``absorb`` (a sink's bookkeeping in one kernel pass) against the same books kept
    with numpy: tenant counts, the latency sketch and the per-tenant sketches; dead rows
    skipped, negative latencies counted as 0, tenants out of range in the totals only."""
    n, t = len(rows), 4
    verdict = np.array([0 if r[0] < 2 else 7 for r in rows], np.uint8)
    rd = np.array([r[1] for r in rows], np.int32)
    length = np.array([r[2] for r in rows], np.int32)
    born = np.full(n, 1_000, np.int64)
    time = born + np.array([r[3] for r in rows], np.int64)
    fast_p, fast_b = np.zeros(t, np.int64), np.zeros(t, np.int64)
    fast, fast_keys, want, want_keys = LatencySketch(), SketchSet(t), LatencySketch(), SketchSet(t)
    for keys in (fast_keys, want_keys):
        keys.make(np.array([k for k in seen_before if k < t], np.int64))
    live = (verdict == 0) & (rd >= 0) & (rd < t)
    fast_keys.make(rd[live])
    c, b = absorb(verdict, rd, length, time, born, n, fast_p, fast_b, fast.hist, fast.stats,
                  fast_keys.index, fast_keys.hist, fast_keys.stats)  # fmt: skip
    ok = verdict == 0
    want.add(np.maximum(time[ok] - born[ok], 0))
    want_keys.add(rd[live].astype(np.int64), np.maximum(time[live] - born[live], 0))
    assert (c, b) == (int(ok.sum()), int(length[ok].sum()))
    assert np.array_equal(fast_p, np.bincount(rd[live], minlength=t)[:t])
    assert np.array_equal(fast_b, np.bincount(rd[live], weights=length[live], minlength=t)[:t])
    assert np.array_equal(fast.hist, want.hist) and np.array_equal(fast.stats, want.stats)
    for k in range(t):
        got, exp = fast_keys.get(k), want_keys.get(k)
        assert np.array_equal(got.hist, exp.hist) and np.array_equal(got.stats, exp.stats)


def test_absorb_asks_for_the_sketch_of_a_new_tenant_and_touches_nothing():
    keys, sketch, p, b = SketchSet(4), LatencySketch(), np.zeros(4, np.int64), np.zeros(4, np.int64)
    one = np.ones(1, np.int64)
    got = absorb(np.zeros(1, np.uint8), np.array([2], np.int32), np.array([64], np.int32),
                 one * 5, one, 1, p, b, sketch.hist, sketch.stats, keys.index, keys.hist,
                 keys.stats)  # fmt: skip
    assert got == (-1, 0) and sketch.count == 0 and p.sum() == 0
