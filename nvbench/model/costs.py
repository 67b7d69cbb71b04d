"""The cost model: CPU cycles per packet and per byte for each function, with sources.

A :class:`Profile` maps a function name to a :class:`Cost`. Service time on a CPU running at
``clock_hz`` is ``(cycles_per_packet + cycles_per_byte * bytes) / clock_hz``. The default
profile below takes its numbers from FACTS.md; each entry says where it comes from, and says
"assumed" where no published figure was found. ``nvbench calibrate --write-profile FILE``
writes a profile measured on this machine; :func:`load` reads either kind.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
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
    *(f"esp_encap:{s.name}" for s in SUITES),
    *(f"esp_decap:{s.name}" for s in SUITES),
)


@dataclass(frozen=True)
class Cost:
    cycles_per_packet: float
    cycles_per_byte: float
    source: str


# Published anchors (FACTS.md "Fast-path and simulator speed anchors" and section 3).
_VPP_IP4 = Cost(595, 0, "FDio/vpp#2272 (VPP-832): ip4 routing 595 clocks/pkt, 64 B, one core")
_VPP_NAT = Cost(2253, 0, "FDio/vpp#2272 (VPP-832): deterministic NAT 2253 clocks/pkt, one core")
# Linux forwarding ~0.9 Mpps per core (blog.apnic.net 2020-04-17); at an assumed 2.25 GHz
# that is 2500 cycles. A kernel tunnel costs ~30 % of the throughput (cilium/cilium#24306:
# 8.24 -> 5.8 Gb/s), i.e. x1.42 the cycles. Without offload the inner checksums are done in
# software [S9]; the gain of offload is NOT FOUND, so offload is modelled as removing the
# tunnel penalty and the per-byte checksum work (1 cycle/byte assumed).
_HOST_FWD = 2500.0
_TUNNEL = 8.24 / 5.8
# IPsec on the Windows gateway: one WS2016 S2S connection carries ~300 Mbit/s, confined to
# one core [S21][S23]. At an assumed 2.6 GHz (the hosts' default clock; the core of that
# measurement is NOT FOUND) that is 2.6e9 / 37.5e6 = 69 cycles per byte, charged per byte.
# The suites' relative costs are NOT FOUND: GCM-256 assumed x1.2, CBC+HMAC (two passes) x2.
# (A user-space data plane is ~25x cheaper: VPP AES-GCM-128 does 2.13 Mpps of IMIX on one
# 2.1 GHz core [S32]; `nvbench calibrate --write-profile` measures this machine instead.)
_WS2016_IPSEC_CPB = 2.6e9 / (300e6 / 8)

DEFAULTS: dict[str, Cost] = {
    "forward": _VPP_IP4,
    "nat_existing": _VPP_NAT,
    "nat_new": Cost(2 * 2253, 0, "assumed 2x nat_existing (session set-up cost NOT FOUND)"),
    "nat_1to1": Cost(595 + 300, 0, "assumed: ip4 forwarding [VPP-832] + a static rewrite"),
    "nvgre_encap": Cost(_HOST_FWD * _TUNNEL, 1.0, "apnic 0.9 Mpps/core, cilium#24306 -30 %"),
    "nvgre_decap": Cost(_HOST_FWD * _TUNNEL, 1.0, "apnic 0.9 Mpps/core, cilium#24306 -30 %"),
    "nvgre_encap_offload": Cost(_HOST_FWD, 0, "apnic 0.9 Mpps/core; offload gain NOT FOUND"),
    "nvgre_decap_offload": Cost(_HOST_FWD, 0, "apnic 0.9 Mpps/core; offload gain NOT FOUND"),
}
for _s in SUITES:
    _factor = 1.0 if _s.name == "aes-gcm-128" else 1.2 if _s.name == "aes-gcm-256" else 2.0
    for _d in ("encap", "decap"):
        DEFAULTS[f"esp_{_d}:{_s.name}"] = Cost(
            0, round(_WS2016_IPSEC_CPB * _factor, 2),
            f"[S21] WS2016: one IPsec tunnel ~300 Mbit/s on a core (2.6 GHz assumed) x{_factor}",
        )  # fmt: skip


TABLE_BYTES = 9216 + 256  # a jumbo slot's frame and every header the fast path adds


@dataclass(frozen=True)
class Profile:
    """Cycles per function. ``name`` says where the numbers come from."""

    name: str
    costs: dict[str, Cost]

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


def default() -> Profile:
    """The published-figures profile."""
    return Profile("published (FACTS.md)", dict(DEFAULTS))


def load(path: str | Path) -> Profile:
    """Read a profile written by ``nvbench calibrate --write-profile`` (or by hand)."""
    doc = json.loads(Path(path).read_text())
    costs = {k: Cost(**v) for k, v in doc["costs"].items()}
    return Profile(doc.get("name", str(path)), costs)
