"""Small scans the simulator runs over a batch's columns each quantum."""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath.sketch import bucket as sketch_bucket
from nvbench.packet.layouts import ETHERNET, IPV4

_DST_AT = ETHERNET.length + IPV4.offset("dst")  # of an untagged Ethernet/IPv4 frame


def selected(rows: np.ndarray | None, n: int) -> np.ndarray:
    """The rows a kernel call works on, as int64 indices: ``rows`` (checked to lie in
    ``[0, n)``, so that no kernel reads outside the batch), or all ``n`` if None."""
    if rows is None:
        return np.arange(n, dtype=np.int64)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if rows.ndim != 1 or (rows.shape[0] and (rows.min() < 0 or rows.max() >= n)):
        raise ValueError(f"rows must be indices in [0, {n}), one-dimensional")
    return rows


@kernel
def first_due(time, verdict, n, t):
    """Index of the first live (OK) packet with ``time >= t``, or ``n`` if none.

    A view's live packets are in time order, so everything before it is due.
    """
    for i in range(n):
        if verdict[i] == 0 and time[i] >= t:
            return i
    return n


@kernel
def split_point(time, verdict, n, t):
    """(k, late): ``k`` as in :func:`first_due`; ``late`` counts the live packets after
    ``k`` that are due before ``t`` all the same (the view is not in time order)."""
    k = first_due(time, verdict, n, t)
    late = 0
    for i in range(k + 1, n):
        if verdict[i] == 0 and time[i] < t:
            late += 1
    return k, late


@kernel
def count_ok(verdict, n):
    c = 0
    for i in range(n):
        if verdict[i] == 0:
            c += 1
    return c


@kernel
def live_rows(verdict, n, rows):
    """Write the indices of the live packets into ``rows``; returns how many."""
    k = 0
    for i in range(n):
        if verdict[i] == 0:
            rows[k] = i
            k += 1
    return k


@kernel
def gather_live(verdict, time, length, n, table, rows, a, size, s):
    """A station's inputs from one view in one pass: the live rows, their arrival times,
    sizes and service times (``table[length]``). Returns how many, or -1 when a length
    is past the table (the caller computes those service times itself)."""
    k = 0
    for i in range(n):
        if verdict[i] != 0:
            continue
        if length[i] >= table.shape[0]:
            return -1
        rows[k] = i
        a[k] = time[i]
        size[k] = length[i]
        s[k] = table[length[i]]
        k += 1
    return k


@kernel
def live_totals(verdict, length, n):
    """(live packets, their bytes)."""
    c = 0
    b = np.int64(0)  # int64 as plain Python too (int32 lengths would sum as int32)
    for i in range(n):
        if verdict[i] == 0:
            c += 1
            b += length[i]
    return c, b


@kernel
def write_departures(time, verdict, rows, a, d, delay, dropped_code, hist, stats):
    """Set each served packet's time to its departure plus ``delay`` and add its time in
    the element to the delay sketch; give the others ``dropped_code``. Returns the drops."""
    drops = 0
    for j in range(rows.shape[0]):
        i = rows[j]
        if d[j] < 0:
            verdict[i] = dropped_code
            drops += 1
            continue
        time[i] = d[j] + delay
        v = d[j] - a[j] + delay
        hist[sketch_bucket(v)] += 1
        stats[0] += 1
        stats[1] += v
        if v > stats[2]:
            stats[2] = v
    return drops


@kernel
def ipv4_dst(buf, offset, verdict, n, out):
    """Destination address of every live untagged Ethernet/IPv4 frame (-1 for others)."""
    for i in range(n):
        out[i] = -1
        if verdict[i] == 0:
            p = offset[i] + _DST_AT
            b = buf[i]
            out[i] = (
                (np.int64(b[p]) << 24)
                | (np.int64(b[p + 1]) << 16)
                | (np.int64(b[p + 2]) << 8)
                | np.int64(b[p + 3])
            )
