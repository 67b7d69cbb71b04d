"""The Python API, for notebooks and scripts (docs/api.md):

- :func:`load_scenario`: a scenario file, or a shipped scenario by name;
- :func:`run`: a scenario run with replications, its tables as pyarrow (or pandas);
- :func:`simulate`: a topology built in code (the engine's own interface).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from nvbench.model.result import Result
from nvbench.model.simulation import MS, Simulation
from nvbench.scenario.loader import ScenarioError, from_dict, load
from nvbench.scenario.schema import Scenario

__all__ = ["Results", "ScenarioError", "load_scenario", "run", "simulate"]


def load_scenario(path_or_name: str | Path) -> Scenario:
    """The scenario in a TOML file, or a shipped scenario by name (``"default"``,
    ``"hosting"``, ...). Raises :class:`ScenarioError`, whose ``problems`` name each bad
    field by its key path, for a bad file."""
    return load(path_or_name)


@dataclass
class Results:
    """The tables of a scenario's replications (docs/data.md gives every column)."""

    scenario: Scenario
    replications: int
    tables: dict[str, pa.Table]

    def table(self, name: str) -> pa.Table:
        """One table: ``patterns_ci`` (means and 95 % intervals per VM network),
        ``patterns``, ``run``, ``elements``, ``drops``, ``tenants``, ``nat``, ``events``,
        ``series``."""
        if name not in self.tables:
            raise KeyError(f"no table {name!r}; the tables: {', '.join(sorted(self.tables))}")
        return self.tables[name]

    def to_pandas(self, name: str) -> Any:
        """One table as a pandas DataFrame (pandas must be installed)."""
        try:
            import pandas  # noqa: F401  (pyarrow's to_pandas needs it)
        except ImportError:
            raise ImportError("Results.to_pandas needs pandas: pip install pandas") from None
        return self.table(name).to_pandas()

    def write(self, folder: str | Path) -> list[Path]:
        """The Parquet files ``nvbench run --out folder`` writes; the folder must be new
        or empty (nothing is overwritten)."""
        from nvbench.records.dataset import write_tables

        out = Path(folder)
        if out.exists() and any(out.iterdir()):
            raise FileExistsError(f"{out} holds files already: give a new or empty folder")
        return write_tables(out, self.tables, {})


def run(
    scenario: Scenario | str | Path,
    replications: int = 5,
    seed: int | None = None,
    duration_s: float | None = None,
    workers: int = 1,
) -> Results:
    """Run ``scenario`` (a model, a file or a shipped scenario's name) ``replications``
    times with the children of ``SeedSequence(seed)`` (the scenario's seed unless given),
    in ``workers`` processes; the results do not depend on ``workers``."""
    from nvbench import replicate

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    else:  # a model changed in code is checked like a file
        scenario = from_dict(scenario.model_dump(mode="json"), scenario.name)
    if replications < 1 or workers < 1:
        raise ValueError(f"replications and workers must be >= 1, got {replications}, {workers}")
    rep = replicate.replicate(scenario, replications, seed, duration_s, workers)
    return Results(scenario, rep.replications, replicate.tables(rep))


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
