"""The latency sketch: bounded memory, quantiles within the stated relative error."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nvbench.fastpath.sketch import N_BUCKETS, RELATIVE_ERROR, LatencySketch, bounds, bucket


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
