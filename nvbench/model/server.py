"""A plain queueing server with a service-time distribution (queueing-theory checks, probes).

The service time of each packet is drawn when it arrives, from the element's own seeded
generator: exponential (M/M/c), deterministic (M/D/c), or from a function of the packet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from nvbench.model.station import SHARED, Station
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

ServiceFn = Callable[[PacketBatch, np.ndarray], np.ndarray]


class Server(Station):
    """``servers`` servers with mean service ``mean_ns`` (or ``service_fn``).

    Parameters
    ----------
    service : "exponential", "deterministic" or "function"
    service_fn : callable, optional
        ``(batch, rows) -> int64 ns`` for ``service="function"``.
    """

    kind = "server"

    def __init__(
        self,
        sim: Simulation,
        name: str,
        servers: int = 1,
        service: str = "exponential",
        mean_ns: float = 1000.0,
        cap_pkts: int | None = None,
        service_fn: ServiceFn | None = None,
        dispatch: str = SHARED,
    ) -> None:
        super().__init__(sim, name, servers=servers, cap_pkts=cap_pkts, dispatch=dispatch)
        if service not in ("exponential", "deterministic", "function"):
            raise ValueError(f"{name}: service must be exponential, deterministic or function")
        if (service == "function") != (service_fn is not None):
            raise ValueError(f"{name}: service_fn goes with service='function' only")
        if mean_ns <= 0:
            raise ValueError(f"{name}: mean_ns must be > 0, got {mean_ns}")
        self.service = service
        self.mean_ns = float(mean_ns)
        self.service_fn = service_fn

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        n = rows.shape[0]
        if self.service_fn is not None:
            return np.asarray(self.service_fn(batch, rows), np.int64)
        return np.full(n, max(1, round(self.mean_ns)), np.int64)

    def draw_service(self, s: np.ndarray, order: np.ndarray) -> np.ndarray:
        if self.service != "exponential":
            return s
        # Rounded to whole ns, at least 1; the mean stays within half a ns of mean_ns.
        draws = np.rint(self.rng.exponential(self.mean_ns, size=s.shape[0])).astype(np.int64)
        out = np.empty_like(s)
        out[order] = np.maximum(draws, 1)
        return out
