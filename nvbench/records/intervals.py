"""Confidence intervals over replications: the mean of a figure and its 95 % t-interval.

Replications of one scenario differ only in their seeds (independent children of one
SeedSequence), so each figure's values are independent and identically distributed; the
interval is Student's t over them (mean ± t(0.975, n-1) · s / √n). It describes the
uncertainty of the mean from the randomness of the run (arrivals, sizes, hashes), not the
model's error against a real gateway. With one replication there is no interval (null).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import fmean, stdev
from typing import Any

LEVEL = 0.95
SUFFIXES = ("_ci_low", "_ci_high")


def t_quantile(level: float, freedom: int) -> float:
    """The two-sided ``level`` quantile of Student's t with ``freedom`` degrees of freedom."""
    from scipy.stats import t  # scipy loads in ~0.3 s: only when an interval is asked for

    return float(t.ppf((1 + level) / 2, freedom))


def interval(values: Iterable[float | None]) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high) of the finite values given (a latency is None where a run
    delivered nothing: left out); (None, None, None) without any, no interval for one."""
    xs = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not xs:
        return None, None, None
    m = fmean(xs)
    if len(xs) < 2:
        return m, None, None
    half = t_quantile(LEVEL, len(xs) - 1) * stdev(xs) / math.sqrt(len(xs))
    return m, m - half, m + half


def summarise(
    runs: Sequence[Sequence[dict[str, Any]]], key: str, measured: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per ``key`` value from the rows of each replication (``runs[r]``): the
    ``measured`` figures as their mean with ``<figure>_ci_low``/``_ci_high``, text figures
    as their most frequent value across replications (the first seen on a tie), the rest
    (what the scenario sets: a gateway's name, a public IPv4 bill) as the first run has it,
    and ``replications``, how many runs had a row for the key."""
    by: dict[Any, list[dict[str, Any]]] = {}
    for rows in runs:
        for row in rows:
            by.setdefault(row[key], []).append(row)
    out = []
    for group in by.values():
        row = dict(group[0])
        for name in measured:
            m, low, high = interval(r[name] for r in group)
            row |= {name: m, f"{name}_ci_low": low, f"{name}_ci_high": high}
        for name, value in group[0].items():
            if isinstance(value, str) and name not in measured and name != key:
                row[name] = Counter(r[name] for r in group).most_common(1)[0][0]
        row["replications"] = len(group)
        out.append(row)
    return out


def pessimistic(mean: float | None, high: float | None) -> float | None:
    """The upper end of an interval when there is one, else the mean: what an SLO on a
    figure that must stay low (a latency, a loss) is checked against."""
    return high if high is not None else mean
