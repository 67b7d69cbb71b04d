"""A one-way link: bandwidth, propagation delay, a byte buffer with tail drop, random loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.timing import transmission_ns
from nvbench.model.station import Station
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

# A frame on the wire: its bytes, the 4-byte FCS, 8 bytes of preamble and a 12-byte
# inter-frame gap; 60 bytes at least before the FCS (IEEE 802.3; 84 B for a 64 B frame).
WIRE_OVERHEAD = 4 + 8 + 12
MIN_FRAME = 60


def wire_bytes(length: np.ndarray) -> np.ndarray:
    return np.maximum(length, MIN_FRAME).astype(np.int64) + WIRE_OVERHEAD


class Link(Station):
    """One direction of a link; :func:`duplex` makes the pair.

    Parameters
    ----------
    bits_per_s : float
        Line rate.
    delay_ns : int
        Propagation delay.
    buffer_bytes : int, optional
        Transmit buffer, bytes, the frame being sent included; None = unlimited.
    loss : float
        Probability that a sent frame is lost on the wire (it still used the link).
    """

    kind = "link"

    def __init__(
        self,
        sim: Simulation,
        name: str,
        bits_per_s: float,
        delay_ns: int = 0,
        buffer_bytes: int | None = None,
        loss: float = 0.0,
    ) -> None:
        if bits_per_s <= 0:
            raise ValueError(f"{name}: bits_per_s must be > 0, got {bits_per_s}")
        if not 0.0 <= loss < 1.0:
            raise ValueError(f"{name}: loss must be in [0, 1), got {loss}")
        super().__init__(sim, name, servers=1, cap_bytes=buffer_bytes, delay_ns=delay_ns)
        self.bits_per_s = float(bits_per_s)
        self.loss = float(loss)
        self.lossy = self.loss > 0
        # Transmission time of every frame length up to a jumbo slot: one lookup a packet.
        self._table = transmission_ns(wire_bytes(np.arange(9216 + 256)), self.bits_per_s)

    def service_table(self) -> np.ndarray:
        return self._table

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        length = batch.length[rows]
        if length.shape[0] and int(length.max()) < self._table.shape[0]:
            return self._table[length]
        return transmission_ns(wire_bytes(length), self.bits_per_s)

    def lose(self, n: int) -> np.ndarray | None:
        return self.rng.random(n) < self.loss if self.loss else None

    def extra(self, duration_ns: int) -> dict[str, object]:
        return {**super().extra(duration_ns), "bits_per_s": self.bits_per_s}


def duplex(sim: Simulation, name: str, bits_per_s: float, **kw) -> tuple[Link, Link]:
    """Both directions of a full-duplex link: ``(name.ab, name.ba)``, each with its own queue."""
    return Link(sim, f"{name}.ab", bits_per_s, **kw), Link(sim, f"{name}.ba", bits_per_s, **kw)
