"""The Python API: ``nvbench.simulate`` runs a topology built in code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nvbench.model.result import Result
from nvbench.model.simulation import MS, Simulation


def simulate(
    build: Callable[[Simulation], Any],
    duration_ns: int,
    seed: int | np.random.SeedSequence = 0,
    quantum_ns: int = MS,
    **options: Any,
) -> Result:
    """Build a topology with ``build(sim)`` and run it for ``duration_ns`` of simulated time.

    Parameters
    ----------
    build : callable
        Creates the elements in the :class:`~nvbench.model.simulation.Simulation` it is
        given and wires them (``a.connect(b)``); e.g. :func:`nvbench.topologies.nat_cloud`.
    duration_ns : int
        Simulated time, ns.
    seed : int or SeedSequence
        The run's seed; each element gets a child of it. Same seed, same result.
    quantum_ns : int
        Time quantum; changes the speed, never the per-packet times.
    **options
        More :class:`Simulation` settings: ``max_tenants``, ``max_frame``,
        ``series_interval_ns``, ``warmup_ns``.

    Returns
    -------
    Result
        ``.summary`` (a dict), ``.elements``, ``.tenants``, ``.drops``, and
        ``.to_arrow()`` for the tables.

    Examples
    --------
    >>> from nvbench import simulate
    >>> from nvbench.topologies import nat_cloud
    >>> r = simulate(lambda sim: nat_cloud(sim, offered_pps=2e5), 50_000_000, seed=1)
    >>> r.summary["dropped"]
    0
    """
    sim = Simulation(seed=seed, quantum_ns=quantum_ns, **options)
    build(sim)
    return sim.run(duration_ns)
