"""Service-level objectives: upper bounds on the worst tenant's latency and loss, parsed
from ``--slo`` text such as ``p99_latency_ms<=5,loss<=0.001``."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

METRICS = ("p99_latency_ms", "p50_latency_ms", "loss")
_TERM = re.compile(r"^\s*([a-z0-9_]+)\s*<=\s*([0-9.eE+-]+)\s*$")


class SloError(ValueError):
    """A malformed --slo string."""


@dataclass(frozen=True)
class Slo:
    """Upper bounds on the worst tenant's figures; None: not constrained."""

    p99_latency_ms: float | None = None
    p50_latency_ms: float | None = None
    loss: float | None = None

    def meets(self, p50_ms: float, p99_ms: float, loss: float) -> bool:
        limits = ((self.p50_latency_ms, p50_ms), (self.p99_latency_ms, p99_ms), (self.loss, loss))
        return all(bound is None or value <= bound for bound, value in limits)

    def __str__(self) -> str:
        return ",".join(f"{k}<={v:g}" for k, v in asdict(self).items() if v is not None)


def parse_slo(text: str) -> Slo:
    """'p99_latency_ms<=5,loss<=0.001' -> Slo; SloError saying what is allowed otherwise."""
    bounds: dict[str, float] = {}
    for term in filter(None, (t.strip() for t in text.split(","))):
        m = _TERM.match(term)
        if not m or m.group(1) not in METRICS:
            raise SloError(f"--slo: {term!r} is not METRIC<=NUMBER with METRIC one of "
                           f"{', '.join(METRICS)}")  # fmt: skip
        try:
            value = float(m.group(2))
        except ValueError:
            raise SloError(f"--slo: {m.group(2)!r} in {term!r} is not a number") from None
        if not value >= 0 or math.isinf(value):
            raise SloError(f"--slo: the bound in {term!r} must be a finite number >= 0")
        if m.group(1) == "loss" and value > 1:
            raise SloError(f"--slo: loss is a fraction (0 to 1), got {value:g}")
        bounds[m.group(1)] = value
    if not bounds:
        raise SloError(f"--slo: no bound given; use METRIC<=NUMBER with METRIC one of "
                       f"{', '.join(METRICS)}")  # fmt: skip
    return Slo(**bounds)
