"""The cost model: CPU cycles per packet and per byte for each function, with sources.

A :class:`Profile` maps a function name to a :class:`Cost`. Service time on a CPU running at
``clock_hz`` is ``(cycles_per_packet + cycles_per_byte * bytes) / clock_hz``. The numbers
live in profile files (:mod:`nvbench.model.profiles`: one per Windows Server version, each
cost with its source or the reason it is assumed). ``nvbench calibrate --write-profile
FILE`` writes a profile measured on this machine as JSON; :func:`load` reads it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from nvbench.fastpath.sa import SUITES

FUNCTIONS = (
    "forward",
    "nvgre_encap",
    "nvgre_decap",
    "nvgre_encap_offload",
    "nvgre_decap_offload",
    "nat_existing",
    "nat_new",
    "nat_1to1",
    "nat_upstream",
    "vswitch",
    *(f"esp_encap:{s.name}" for s in SUITES),
    *(f"esp_decap:{s.name}" for s in SUITES),
)


SPREAD = {"forward": "flow", "nat": "flow", "esp": "connection"}  # vRSS; IPsec on one core [S23]


@dataclass(frozen=True)
class Cost:
    cycles_per_packet: float
    cycles_per_byte: float
    source: str


TABLE_BYTES = 9216 + 256  # a jumbo slot's frame and every header the fast path adds


@dataclass(frozen=True)
class Profile:
    """Cycles per function. ``name`` says where the numbers come from; a profile read from
    a file also has its ``title``, ``basis`` (how its numbers were found), ``path``, and the
    published figures that set its costs (``calibration``) and that check it
    (``validation``), see :mod:`nvbench.model.profiles`."""

    name: str
    costs: dict[str, Cost]
    title: str = ""
    basis: str = ""
    path: str = ""
    calibration: tuple = field(default=(), compare=False)
    validation: tuple = field(default=(), compare=False)
    limits: dict[str, float] = field(default_factory=dict)  # bits/s by kind (model.limits)
    shares: dict[str, float] = field(default_factory=dict)  # of a gateway's capacity, by kind
    # Which vCPU serves each gateway function (model.profiles.Spread): by flow, by connection.
    spread: dict[str, str] = field(default_factory=lambda: dict(SPREAD))

    def __post_init__(self) -> None:
        missing = sorted(set(FUNCTIONS) - set(self.costs))
        if missing:
            raise ValueError(f"profile {self.name!r} lacks costs for {missing}")

    def cycles(self, function: str, nbytes: np.ndarray) -> np.ndarray:
        """Cycles (float64) for packets of ``nbytes`` bytes."""
        c = self.costs[function]
        return c.cycles_per_packet + c.cycles_per_byte * nbytes

    def service_ns(self, function: str, nbytes: np.ndarray, clock_hz: float) -> np.ndarray:
        """Service time (int64 ns, at least 1) on a core at ``clock_hz``."""
        table = self.service_table(function, clock_hz)
        if nbytes.shape[0] and int(nbytes.max()) < table.shape[0]:
            return table[nbytes]
        return self._service_ns(function, nbytes, clock_hz)

    def _service_ns(self, function: str, nbytes: np.ndarray, clock_hz: float) -> np.ndarray:
        ns = np.ceil(self.cycles(function, nbytes) * (1e9 / clock_hz)).astype(np.int64)
        return np.maximum(ns, 1)

    def service_table(self, function: str, clock_hz: float) -> np.ndarray:
        """Service time of every packet size up to a jumbo frame with its headers, by size:
        one lookup per packet in the hot path instead of four array operations."""
        tables = self.__dict__.setdefault("_tables", {})  # a cache, not a field of the profile
        table = tables.get((function, clock_hz))
        if table is None:
            table = self._service_ns(function, np.arange(TABLE_BYTES), clock_hz)
            tables[(function, clock_hz)] = table
        return table

    def to_json(self) -> str:
        doc = {"name": self.name, "costs": {k: asdict(v) for k, v in self.costs.items()}}
        return json.dumps(doc, indent=2)


def load(path: str | Path) -> Profile:
    """Read a profile written by ``nvbench calibrate --write-profile`` (or by hand)."""
    doc = json.loads(Path(path).read_text())
    costs = {k: Cost(**v) for k, v in doc["costs"].items()}
    return Profile(doc.get("name", str(path)), costs)
