"""Replications: one scenario run N times with independent seeds, every figure reported as
its mean and 95 % t-interval (:mod:`nvbench.records.intervals`).

Replication ``r`` of seed ``s`` is the run with child ``r`` of ``SeedSequence(s)``, the child
a one-point sweep with seed ``s`` gives its replication ``r``: a comparison and a sweep of the
same scenario, seed and duration make the same runs. The runs go to a process pool when
``workers`` > 1; the results are the same for any number of workers (each run's seed is
fixed before any starts, and the rows are kept in replication order).

The gateway placements a comparison tries run on the same seeds (common random numbers), so
that the difference between two placements is not the difference between two seeds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from nvbench.patterns import placement
from nvbench.records import schema
from nvbench.records.dataset import write_tables
from nvbench.records.intervals import LEVEL, summarise
from nvbench.runner import ScenarioRun, engine_tables, ids, run, summary
from nvbench.scenario.schema import Scenario

DEFAULT = 5  # replications of `run` and `compare` unless told: t(0.975, 4) = 2.78

# progress(fraction done, what is running): a bar over all the runs of a command
Progress = Callable[[float, str], None]


@dataclass
class Replicated:
    """The runs of one scenario, in replication order, and their summaries."""

    scenario: Scenario
    runs: list[ScenarioRun]
    rows: list[dict[str, Any]]  # per VM network: means, intervals, replications
    placements: list[dict[str, Any]] = field(default_factory=list)  # per placement, likewise
    placement_runs: list[dict[str, Any]] = field(default_factory=list)  # per placement and run

    @property
    def replications(self) -> int:
        return len(self.runs)

    def only(self, pattern: str) -> None:
        """Keep the rows of ``pattern``'s VM networks (``--pattern``)."""
        self.rows = [r for r in self.rows if r["pattern"] == pattern]
        for sr in self.runs:
            sr.rows = [r for r in sr.rows if r["pattern"] == pattern]


def seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The seeds of ``replications`` runs: independent children of ``SeedSequence(seed)``."""
    return np.random.SeedSequence(seed).spawn(replications)


def replicate(
    s: Scenario,
    replications: int = DEFAULT,
    seed: int | None = None,
    duration_s: float | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    placements: bool = False,
) -> Replicated:
    """Run ``s`` ``replications`` times (and, with ``placements``, each of its placements
    as many times on the same seeds); the rows of each run and their intervals."""
    children = seeds(s.run.seed if seed is None else seed, replications)
    jobs: list[tuple[Scenario, str | None, np.random.SeedSequence, float | None]]
    jobs = [(s, None, c, duration_s) for c in children]
    if placements:
        layouts = [(placement.apply(s, p), p.name) for p in s.placements]  # each built once
        jobs += [(x, name, c, duration_s) for x, name in layouts for c in children]
    done = _map(jobs, workers, progress)
    runs = [x for x in done[:replications] if isinstance(x, ScenarioRun)]
    rows = summarise([sr.rows for sr in runs], "vm_network", schema.TENANT_MEASURED)
    places = [x for x in done[replications:] if isinstance(x, dict)]
    summary = summarise([[p] for p in places], "placement", schema.PLACEMENT_MEASURED)
    for r, row in enumerate(places):
        row["replication"] = r % replications
    return Replicated(s, runs, rows, summary, places)


def _map(jobs: list[tuple], workers: int, progress: Progress | None) -> list[Any]:
    """Every job's outcome, in the jobs' order; in a pool when ``workers`` > 1."""
    say = progress or (lambda _f, _t: None)
    if workers <= 1 or len(jobs) <= 1:
        out = []
        for k, job in enumerate(jobs):

            def tick(now: int, total: int, k: int = k) -> None:
                say((k + now / total) / len(jobs), _what(k, jobs))

            out.append(_job(job, tick))
        say(1.0, "done")
        return out
    results: dict[int, Any] = {}
    with ProcessPoolExecutor(min(workers, len(jobs))) as pool:
        futures = {pool.submit(_job, job): k for k, job in enumerate(jobs)}
        say(0.0, f"{len(jobs)} runs on {min(workers, len(jobs))} processes")
        for f in as_completed(futures):
            results[futures[f]] = f.result()
            say(len(results) / len(jobs), f"{len(results)} of {len(jobs)} runs done")
    return [results[k] for k in range(len(jobs))]


def _what(k: int, jobs: list[tuple]) -> str:
    name = jobs[k][1]
    return f"run {k + 1} of {len(jobs)}" + (f" (placement {name})" if name else "")


def _job(job: tuple, tick: Callable[[int, int], None] | None = None) -> Any:
    """One run: its ScenarioRun, or for a placement its summary row."""
    s, name, seed, duration_s = job
    sr = run(s, seed=seed, duration_s=duration_s, progress=tick)
    return sr if name is None else placement_row(sr, name)


def placement_row(sr: ScenarioRun, name: str) -> dict[str, Any]:
    """A placement's run as one row: what it costs (gateway VMs and hosts) and how it did."""
    s = sr.scenario
    offered = sum(r["offered"] + r["carried_in"] for r in sr.rows)
    gws = [e for e in sr.result.elements if e["kind"] == "gateway"]
    p99 = [r["latency_p99_ms"] for r in sr.rows if r["latency_p99_ms"] is not None]
    return {
        "placement": name, "gateway_vms": len(s.gateways),
        "gateway_hosts": placement.gateway_hosts_used(s),
        "busiest_vcpu": max((g["utilization_max"] for g in gws), default=0.0),
        "loss": sum(r["dropped"] for r in sr.rows) / offered if offered else 0.0,
        "worst_p99_ms": max(p99, default=None),
        "throughput_mbps": sum(r["throughput_mbps"] for r in sr.rows),
    }  # fmt: skip


