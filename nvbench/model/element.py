"""The element contract: ``put(batch)`` in, ``.out`` onward, one ``tick`` per quantum.

Packets travel as :class:`~nvbench.packet.batch.PacketBatch` views. A packet's ``time``
column holds the time it reaches the element it is handed to. Dropped packets stay in their
view with their verdict, skipped by everyone after the element that dropped them (and
counted there only). The live packets (verdict OK) of a view are mostly in time order, but
need not be: several servers let a packet overtake another.

Each quantum ``[t0, t1)`` the simulation ticks every element in topological order. An
element takes from its inbox the packets due before ``t1`` (all of them, unless a feedback
path handed it later ones), does its work, and passes on the packets that leave it before
``t1``; the rest wait in the element and go at a later tick. So every element sees, each
quantum, exactly the packets a packet-by-packet simulation would have shown it by ``t1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.gather import copy_packets
from nvbench.fastpath.reassembly import Reassembler
from nvbench.fastpath.scan import count_ok, live_totals, split_point
from nvbench.fastpath.verdict import MOVED
from nvbench.model.metrics import Counters
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

# An element's random streams (:meth:`Element.stream`), one per purpose, so that each
# sequence of draws stays the same whatever the quantum cuts it into.
MAIN = 0  # ``Element.rng``: a source's protocol mix, a link's losses, random service
SIZES = 1  # frame sizes
GAPS = 2  # inter-arrival gaps (packets; flows of a flow source)
FLOW_CHOICE = 3  # which flow a packet belongs to
FLOW_LENGTHS = 4  # packets per flow (flow sources)
JITTER = 5  # a WAN link's extra delays
STREAMS = 8  # at most


class Element:
    """A node of the topology. Subclasses implement :meth:`process`.

    Parameters
    ----------
    sim : Simulation
        The simulation this element belongs to; it registers itself.
    name : str
        Unique within the simulation; used in results.
    """

    kind = "element"

    def __init__(self, sim: Simulation, name: str) -> None:
        self.sim = sim
        self.name = name
        self.out: Element | None = None
        self.stats = Counters(sim.max_tenants)
        self._inbox: list[PacketBatch] = []
        self._held: list[PacketBatch] = []
        self._seed = sim.register(self)
        self._streams: dict[int, np.random.Generator] = {}
        self.rng = self.stream(MAIN)
        self.reassembly: Reassembler | None = None  # where pieces of packets are joined

    def stream(self, k: int) -> np.random.Generator:
        """The element's random stream ``k`` (a child of its seed; one of the names above).

        One stream per purpose (gaps, sizes, flows, ...) keeps each sequence of draws
        the same whatever the quantum cuts it into.
        """
        if k not in self._streams:
            children = np.random.SeedSequence(
                self._seed.entropy, spawn_key=self._seed.spawn_key, n_children_spawned=0
            ).spawn(STREAMS)
            self._streams[k] = np.random.default_rng(children[k] if k else self._seed)
        return self._streams[k]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    # -- wiring ---------------------------------------------------------------------

    def connect(self, other: Element) -> Element:
        """Send this element's output to ``other``; returns ``other`` for chaining."""
        self.out = other
        return other

    def successors(self) -> list[Element]:
        return [self.out] if self.out is not None else []

    # -- the contract -----------------------------------------------------------------

    def put(self, batch: PacketBatch) -> None:
        """Hand ``batch`` (a view whose live packets are in time order) to this element."""
        live, nbytes = live_totals(batch.verdict, batch.length, batch.n)
        if live:
            self.stats.offered += live
            self.stats.offered_bytes += nbytes
            self._inbox.append(batch)

    def tick(self, t0: int, t1: int) -> None:
        """Process the packets due in ``[t0, t1)`` and pass on those that leave by ``t1``."""
        ready = self.take_due(t1)
        if ready:
            self.process(ready, t0, t1)
        self.release(t1)

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        """Work on ``views``; set each live packet's ``time`` to when it leaves, then
        :meth:`hold` the views. Drops get a verdict and are counted with :meth:`dropped`."""
        self.hold(views)

    # -- helpers for subclasses ---------------------------------------------------------

    def hold(self, views: list[PacketBatch]) -> None:
        """Keep ``views`` (live packets in time order) until their packets are due to leave."""
        self._held.extend(views)

    def dropped(self, batch: PacketBatch, rows: np.ndarray) -> None:
        self.stats.count_drops(batch, rows)

    def send(self, batch: PacketBatch) -> None:
        """Pass ``batch`` on to ``self.out`` (or drop it with NO_ROUTE if unconnected)."""
        live, nbytes = live_totals(batch.verdict, batch.length, batch.n)
        if not live:
            return
        self.stats.delivered += live
        self.stats.delivered_bytes += nbytes
        self.deliver(batch)

    def deliver(self, batch: PacketBatch) -> None:
        if self.out is None:
            raise RuntimeError(f"{self.name} has no .out to send packets to")
        self.out.put(batch)

    def reset_stats(self) -> int:
        """Start the books afresh (end of warm-up); returns the live packets carried in,
        which count as offered to this element."""
        carried = self.in_flight()
        self.stats = Counters(self.sim.max_tenants)
        self.stats.offered = carried
        return carried

    def extra(self, duration_ns: int) -> dict[str, object]:
        """Element-specific figures for the results (utilization, NAT ports, ...)."""
        return {}

    def nat_rows(self) -> list[dict[str, object]]:
        """(element, public_address, ports_in_use) rows of a NAT, else none."""
        return []

    def in_flight(self) -> int:
        """Live packets inside this element: waiting, in service, or not yet due (and
        pieces of a packet waiting for the others, where it reassembles)."""
        held = self.reassembly.held() if self.reassembly is not None else 0
        return sum(count_ok(b.verdict, b.n) for b in self.held_views()) + held

    def held_views(self) -> list[PacketBatch]:
        """The views this element holds (their live packets are in flight here)."""
        return [*self._inbox, *self._held]

    def in_flight_by_tenant(self) -> np.ndarray:
        """:meth:`in_flight`, by routing domain."""
        t = self.sim.max_tenants
        out = np.zeros(t, np.int64)
        for b in self.held_views():
            rd = b.rd[: b.n][b.verdict[: b.n] == 0]
            out += np.bincount(np.clip(rd, 0, t - 1), minlength=t)[:t]
        if self.reassembly is not None:
            out += self.reassembly.held_by_tenant(t)
        return out

    def take_due(self, t1: int) -> list[PacketBatch]:
        """The views of the inbox due before ``t1`` (the rest stay)."""
        due, later = self.split(self._inbox, t1)
        self._inbox = later
        return due

    def release(self, t1: int) -> None:
        """Send on the held packets that leave before ``t1``."""
        due, self._held = self.split(self._held, t1)
        for view in due:
            self.send(view)

    def split(
        self, views: list[PacketBatch], t: int
    ) -> tuple[list[PacketBatch], list[PacketBatch]]:
        """Cut ``views`` into the packets due before ``t`` and the others.

        A view in time order is cut in two views, sharing its memory. Packets due before
        ``t`` that sit behind a later one (overtaken by it) are copied to a batch of their
        own, and their rows left behind are marked MOVED.
        """
        before, after = [], []
        for v in views:
            k, late = split_point(v.time, v.verdict, v.n, t)
            if late:
                before.append(self._move_out(v, k, t))
            if k == v.n:
                before.append(v)
            elif k == 0:
                after.append(v)
            else:
                before.append(v.view(0, k))
                after.append(v.view(k, v.n))
        return before, after

    def _move_out(self, v: PacketBatch, k: int, t: int) -> PacketBatch:
        rows = k + np.flatnonzero((v.verdict[k : v.n] == 0) & (v.time[k : v.n] < t))
        out = self.sim.new_batch(rows.shape[0])
        copy_packets(v, rows, out, np.arange(rows.shape[0]))
        out.n = rows.shape[0]
        v.verdict[rows] = MOVED
        return out
