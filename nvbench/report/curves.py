"""What a sweep's or a run's rows become on a plot: one line per VM network (its pattern's
colour), one point per x (a swept value) with the mean over the replications and its 95 %
t-interval as an error bar, one panel (facet) per combination of the other swept values.
Nothing swept is averaged away; only replications are, into their interval."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nvbench.records.intervals import interval

Y = Callable[[dict[str, Any]], float | None]
MAX_FACETS = 12


@dataclass
class Mean:
    """A line's mean at one x, and its interval."""

    x: float
    mean: float
    low: float | None  # None: one replication, no interval
    high: float | None


@dataclass
class Line:
    pattern: str
    vm_network: str
    points: list[Mean]


@dataclass
class Axes:
    """How a sweep's rows are laid out: the x column and the columns that make facets."""

    x: str | None  # None: nothing swept varies
    facets: list[str]
    label: str  # the x axis's words
    scale: float = 1.0  # of x's values on the axis


def layout(rows: list[dict[str, Any]], swept: dict[str, str]) -> Axes:
    """The first swept value that varies on x, a traffic rate first (in kpackets/s); every
    other swept value that varies makes facets. Every VM network is drawn against it, so
    that what one tenant's load does to the others shows too."""
    varies = [c for c in swept if len({repr(r.get(c)) for r in rows}) > 1]
    if not varies:
        return Axes(None, [], "")
    rates = [c for c in varies if swept[c].endswith("rate_pps")]
    x = (rates or varies)[0]
    rest = [c for c in varies if c != x]
    if x in rates:
        return Axes(x, rest, f"{swept[x]} (kpackets/s)", 1e-3)
    return Axes(x, rest, swept[x])


def facets(rows: list[dict[str, Any]], columns: list[str]) -> tuple[list[tuple[tuple, list]], int]:
    """The rows of each combination of ``columns``' values, in sorted order (the first
    MAX_FACETS), and how many combinations there are."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[tuple(r.get(c) for c in columns)].append(r)
    ordered = sorted(groups.items(), key=lambda kv: [repr(v) for v in kv[0]])
    return ordered[:MAX_FACETS], len(ordered)


def lines(rows: list[dict[str, Any]], x: str | None, y: Y) -> list[Line]:
    """One line per VM network: at each x, the mean of ``y`` over the rows (replications)
    there and its interval."""
    at: dict[tuple[str, str], dict[float, list]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        value = y(r)
        if value is None or (x is not None and r.get(x) is None):
            continue
        key = (r["pattern"], r["vm_network"])
        at[key][0.0 if x is None else float(r[x])].append(value)
    out = []
    for (pattern, name), values in at.items():
        points = []
        for xv in sorted(values):
            mean, low, high = interval(values[xv])
            if mean is not None:
                points.append(Mean(xv, mean, low, high))
        out.append(Line(pattern, name, points))
    return out


def error_bars(points: list[Mean], scale: float = 1.0) -> list[list[float]]:
    """Matplotlib's yerr: the distances from each mean down and up to its interval's ends
    (0 where there is no interval)."""
    down = [0.0 if p.low is None else (p.mean - p.low) * scale for p in points]
    up = [0.0 if p.high is None else (p.high - p.mean) * scale for p in points]
    return [down, up]