def write(rep: Replicated, out: Path) -> list[Path]:
    """The runs' tables (:func:`tables`) as Parquet files in ``out``, each atomically."""
    return write_tables(out, tables(rep), {})


def tables(rep: Replicated) -> dict[str, pa.Table]:
    """The runs' tables, each with a sweep's provenance in its schema metadata: ``run`` and
    ``patterns`` hold a sweep's ``runs`` and ``tenants`` rows, one per replication (and VM
    network); ``patterns_ci`` each VM network's means and intervals; the engine's own
    tables (elements, drops, ...) every replication's rows, told apart by
    ``replication``; ``placements`` (means and intervals) and ``placement_runs`` when
    placements ran."""
    meta = [ids(sr, r) for r, sr in enumerate(rep.runs)]
    out = _engine(rep)
    pairs = list(zip(meta, rep.runs, strict=True))
    out["run"] = schema.table(schema.runs({}), [{**m, **summary(sr)} for m, sr in pairs], {})
    rows = [{**m, **row} for m, sr in pairs for row in sr.rows]
    out["patterns"] = schema.table(schema.tenants({}), rows, {})
    out["patterns_ci"] = schema.table(
        schema.with_intervals(schema.TENANT_COLUMNS, schema.TENANT_MEASURED), rep.rows, {}
    )
    if rep.placements:
        out["placements"] = schema.table(
            schema.with_intervals(schema.PLACEMENT_COLUMNS, schema.PLACEMENT_MEASURED),
            rep.placements, {})  # fmt: skip
        out["placement_runs"] = schema.table(schema.placement_runs(), rep.placement_runs, {})
    first = rep.runs[0].result
    depth = len(first.spawn_key)  # an element's key under its run's: the same in every run
    keys = {e: list(k[depth:]) for e, k in first.spawn_keys.items()}
    provenance = schema.provenance(
        rep.scenario.model_dump(mode="json"), scenario=rep.scenario.name,
        seed_entropy=meta[0]["seed_entropy"], replications=str(rep.replications),
        spawn_key=json.dumps([json.loads(m["spawn_key"]) for m in meta]),
        spawn_keys=json.dumps(keys, sort_keys=True), confidence_level=str(LEVEL))  # fmt: skip
    extra = {k.encode(): v.encode() for k, v in provenance.items()}
    return {name: t.replace_schema_metadata({**(t.schema.metadata or {}), **extra})
            for name, t in out.items()}  # fmt: skip


def _engine(rep: Replicated) -> dict[str, pa.Table]:
    """Each engine table of every run, one after the other, ``replication`` first."""
    parts: dict[str, list[pa.Table]] = {}
    for r, sr in enumerate(rep.runs):
        for name, t in engine_tables(sr).items():
            if name == "run":  # the summary row: the sweep's ``runs`` row replaces it
                continue
            column = pa.array([r] * t.num_rows, pa.int32())
            parts.setdefault(name, []).append(t.add_column(0, "replication", column))
    # Permissive: the elements table's columns follow what each run measured (a column no
    # element of one run has a value for is float64 there).
    return {name: pa.concat_tables(ts, promote_options="permissive") for name, ts in parts.items()}
