"""Traffic sources: real frames at exact times, per tenant.

A source builds its packets with the fast path's builders, quantum by quantum, and stamps
each with the time it is sent (``time`` and ``born``), its tenant (``rd``) and its flow.

- :class:`PacketSource`: a Poisson or constant-bit-rate process over a fixed set of flows.
- :class:`FlowSource`: flows arrive as a Poisson process (a SimPy process, one event per
  flow); each sends a fixed, exponential or Pareto number of packets at its own rate.
- :class:`TraceSource`: given times and sizes (tests, replays).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from nvbench.model.element import FLOW_CHOICE, FLOW_LENGTHS, GAPS, SIZES, Element
from nvbench.model.metrics import TenantCounters
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import (
    IMIX_SIZES,
    IMIX_WEIGHTS,
    MIN_FRAME,
    build_flow_frames,
    build_frames,
)
from nvbench.packet.layouts import IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

PROTOCOLS = {"udp": IPPROTO_UDP, "tcp": IPPROTO_TCP, "icmp": IPPROTO_ICMP}
# To the discard port (RFC 863) from Windows' dynamic ports (49152-65535, RFC 6335): a capture
# shows the filler as data (to 53 it was malformed DNS; below 49152 Wireshark takes 1 in 200).
DST_PORT = np.zeros(256, np.int64)
DST_PORT[IPPROTO_UDP], DST_PORT[IPPROTO_TCP] = 9, 9
SPORT_BASE, SPORTS = 49152, 16384
TCP_SYN, TCP_ACK = 0x02, 0x10


@dataclass(frozen=True)
class Sizes:
    """Frame sizes (bytes, no FCS) and their weights; draws are random, weighted."""

    sizes: tuple[int, ...]
    weights: tuple[float, ...]

    @classmethod
    def fixed(cls, size: int) -> Sizes:
        return cls((size,), (1.0,))

    @classmethod
    def imix(cls) -> Sizes:
        """The simple IMIX: 64, 576 and 1500 bytes in the proportion 7:4:1."""
        return cls(tuple(IMIX_SIZES.tolist()), tuple(float(w) for w in IMIX_WEIGHTS))

    @classmethod
    def empirical(cls, table: dict[int, float]) -> Sizes:
        return cls(tuple(table), tuple(table.values()))

    def __post_init__(self) -> None:
        if not self.sizes or len(self.sizes) != len(self.weights):
            raise ValueError("sizes and weights must be non-empty and of equal length")
        if min(self.sizes) < MIN_FRAME:
            raise ValueError(f"frame sizes must be >= {MIN_FRAME} bytes, got {min(self.sizes)}")
        if min(self.weights) < 0 or sum(self.weights) <= 0:
            raise ValueError("weights must be >= 0 and not all 0")

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if len(self.sizes) == 1:
            return np.full(n, self.sizes[0], np.int64)
        # Inverse transform on the cumulative weights: one uniform draw per packet.
        cum = np.cumsum(self.weights) / sum(self.weights)
        pick = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)
        return np.array(self.sizes, np.int64)[pick]

    def capped(self, largest: int) -> Sizes:
        """The same mix with every size above ``largest`` lowered to it (a guest MTU)."""
        return Sizes(tuple(min(x, largest) for x in self.sizes), self.weights)

    @property
    def mean(self) -> float:
        return float(np.dot(self.sizes, self.weights) / sum(self.weights))


@dataclass(frozen=True)
class Flows:
    """The flows a source's packets belong to: addresses, protocols, MACs.

    Flow ``f`` goes from ``src[f % len(src)]`` to ``dst[(f // len(src)) % len(dst)]``, from
    port ``49152 + f % 16384`` to ``dport`` or else 9 (see DST_PORT); its protocol is drawn
    once, by ``mix``.
    """

    src: tuple[int, ...]
    dst: tuple[int, ...]
    count: int = 64
    mix: tuple[tuple[str, float], ...] = (("udp", 1.0),)
    src_mac: int = 0x00155D000001
    dst_mac: int = 0x00155D000002
    dport: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "src", tuple(int(a) for a in self.src))
        object.__setattr__(self, "dst", tuple(int(a) for a in self.dst))
        if not self.src or not self.dst or self.count < 1:
            raise ValueError("flows need source and destination addresses and count >= 1")
        unknown = {p for p, _ in self.mix} - set(PROTOCOLS)
        if unknown:
            raise ValueError(f"protocols must be among {sorted(PROTOCOLS)}, got {sorted(unknown)}")

    def protocols(self, rng: np.random.Generator, n: int) -> np.ndarray:
        names = [PROTOCOLS[p] for p, _ in self.mix]
        w = np.array([w for _, w in self.mix], float)
        return np.array(names, np.int64)[rng.choice(len(names), size=n, p=w / w.sum())]


class Source(Element):
    """Base of the sources: builds frames for the packets it sends each quantum.

    ``tenant`` is one routing domain for all packets, or one per source address (aligned
    with ``flows.src``) for a source that stands for VMs of several tenants.
    """

    kind = "source"

    def __init__(
        self, sim: Simulation, name: str, tenant: int | tuple[int, ...], flows: Flows, sizes: Sizes
    ):
        super().__init__(sim, name)
        tenants = np.atleast_1d(np.asarray(tenant, np.int32))
        if tenants.min() < 0 or tenants.max() >= sim.max_tenants:
            raise ValueError(f"{name}: tenants must be in 0..{sim.max_tenants - 1}")
        if tenants.shape[0] not in (1, len(flows.src)):
            raise ValueError(f"{name}: give one tenant, or one per source address")
        self.tenant = tenants
        self.flows = flows
        self.sizes = sizes
        self.tenants = TenantCounters(sim.max_tenants)
        proto = flows.protocols(self.rng, flows.count)
        f = np.arange(flows.count)
        # Header fields of every flow, looked up by the builder (src, dst, proto, ports).
        self._table = (
            np.array(flows.src, np.int64)[f % len(flows.src)],
            np.array(flows.dst, np.int64)[(f // len(flows.src)) % len(flows.dst)],
            proto,
            SPORT_BASE + f % SPORTS,
            DST_PORT[proto] if flows.dport is None else np.full(flows.count, flows.dport),
        )
        self._ident = 0

    def reset_stats(self) -> int:
        self.tenants = TenantCounters(self.sim.max_tenants)
        return super().reset_stats()

    def emit(self, times: np.ndarray, flow: np.ndarray, tcp_flags: np.ndarray | int = TCP_ACK):
        """Build and send one frame per entry of ``times`` (int64 ns, sorted)."""
        n = times.shape[0]
        if n == 0:
            return
        f = self.flows
        size = self.sizes.draw(self.stream(SIZES), n)
        if size.max() > self.sim.max_frame:
            raise ValueError(f"{self.name}: frames of {size.max()} B exceed max_frame")
        flags = np.broadcast_to(np.asarray(tcp_flags, np.int64), (n,))
        batch = build_flow_frames(self.sim.new_batch(n), flow % f.count, self._table, size,
                                  np.ascontiguousarray(flags), self._ident & 0xFFFF,
                                  f.src_mac, f.dst_mac)  # fmt: skip
        self._ident += n
        self._stamp(batch, times, flow)
        self.stats.offered += n
        self.stats.offered_bytes += int(batch.length[:n].sum())
        self.tenants.add(batch.rd[:n], batch.length[:n])
        self.send(batch)

    def _stamp(self, batch: PacketBatch, times: np.ndarray, flow: np.ndarray) -> None:
        n = times.shape[0]
        batch.time[:n] = times
        batch.born[:n] = times
        batch.rd[:n] = (
            self.tenant[flow % self.tenant.shape[0]] if self.tenant.shape[0] > 1 else self.tenant[0]
        )
        batch.flow[:n] = flow


GAP_BLOCK = 4096  # exponential gaps are drawn in blocks of this many, whatever the quantum


class PacketSource(Source):
    """Packets at ``rate_pps``, Poisson or evenly spaced (CBR), spread uniformly over flows.

    Parameters
    ----------
    process : "poisson" or "cbr"
    start_ns, stop_ns : int
        Time of the first possible packet; no packet at or after ``stop_ns``.
    direction : "outbound" or "inbound"
        A label for the results: traffic leaving the tenant or coming to it.
    tcp_flags : int
        The flags of its TCP segments: ACK (an open connection's), or SYN (connection
        attempts, e.g. a scan or a SYN flood).
    """

    def __init__(
        self,
        sim: Simulation,
        name: str,
        tenant: int | tuple[int, ...],
        flows: Flows,
        sizes: Sizes,
        rate_pps: float,
        process: str = "poisson",
        start_ns: int = 0,
        direction: str = "outbound",
        stop_ns: int | None = None,
        tcp_flags: int = TCP_ACK,
    ) -> None:
        super().__init__(sim, name, tenant, flows, sizes)
        if rate_pps <= 0:
            raise ValueError(f"{name}: rate_pps must be > 0, got {rate_pps}")
        if process not in ("poisson", "cbr"):
            raise ValueError(f"{name}: process must be 'poisson' or 'cbr', got {process!r}")
        if direction not in ("outbound", "inbound"):
            raise ValueError(f"{name}: direction must be 'outbound' or 'inbound'")
        self.rate_pps = float(rate_pps)
        self.stop_ns = stop_ns
        self.process_kind = process
        self.direction = direction
        self.tcp_flags = tcp_flags
        self._next = float(start_ns)  # the next packet's instant (float ns)
        self._cbr_k = 0
        self._start = float(start_ns)
        self._gaps = np.zeros(0)
        self._gap_pos = 0

    def tick(self, t0: int, t1: int) -> None:
        if self.stop_ns is not None:
            t1 = min(t1, self.stop_ns)
            if t1 <= t0:
                return
        if self.process_kind == "poisson":
            due = self._poisson_due(t1)
        else:
            period = 1e9 / self.rate_pps
            k_end = int(np.ceil((t1 - self._start) / period))
            due = self._start + period * np.arange(self._cbr_k, max(self._cbr_k, k_end))
            self._cbr_k = max(self._cbr_k, k_end)
        times = np.floor(due).astype(np.int64)
        flow = self.stream(FLOW_CHOICE).integers(0, self.flows.count, size=times.shape[0])
        self.emit(times, flow, self.tcp_flags)

    def _poisson_due(self, t1: int) -> np.ndarray:
        """Instants (float ns) of the Poisson packets before ``t1``.

        Gaps come in fixed blocks from their own stream and are used in order, so the
        packet instants do not depend on how time is cut into quanta.
        """
        out = []
        while self._next < t1:
            if self._gap_pos == self._gaps.shape[0]:
                self._gaps = self.stream(GAPS).exponential(1e9 / self.rate_pps, GAP_BLOCK)
                self._gap_pos = 0
            # cumsum adds left to right, so the instants are the same sums however the
            # quanta cut the sequence: next, next + g0, (next + g0) + g1, ...
            instants = np.cumsum(np.concatenate([[self._next], self._gaps[self._gap_pos :]]))
            k = int(np.searchsorted(instants, t1, side="left"))
            used = min(k, instants.shape[0] - 1)
            out.append(instants[:used])
            self._next = float(instants[used])
            self._gap_pos += used
        return np.concatenate(out) if out else np.zeros(0)

    def extra(self, duration_ns: int) -> dict[str, object]:
        return {"direction": self.direction, "rate_pps": self.rate_pps}


class FlowSource(Source):
    """Flows arriving as a Poisson process, each sending ``size`` packets at ``flow_pps``.

    Parameters
    ----------
    flows_per_s : float
        Flow arrival rate.
    size : ("fixed", n) | ("exponential", mean) | ("pareto", shape, mean)
        Packets per flow; Pareto gives the heavy tail of real flow sizes (shape > 1).
    flow_pps : float
        Each flow's packet rate (evenly spaced); the first packet carries SYN for TCP.
    """

    def __init__(
        self,
        sim: Simulation,
        name: str,
        tenant: int,
        flows: Flows,
        sizes: Sizes,
        flows_per_s: float,
        size: tuple,
        flow_pps: float,
    ) -> None:
        super().__init__(sim, name, tenant, flows, sizes)
        if flows_per_s <= 0 or flow_pps <= 0:
            raise ValueError(f"{name}: flows_per_s and flow_pps must be > 0")
        self.flows_per_s = float(flows_per_s)
        self.size = _size_sampler(size)
        self.flow_pps = float(flow_pps)
        # Active flows: start instant (ns), packets in all, packets sent, flow number.
        self._active: list[list[float]] = []
        self._started = 0
        sim.env.process(self._arrivals())

    def _arrivals(self) -> Generator[simpy.Event, None, None]:
        env = self.sim.env
        while True:
            gap = self.stream(GAPS).exponential(1e9 / self.flows_per_s)
            yield env.timeout(max(1, int(round(gap))))
            n = self.size(self.stream(FLOW_LENGTHS))
            self._active.append([float(env.now), n, 0, self._started])
            self._started += 1

    def tick(self, t0: int, t1: int) -> None:
        period = 1e9 / self.flow_pps
        times, flows, flags = [], [], []
        for f in self._active:
            start, total, sent, number = f
            k_end = min(int(total), int(np.ceil((t1 - start) / period)))
            if k_end > sent:
                k = np.arange(int(sent), k_end)
                times.append(np.floor(start + period * k).astype(np.int64))
                flows.append(np.full(k.shape[0], int(number) % self.flows.count))
                flags.append(np.where(k == 0, TCP_SYN, TCP_ACK))
                f[2] = k_end
        self._active = [f for f in self._active if f[2] < f[1]]
        if times:
            t = np.concatenate(times)
            order = np.argsort(t, kind="stable")
            self.emit(t[order], np.concatenate(flows)[order], np.concatenate(flags)[order])

    def extra(self, duration_ns: int) -> dict[str, object]:
        return {"flows_started": self._started, "flows_active": len(self._active)}


def _size_sampler(spec: tuple):
    kind = spec[0]
    if kind == "fixed" and len(spec) == 2 and spec[1] >= 1:
        return lambda rng: int(spec[1])
    if kind == "exponential" and len(spec) == 2 and spec[1] >= 1:
        return lambda rng: 1 + int(rng.exponential(spec[1] - 1))
    if kind == "pareto" and len(spec) == 3 and spec[1] > 1 and spec[2] >= 1:
        shape, mean = spec[1], spec[2]
        xm = mean * (shape - 1) / shape  # Pareto with this scale has the given mean
        return lambda rng: max(1, int(round(xm * (1 + rng.pareto(shape)))))
    raise ValueError(
        f"flow size must be ('fixed', n), ('exponential', mean) or ('pareto', shape>1, mean), "
        f"got {spec!r}"
    )


class TraceSource(Source):
    """Sends packets at given times with given sizes; ``flow`` = the packet's index."""

    def __init__(
        self,
        sim: Simulation,
        name: str,
        tenant: int,
        flows: Flows,
        times: np.ndarray,
        sizes: np.ndarray,
    ) -> None:
        super().__init__(sim, name, tenant, flows, Sizes.fixed(MIN_FRAME))
        if np.any(np.diff(times) < 0):
            raise ValueError(f"{name}: times must be sorted")
        self._times = np.asarray(times, np.int64)
        self._sizes = np.asarray(sizes, np.int64)
        self._pos = 0

    def tick(self, t0: int, t1: int) -> None:
        end = int(np.searchsorted(self._times, t1, side="left"))
        if end > self._pos:
            idx = np.arange(self._pos, end)
            self._emit_exact(self._times[idx], idx)
            self._pos = end

    def _emit_exact(self, times: np.ndarray, idx: np.ndarray) -> None:
        n = times.shape[0]
        f = self.flows
        batch = build_frames(
            self.sim.new_batch(n), n, src_ip=f.src[0], dst_ip=f.dst[0],
            sport=SPORT_BASE + idx % SPORTS, size=self._sizes[idx],
        )  # fmt: skip
        self._stamp(batch, times, idx)
        self.stats.offered += n
        self.stats.offered_bytes += int(batch.length[:n].sum())
        self.tenants.add(batch.rd[:n], batch.length[:n])
        self.send(batch)
