"""A FIFO station: servers, a finite buffer, and a service time for every packet.

Links, host vSwitches and gateway VMs are stations. Each quantum a station merges its
inputs in time order, runs its fast-path work on the packets (:meth:`Station.transform`),
asks :meth:`Station.service_ns` what each packet costs, and computes every departure
exactly with :mod:`nvbench.fastpath.timing`.

Servers are shared (one FIFO queue in front of ``c`` servers: Kiefer-Wolfowitz) or pinned
(each packet is bound to one server, with a FIFO queue per server, as RSS binds a flow and
an IPsec tunnel binds to one core [S23][S34]).

The fast-path work runs when a packet arrives, before its place in the queue is known, so
that its cost can depend on the outcome (a new NAT session costs more than an existing
one). A packet that then finds the buffer full is dropped, but what the function did for it
stays done: for a NAT, the session its first packet opened.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import simpy

from nvbench.fastpath import timing
from nvbench.fastpath.scan import gather_live, live_rows, write_departures
from nvbench.fastpath.verdict import BUFFER_FULL, ELEMENT_DOWN, LINK_LOSS
from nvbench.model.element import Element
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

R = TypeVar("R")
SHARED = "shared"
PINNED = "pinned"


class Station(Element):
    """A FIFO station. Subclasses say what a packet costs and what is done to it.

    Parameters
    ----------
    servers : int
        Servers (a link has 1; a VM has one per vCPU).
    cap_pkts, cap_bytes : int, optional
        Packets / bytes the station holds, waiting and in service; None = unlimited.
    delay_ns : int
        Pure delay after service (a link's propagation delay), ns.
    dispatch : "shared" or "pinned"
        One queue for all servers, or a queue per server chosen by :meth:`server_of`.
    """

    kind = "station"

    def __init__(
        self,
        sim: Simulation,
        name: str,
        servers: int = 1,
        cap_pkts: int | None = None,
        cap_bytes: int | None = None,
        delay_ns: int = 0,
        dispatch: str = SHARED,
    ) -> None:
        super().__init__(sim, name)
        if dispatch not in (SHARED, PINNED):
            raise ValueError(f"dispatch must be {SHARED!r} or {PINNED!r}, got {dispatch!r}")
        if delay_ns < 0:
            raise ValueError(f"delay_ns must be >= 0, got {delay_ns}")
        self.servers = servers
        self.dispatch = dispatch
        self.delay_ns = int(delay_ns)
        self._down: list[tuple[int, int, int]] = []  # [from, until) ns, and the drop verdict
        self.queue: timing.FifoQueue | timing.PinnedQueues
        if dispatch == SHARED:
            self.queue = timing.FifoQueue(servers, cap_pkts, cap_bytes)
        else:
            self.queue = timing.PinnedQueues(servers, cap_pkts, cap_bytes)

    # -- what subclasses define ------------------------------------------------------------

    def transform(self, views: list[PacketBatch]) -> None:
        """Fast-path work on the live packets of ``views``, in place (default: none)."""

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        """Service time (int64 ns, >= 1) of packets ``rows`` of ``batch``."""
        raise NotImplementedError

    def service_table(self) -> np.ndarray | None:
        """Service time by frame length (int64 ns), where that is all a packet's service
        depends on: the engine then gathers a view's inputs in one pass. None: ask
        :meth:`service_ns`."""
        return None

    def server_of(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        """The server (0..servers-1) each packet is pinned to (pinned dispatch only)."""
        return batch.flow[rows] % self.servers

    def service_times(self, views: list[PacketBatch], rows: list[np.ndarray]) -> np.ndarray:
        """:meth:`service_ns` of the quantum's packets (rows ``rows[k]`` of ``views[k]``),
        concatenated; a station whose costs depend on more than the batch overrides it."""
        return _concat([self.service_ns(v, r) for v, r in zip(views, rows, strict=True)])

    def servers_of(self, views: list[PacketBatch], rows: list[np.ndarray]) -> np.ndarray:
        """:meth:`server_of` of the quantum's packets, concatenated (as :meth:`service_times`)."""
        return _concat([self.server_of(v, r) for v, r in zip(views, rows, strict=True)])

    def draw_service(self, s: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Random service times, drawn in arrival order (``order``) so that the draws do
        not depend on the quantum; the default keeps :meth:`service_ns`'s times."""
        return s

    def spread(self, d: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Departures after a random extra delay (a WAN link's jitter), ``order`` being the
        arrival order; the default adds none."""
        return d

    lossy = False  # True where :meth:`lose` may lose packets

    def lose(self, n: int) -> np.ndarray | None:
        """Which of ``n`` served packets (in arrival order) are lost; None: none are."""
        return None

    # -- helpers for subclasses --------------------------------------------------------------

    def apply(self, views: list[PacketBatch], fn, counts: np.ndarray) -> None:
        """Run fast-path kernel wrapper ``fn(view, counts)`` on each view and book its drops."""
        for v in views:
            self.apply_one(v, fn, counts)

    def apply_one(self, v: PacketBatch, fn: Callable[[PacketBatch, np.ndarray], R],
                  counts: np.ndarray) -> R:  # fmt: skip
        """:meth:`apply` on one view; returns what ``fn`` returns."""
        before = v.verdict[: v.n] == 0
        out = fn(v, counts)
        gone = np.flatnonzero(before & (v.verdict[: v.n] != 0))
        if gone.shape[0]:
            self.dropped(v, gone)
        return out

    # -- failures -----------------------------------------------------------------------------

    def fail(self, at_ns: int, for_ns: int, verdict: int = ELEMENT_DOWN) -> simpy.Process:
        """Take the element down at ``at_ns`` for ``for_ns`` (a SimPy process): packets that
        arrive meanwhile are dropped with ``verdict`` (ELEMENT_DOWN, or GATEWAY_FAILOVER
        for a cluster node whose partner takes over)."""
        return self.sim.env.process(self._outage(at_ns, for_ns, verdict))

    def _outage(self, at_ns: int, for_ns: int, verdict: int) -> Generator[simpy.Event, None, None]:
        yield self.sim.env.timeout(max(0, at_ns - self.sim.env.now))
        self._down.append((int(at_ns), int(at_ns + for_ns), verdict))
        self.sim.log(at_ns, "down", self.name, f"for {for_ns / 1e9:g} s")

    def _drop_while_down(self, views: list[PacketBatch]) -> None:
        for lo, hi, verdict in self._down:
            for v in views:
                t = v.time[: v.n]
                gone = np.flatnonzero((v.verdict[: v.n] == 0) & (t >= lo) & (t < hi))
                if gone.shape[0]:
                    v.verdict[gone] = verdict
                    self.dropped(v, gone)

    # -- the engine ------------------------------------------------------------------------

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        self._drop_while_down(views)
        self.transform(views)
        timed = self.serve(views)
        if timed is not None:
            self.hold(self.outputs(views, *timed))

    def serve(self, views: list[PacketBatch]):
        """Departure of every live packet; books buffer drops. None if nothing is live."""
        rows, a, size, s = self._inputs(views)
        if a.shape[0] == 0:
            return None
        in_order = bool(timing.is_sorted(a))
        order = np.arange(a.shape[0]) if in_order else np.argsort(a, kind="stable")
        s = self.draw_service(s, order)
        server = None
        if isinstance(self.queue, timing.PinnedQueues):
            server = self.servers_of(views, rows)
        if in_order:
            d = self._queue_serve(a, s, size, server)
        else:
            d = np.empty_like(a)
            d[order] = self._queue_serve(
                a[order], s[order], size[order], None if server is None else server[order]
            )
        d = self.spread(d, order)
        self._write_back(views, rows, a, d)
        self._apply_loss(views, rows, d, order)
        return rows, d, order

    def _inputs(self, views: list[PacketBatch]):
        """(live rows of each view, and over all of them: arrivals, sizes, service times)."""
        table = self.service_table()
        if table is not None:
            got = _gather(views, table)
            if got is not None:
                return got
        rows = [_live(v) for v in views]
        a = _concat([v.time[r] for v, r in zip(views, rows, strict=True)])
        size = _concat([v.length[r].astype(np.int64) for v, r in zip(views, rows, strict=True)])
        s = self.service_times(views, rows)
        return rows, a, size, s

    def _queue_serve(self, a, s, size, server) -> np.ndarray:
        q = self.queue
        if isinstance(q, timing.PinnedQueues):
            return q.serve(a, s, size, server)
        return q.serve(a, s, size)

    def _apply_loss(self, views, rows, d, order) -> None:
        if not self.lossy:
            return
        served = order[d[order] != timing.DROPPED]
        lost = self.lose(served.shape[0])
        if lost is None or not lost.any():
            return
        gone = np.zeros(d.shape[0], bool)
        gone[served[lost]] = True
        pos = 0
        for v, r in zip(views, rows, strict=True):
            mine = r[gone[pos : pos + r.shape[0]]]
            pos += r.shape[0]
            if mine.shape[0]:
                v.verdict[mine] = LINK_LOSS
                self.dropped(v, mine)

    def outputs(self, views, rows, d, order) -> list[PacketBatch]:
        """The served packets, to be held until they leave: the views themselves."""
        return views

    def _write_back(self, views, rows, a, d) -> None:
        pos = 0
        sk = self.stats.delay
        for v, r in zip(views, rows, strict=True):
            m = r.shape[0]
            drops = write_departures(v.time, v.verdict, r, a[pos : pos + m], d[pos : pos + m],
                                     self.delay_ns, BUFFER_FULL, sk.hist, sk.stats)  # fmt: skip
            if drops:
                self.dropped(v, r[d[pos : pos + m] == timing.DROPPED])
            pos += m

    # -- figures ---------------------------------------------------------------------------

    def reset_stats(self) -> int:
        self.queue.reset()
        return super().reset_stats()

    @property
    def busy_ns(self) -> int:
        """Service time handed out, all servers together, ns."""
        return self.queue.busy_ns

    @property
    def admitted(self) -> int:
        """Packets the buffer took in."""
        return self.queue.admitted

    def busy_by_server(self) -> list[int]:
        """Service time per server (pinned dispatch) or all together (shared), ns."""
        q = self.queue
        return q.busy_by_server() if isinstance(q, timing.PinnedQueues) else [q.busy_ns]

    def utilization(self, duration_ns: int) -> float:
        """Share of the servers' time spent serving, over ``duration_ns``."""
        return self.busy_ns / (self.servers * duration_ns) if duration_ns else 0.0

    def extra(self, duration_ns: int) -> dict[str, object]:
        busiest = max(self.busy_by_server()) / duration_ns if duration_ns else 0.0
        if self.dispatch == SHARED:
            busiest = self.utilization(duration_ns)
        return {"servers": self.servers, "utilization": self.utilization(duration_ns),
                "utilization_max": busiest}  # fmt: skip


def _live(v: PacketBatch) -> np.ndarray:
    rows = np.empty(v.n, np.int64)
    return rows[: live_rows(v.verdict, v.n, rows)]


def _gather(views: list[PacketBatch], table: np.ndarray):
    """:meth:`Station._inputs` by ``table``, one kernel pass a view; None if a frame is
    longer than the table."""
    total = sum(v.n for v in views)
    a, size, s = (np.empty(total, np.int64) for _ in range(3))
    rows, k = [], 0
    for v in views:
        r = np.empty(v.n, np.int64)
        m = gather_live(v.verdict, v.time, v.length, v.n, table, r, a[k:], size[k:], s[k:])
        if m < 0:
            return None
        rows.append(r[:m])
        k += m
    return rows, a[:k], size[:k], s[:k]


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
