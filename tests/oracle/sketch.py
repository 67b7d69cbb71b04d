"""Twin of nvbench.fastpath.sketch: buckets found by searching their lower bounds, and
quantiles from the sorted values themselves."""

from __future__ import annotations

import bisect
import math

SUB = 256  # values below 2*SUB exact; above, buckets of width 2**k for values of 9+k bits


def _lows() -> list[int]:
    lows = list(range(2 * SUB))
    for k in range(1, 64 - 8):
        lows += [m << k for m in range(SUB, 2 * SUB)]
    return lows


LOWS = _lows()


def bucket(v: int) -> int:
    return bisect.bisect_right(LOWS, v) - 1


def quantile(values: list[int], q: float) -> float:
    """The value of rank ceil(q * count)."""
    ordered = sorted(max(0, v) for v in values)
    return float(ordered[max(1, math.ceil(q * len(ordered))) - 1])
