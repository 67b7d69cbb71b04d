"""The simulation: a SimPy environment, the elements, the quantum clock and the books.

Time is integer nanoseconds, both SimPy's clock and every packet's. One SimPy process ticks
the elements every quantum in topological order; everything event-like (flow arrivals,
failures, timers) is an ordinary SimPy process beside it. A SimPy event at a time before a
tick's end is handled before that tick, because SimPy runs events in time order.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator

import numpy as np
import simpy

from nvbench.model.element import Element
from nvbench.model.result import AccountingError, Result, collect
from nvbench.packet.batch import MAX_FRAME, PacketBatch
from nvbench.packet.pool import BatchPool

MS = 1_000_000


class Simulation:
    """A topology built in code, run for a simulated duration.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        One SeedSequence for the run; every element gets a child spawned from it in the
        order the elements are created, so the same seed gives the same results.
    quantum_ns : int
        Length of a time quantum, ns (1 ms by default). It changes the speed, not the
        per-packet times.
    max_tenants : int
        Routing-domain indices (``rd``) must be below this.
    max_frame : int
        Largest frame any batch holds (1514, or 9018 with jumbo frames).
    series_interval_ns : int, optional
        Record every element's counters at this interval (a multiple of the quantum).
    warmup_ns : int
        Statistics start at the first quantum boundary at or after this time: every
        counter, sketch and busy time is reset there. The packets inside the network at
        that instant are carried into the books as offered, so they still balance.
    """

    def __init__(
        self,
        seed: int | np.random.SeedSequence = 0,
        quantum_ns: int = MS,
        max_tenants: int = 256,
        max_frame: int = MAX_FRAME,
        series_interval_ns: int | None = None,
        warmup_ns: int = 0,
    ) -> None:
        if quantum_ns < 1:
            raise ValueError(f"quantum_ns must be >= 1, got {quantum_ns}")
        if series_interval_ns is not None and (
            series_interval_ns < quantum_ns or series_interval_ns % quantum_ns
        ):
            raise ValueError(
                f"series_interval_ns must be a multiple of quantum_ns ({quantum_ns}), "
                f"got {series_interval_ns}"
            )
        self.seed = (
            seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        )
        self.quantum_ns = int(quantum_ns)
        self.max_tenants = max_tenants
        self.max_frame = max_frame
        self.series_interval_ns = series_interval_ns
        if warmup_ns < 0:
            raise ValueError(f"warmup_ns must be >= 0, got {warmup_ns}")
        self.warmup_ns = int(warmup_ns)
        self.measured_from = 0
        self.carried = 0
        self.carried_by_tenant = np.zeros(max_tenants, np.int64)
        self.env = simpy.Environment()
        self.pool = BatchPool(max_frame)
        self.elements: list[Element] = []
        self.spawn_keys: dict[str, tuple[int, ...]] = {}
        self.series: list[tuple] = []
        self.events: list[tuple[int, str, str, str]] = []  # (t_ns, kind, element, detail)
        self.now_ns = 0

    # -- building ------------------------------------------------------------------------

    def register(self, element: Element) -> np.random.SeedSequence:
        """Add ``element``; returns its own seed (a child spawned from the run's)."""
        if any(e.name == element.name for e in self.elements):
            raise ValueError(f"two elements are named {element.name!r}")
        self.elements.append(element)
        return self.seed_for(element.name)

    def seed_for(self, name: str) -> np.random.SeedSequence:
        """A child of the run's seed for ``name`` (an element, or a part of one that draws
        numbers of its own, such as a NAT table's ports), recorded in :attr:`spawn_keys`:
        every random stream of a run comes from here, in the order the parts are made."""
        if name in self.spawn_keys:
            raise ValueError(f"a seed for {name!r} was spawned already")
        child = self.seed.spawn(1)[0]
        self.spawn_keys[name] = tuple(child.spawn_key)
        return child

    def log(self, t_ns: int, kind: str, element: str, detail: str = "") -> None:
        """Note an event of the run (a failure, a takeover) for the results."""
        self.events.append((int(t_ns), kind, element, detail))

    def new_batch(self, n: int) -> PacketBatch:
        """An empty batch for ``n`` packets, recycled from the pool when one is free."""
        return self.pool.get(n)

    def order(self) -> list[Element]:
        """The elements in topological order (Kahn; ties in creation order)."""
        index = {id(e): i for i, e in enumerate(self.elements)}
        indegree = [0] * len(self.elements)
        for e in self.elements:
            for s in e.successors():
                if id(s) not in index:
                    raise ValueError(f"{e.name} sends to {s!r}, which is not in this simulation")
                indegree[index[id(s)]] += 1
        ready = [i for i, d in enumerate(indegree) if d == 0]
        out: list[Element] = []
        while ready:
            i = min(ready)
            ready.remove(i)
            out.append(self.elements[i])
            for s in self.elements[i].successors():
                j = index[id(s)]
                indegree[j] -= 1
                if indegree[j] == 0:
                    ready.append(j)
        if len(out) != len(self.elements):
            stuck = sorted(e.name for e in self.elements if e not in out)
            raise ValueError(f"the topology has a loop through {stuck}; paths must feed forward")
        return out

    # -- running -------------------------------------------------------------------------

    def run(self, duration_ns: int, progress: Callable[[int, int], None] | None = None) -> Result:
        """Run for ``duration_ns`` of simulated time; check the books; return the result.

        ``progress(now_ns, duration_ns)`` is called after every quantum (a progress bar).
        """
        if duration_ns < 1:
            raise ValueError(f"duration_ns must be >= 1, got {duration_ns}")
        if self.warmup_ns >= duration_ns:
            raise ValueError(f"warmup_ns ({self.warmup_ns}) must be below the duration")
        order = self.order()
        done = self.env.process(self._clock(order, int(duration_ns), progress))
        self.env.run(until=done)
        result = collect(self, int(duration_ns))
        problems = result.accounting_problems()
        if problems:
            raise AccountingError("packets unaccounted for: " + "; ".join(problems))
        return result

    def _clock(
        self, order: list[Element], duration: int, progress: Callable[[int, int], None] | None
    ) -> Generator[simpy.Event, None, None]:
        interval = self.series_interval_ns
        for t0, t1 in _quanta(duration, self.quantum_ns):
            yield self.env.timeout(t1 - self.env.now)
            self.now_ns = t1
            for e in order:
                e.tick(t0, t1)
            if self.warmup_ns and self.measured_from == 0 and t1 >= self.warmup_ns:
                self._reset_stats(t1)
            if interval and (t1 % interval == 0 or t1 == duration):
                self._record(t1)
            if progress is not None:
                progress(t1, duration)

    def _reset_stats(self, t: int) -> None:
        self.measured_from = t
        self.carried = 0
        self.carried_by_tenant = sum(
            (e.in_flight_by_tenant() for e in self.elements), np.zeros(self.max_tenants, np.int64)
        )
        for e in self.elements:
            self.carried += e.reset_stats()

    def _record(self, t: int) -> None:
        for e in self.elements:
            s = e.stats
            self.series.append(
                (t, e.name, s.offered, s.delivered, s.dropped, s.delivered_bytes, e.in_flight())
            )


def _quanta(duration: int, q: int) -> Iterator[tuple[int, int]]:
    t = 0
    while t < duration:
        yield t, min(t + q, duration)
        t += q
