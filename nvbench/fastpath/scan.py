"""Small scans the simulator runs over a batch's columns each quantum."""

from __future__ import annotations

from nvbench.config import kernel


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
def count_ok(verdict, n):
    c = 0
    for i in range(n):
        if verdict[i] == 0:
            c += 1
    return c
