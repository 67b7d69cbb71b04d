"""A bounded latency histogram with a stated relative error (log-linear buckets, as HDR).

Values (int64 ns, >= 0) below 2*SUB are counted exactly. Above, a value v with
``k = bit_length(v) - SUB_BITS - 1`` lands in the bucket of ``v >> k`` (SUB..2*SUB-1),
whose width is ``2**k``: at most ``1/SUB`` of any value in it. A quantile is reported as
its bucket's midpoint, so it is off by at most ``1/(2*SUB)`` relative: 0.2 % with
SUB = 256. The mean and the maximum are kept exactly beside the buckets.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel

SUB_BITS = 8
SUB = 1 << SUB_BITS
MAX_SHIFT = 63 - SUB_BITS
N_BUCKETS = 2 * SUB + MAX_SHIFT * SUB
RELATIVE_ERROR = 1 / (2 * SUB)


@kernel
def bucket(v):
    if v < 2 * SUB:
        return v
    k = 0
    x = v >> (SUB_BITS + 1)
    while x > 0:
        x >>= 1
        k += 1
    return 2 * SUB + (k - 1) * SUB + ((v >> k) - SUB)


@kernel
def _add(hist, values, stats):
    """stats: [count, sum, max]."""
    for i in range(values.shape[0]):
        v = values[i]
        if v < 0:
            v = 0
        hist[bucket(v)] += 1
        stats[0] += 1
        stats[1] += v
        if v > stats[2]:
            stats[2] = v


@kernel
def _add_by_key(hist, stats, key, values, index):
    """Add ``values[i]`` to sketch ``index[key[i]]`` (rows of ``hist`` and ``stats``)."""
    for i in range(values.shape[0]):
        r = index[key[i]]
        v = values[i]
        if v < 0:
            v = 0
        hist[r, bucket(v)] += 1
        stats[r, 0] += 1
        stats[r, 1] += v
        if v > stats[r, 2]:
            stats[r, 2] = v


@kernel
def absorb(verdict, rd, length, time, born, n, packets, nbytes, hist, stats, key_index,
           key_hist, key_stats):  # fmt: skip
    """A sink's whole bookkeeping for one view, in one pass: each live packet counts for
    its tenant (``packets``, ``nbytes``; a tenant index outside them counts in the totals
    only) and its latency ``time - born`` goes into the sketch and its tenant's.

    Returns (packets, bytes) absorbed, or (-1, 0), touching nothing, when a live packet's
    tenant has no sketch yet (``key_index < 0``): the caller adds the sketches first.

    Parameters
    ----------
    verdict, rd, length, time, born : uint8[n], int32[n], int32[n], int64[n], int64[n]
        The view's columns (only the first ``n`` rows are read).
    packets, nbytes : int64[T]
        Per tenant, added to.
    hist, stats : int64[B], int64[3]
        The sink's latency sketch: bucket counts and (count, sum, max).
    key_index : int64[T]
        Each tenant's row in ``key_hist``/``key_stats``, -1 for none yet.
    key_hist, key_stats : int64[K, B], int64[K, 3]
        The tenants' own sketches.
    """
    t = packets.shape[0]
    for i in range(n):
        if verdict[i] == 0 and 0 <= rd[i] < t and key_index[rd[i]] < 0:
            return -1, 0
    c = 0
    b = np.int64(0)  # int64 as plain Python too (int32 lengths would sum as int32)
    for i in range(n):
        if verdict[i] != 0:
            continue
        v = time[i] - born[i]
        if v < 0:
            v = 0
        k = bucket(v)
        hist[k] += 1
        stats[0] += 1
        stats[1] += v
        if v > stats[2]:
            stats[2] = v
        c += 1
        b += length[i]
        r = rd[i]
        if 0 <= r < t:
            packets[r] += 1
            nbytes[r] += length[i]
            j = key_index[r]
            key_hist[j, k] += 1
            key_stats[j, 0] += 1
            key_stats[j, 1] += v
            if v > key_stats[j, 2]:
                key_stats[j, 2] = v
    return c, b


def bounds(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest value and width of buckets ``b``."""
    b = np.asarray(b, np.int64)
    exact = b < 2 * SUB
    k = np.where(exact, 0, (b - 2 * SUB) // SUB + 1)
    m = np.where(exact, b, (b - 2 * SUB) % SUB + SUB)
    return m << k, np.int64(1) << k


class LatencySketch:
    """Counts of latencies (ns) in ``N_BUCKETS`` buckets; merge by adding."""

    def __init__(self) -> None:
        self.hist = np.zeros(N_BUCKETS, np.int64)
        self.stats = np.zeros(3, np.int64)  # count, sum, max

    def add(self, values: np.ndarray) -> None:
        _add(self.hist, np.ascontiguousarray(values, dtype=np.int64), self.stats)

    def merge(self, other: LatencySketch) -> None:
        self.hist += other.hist
        self.stats[:2] += other.stats[:2]
        self.stats[2] = max(self.stats[2], other.stats[2])

    @property
    def count(self) -> int:
        return int(self.stats[0])

    @property
    def mean(self) -> float:
        return float(self.stats[1] / self.stats[0]) if self.stats[0] else float("nan")

    @property
    def max(self) -> int:
        return int(self.stats[2])

    def quantile(self, q: float) -> float:
        """The q-quantile (the value of rank ceil(q * count)), within RELATIVE_ERROR."""
        if not 0 <= q <= 1:
            raise ValueError(f"q must be in 0..1, got {q}")
        if not self.stats[0]:
            return float("nan")
        rank = max(1, int(np.ceil(q * self.stats[0])))
        b = int(np.searchsorted(np.cumsum(self.hist), rank))
        low, width = bounds(np.array([b]))
        if width[0] == 1:
            return float(low[0])
        return float(min(low[0] + width[0] / 2, self.stats[2]))

    def summary(self) -> dict[str, float]:
        """mean, p50, p95, p99, p99.9 and max, ns."""
        out = {"mean": self.mean}
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("p999", 0.999)):
            out[name] = self.quantile(q)
        out["max"] = float(self.max) if self.count else float("nan")
        return out


class SketchSet:
    """One :class:`LatencySketch` per key (a tenant), grown as new keys appear."""

    def __init__(self, max_key: int) -> None:
        self.index = np.full(max_key, -1, np.int64)
        self.hist = np.zeros((0, N_BUCKETS), np.int64)
        self.stats = np.zeros((0, 3), np.int64)

    def add(self, key: np.ndarray, values: np.ndarray) -> None:
        self.make(key)
        _add_by_key(self.hist, self.stats, key, np.ascontiguousarray(values, np.int64), self.index)

    def make(self, key: np.ndarray) -> None:
        """Add an empty sketch for every key of ``key`` that has none yet."""
        new = np.unique(key[self.index[key] < 0])
        if new.shape[0]:
            self.index[new] = self.hist.shape[0] + np.arange(new.shape[0])
            self.hist = np.concatenate([self.hist, np.zeros((new.shape[0], N_BUCKETS), np.int64)])
            self.stats = np.concatenate([self.stats, np.zeros((new.shape[0], 3), np.int64)])

    def keys(self) -> list[int]:
        return np.flatnonzero(self.index >= 0).tolist()

    def get(self, key: int) -> LatencySketch:
        """A copy of ``key``'s sketch (empty if the key was never seen)."""
        out = LatencySketch()
        r = self.index[key]
        if r >= 0:
            out.hist[:] = self.hist[r]
            out.stats[:] = self.stats[r]
        return out
