"""What ``nvbench validate`` compares: published figures, measures, and its rows."""

from __future__ import annotations

from dataclasses import dataclass

TOLERANCE = 0.15


@dataclass(frozen=True)
class Published:
    """A published figure a measure can be compared with."""

    figure: str  # the id the profiles' calibration and validation lists use
    value: float
    says: str


@dataclass(frozen=True)
class Measure:
    key: str
    what: str
    unit: str
    figures: tuple[Published, ...]  # at most one applies to a profile


@dataclass
class Row:
    measure: str
    what: str
    unit: str
    simulated: float
    figure: str | None = None  # its id, e.g. "S21/ws2016-ipsec-connection"
    published: float | None = None
    role: str = ""  # "validation", "calibration", "identity" (exact) or "" (no figure)
    limited_by: str = ""  # what saturates first, with its utilization

    @property
    def ratio(self) -> float | None:
        return None if not self.published else self.simulated / self.published

    @property
    def verdict(self) -> str:
        if self.published is None:
            return "no published figure"
        if self.role == "calibration":
            return "calibrated: reproduces its input"
        if self.role == "identity":  # exactly, or not at all
            return "PASS" if self.simulated == self.published else "FAIL"
        assert self.ratio is not None
        return "PASS" if abs(self.ratio - 1) <= TOLERANCE else "FAIL"
