"""A one-way link: bandwidth, propagation delay, a byte buffer with tail drop, random loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.timing import DROPPED, transmission_ns
from nvbench.model.element import JITTER
from nvbench.model.station import Station
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

# A frame on the wire: its bytes, the 4-byte FCS, 8 bytes of preamble and a 12-byte
# inter-frame gap; 60 bytes at least before the FCS (IEEE 802.3; 84 B for a 64 B frame).
WIRE_OVERHEAD = 4 + 8 + 12
MIN_FRAME = 60
# A WAN path's extra delay changes course every 10 ms (assumed: the scale of an Internet
# path's queueing; NOT FOUND for the paths in question).
JITTER_EPOCH_NS = 10_000_000


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
    jitter_ns : float
        Mean of the exponential extra delay frames take on the path beyond the link (a
        WAN's delay variation; see :meth:`spread`); a frame never overtakes the one before.
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
        jitter_ns: float = 0.0,
    ) -> None:
        if bits_per_s <= 0:
            raise ValueError(f"{name}: bits_per_s must be > 0, got {bits_per_s}")
        if not 0.0 <= loss < 1.0:
            raise ValueError(f"{name}: loss must be in [0, 1), got {loss}")
        super().__init__(sim, name, servers=1, cap_bytes=buffer_bytes, delay_ns=delay_ns)
        self.bits_per_s = float(bits_per_s)
        self.loss = float(loss)
        self.lossy = self.loss > 0
        if jitter_ns < 0:
            raise ValueError(f"{name}: jitter_ns must be >= 0, got {jitter_ns}")
        self.jitter_ns = float(jitter_ns)
        self._last_exit = 0  # the latest frame's exit so far: no frame leaves before it
        self._jitter = np.zeros(0)  # the extra delay's curve, one value an epoch
        # Transmission time of every frame length up to a jumbo slot: one lookup a packet.
        self._table = transmission_ns(wire_bytes(np.arange(9216 + 256)), self.bits_per_s)

    def service_table(self) -> np.ndarray:
        return self._table

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        length = batch.length[rows]
        if length.shape[0] and int(length.max()) < self._table.shape[0]:
            return self._table[length]
        return transmission_ns(wire_bytes(length), self.bits_per_s)

    def spread(self, d: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Each served frame, in arrival order (FIFO: also departure order), leaves after the
        path's extra delay at the moment it enters it, but never before the frame ahead of
        it. The extra delay is a random curve: a fresh exponential draw every
        ``JITTER_EPOCH_NS``, in time order from the link's own stream, straight lines
        between, so the same whatever the quantum, and correlated in time as a path's
        queues are (an independent draw per frame, with no overtaking, would make a dense
        flow wait for the largest of many draws)."""
        if not self.jitter_ns:
            return d
        served = order[d[order] != DROPPED]
        if served.shape[0] == 0:
            return d
        t = d[served]
        k, frac = t // JITTER_EPOCH_NS, (t % JITTER_EPOCH_NS) / JITTER_EPOCH_NS
        curve = self._curve(int(k.max()) + 2)
        extra = curve[k] + (curve[k + 1] - curve[k]) * frac
        exits = np.maximum.accumulate(np.maximum(t + extra.astype(np.int64), self._last_exit))
        self._last_exit = int(exits[-1])
        out = d.copy()
        out[served] = exits
        return out

    def _curve(self, epochs: int) -> np.ndarray:
        """The extra delay at each of the first ``epochs`` epochs (drawn once, in order)."""
        if self._jitter.shape[0] < epochs:
            more = self.stream(JITTER).exponential(self.jitter_ns, epochs - self._jitter.shape[0])
            self._jitter = np.concatenate([self._jitter, more])
        return self._jitter

    def lose(self, n: int) -> np.ndarray | None:
        return self.rng.random(n) < self.loss if self.loss else None

    def extra(self, duration_ns: int) -> dict[str, object]:
        return {**super().extra(duration_ns), "bits_per_s": self.bits_per_s}


def duplex(sim: Simulation, name: str, bits_per_s: float, **kw) -> tuple[Link, Link]:
    """Both directions of a full-duplex link: ``(name.ab, name.ba)``, each with its own queue."""
    return Link(sim, f"{name}.ab", bits_per_s, **kw), Link(sim, f"{name}.ba", bits_per_s, **kw)
