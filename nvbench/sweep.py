"""Parameter sweeps: a base scenario, axes over its key paths, replications, in parallel.

A sweep file (TOML)::

    scenario = "default.toml"      # beside the sweep file, or a shipped scenario's name
    replications = 2
    seed = 7                       # the sweep's SeedSequence entropy
    duration_s = 0.5               # optional: overrides the scenario's
    [[grid]]                       # every combination of the grid axes' values ...
    path = "vm_networks[2].traffic[0].rate_pps"
    values = [10000, 20000, 40000]
    [[zip]]                        # ... times the zipped axes, advancing together
    path = "gateways[0].vcpus"
    values = [4, 8]
    samples = 0                    # ... times random samples of the [[random]] axes

Each (point, replication) is one run with a child of the sweep's SeedSequence; its id
hashes the scenario, the point, the nvbench version and the seed, so ``--resume`` skips
what is done whichever way the sweep ran before. Rows go to a hive-partitioned Parquet
dataset (:mod:`nvbench.records.dataset`) with the tables of :mod:`nvbench.records.schema`.
Runs are handed to the worker processes in chunks, so that a small run does not pay a
round trip to the pool each.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import ValidationError

from nvbench import __version__
from nvbench.records import schema
from nvbench.records.dataset import Dataset
from nvbench.scenario.loader import SHIPPED, ScenarioError, from_dict, load, schema_problems
from nvbench.sweep_file import RandomAxis, SweepFile, set_path

# The random sweep axes draw from this child of the sweep's seed; runs use 0, 1, 2, ...
SAMPLES_KEY = 1 << 30


@dataclass(frozen=True)
class SweepRun:
    run_id: str
    point: dict[str, Any]
    replication: int
    entropy: int
    spawn_key: tuple[int, ...]


@dataclass
class SweepPlan:
    """A sweep ready to run: the base scenario (as a document) and every run."""

    base: dict[str, Any]
    runs: list[SweepRun]
    duration_s: float | None
    source: str
    params: dict[str, pa.DataType]  # the swept columns (snake_case) and their types
    meta: dict[str, str]  # provenance shared by every file of the sweep


# -- planning -------------------------------------------------------------------------------


def load_sweep(path: str | Path) -> SweepPlan:
    """Read and check a sweep file and every point it makes; ScenarioError lists problems."""
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8-sig"))  # a BOM is no TOML
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(str(p), [f"cannot read the file: {e}"]) from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(str(p), [f"not valid TOML: {e}"]) from None
    except RecursionError:
        raise ScenarioError(str(p), ["not a sweep file: values nested too deeply"]) from None
    try:
        spec = SweepFile.model_validate(doc)
    except ValidationError as e:
        raise ScenarioError(str(p), schema_problems(e)) from None
    base = _base_scenario(spec, p)
    points = _points(spec)
    _check_points(base, spec, points, str(p))
    params = {a.path: schema.param_type(a.values) for a in [*spec.grid, *spec.zip]}
    params |= {a.path: pa.int64() if a.integer else pa.float64() for a in spec.random}
    columns, problems = schema.swept_columns(list(params))
    if problems:
        raise ScenarioError(str(p), problems)
    meta = schema.provenance(base, sweep_hash=schema.digest(doc), sweep_seed=str(spec.seed),
                             swept=json.dumps(columns))  # fmt: skip
    params = {schema.column_name(k): v for k, v in params.items()}
    return SweepPlan(base, _runs(base, spec, points), spec.duration_s, str(p), params, meta)


def _base_scenario(spec: SweepFile, sweep_path: Path) -> dict[str, Any]:
    candidate = sweep_path.parent / spec.scenario
    if not candidate.exists() and (SHIPPED / spec.scenario).exists():
        candidate = SHIPPED / spec.scenario
    if not candidate.exists() and (SHIPPED / f"{spec.scenario}.toml").exists():
        candidate = SHIPPED / f"{spec.scenario}.toml"
    try:
        return load(candidate).model_dump(mode="json")
    except ScenarioError as e:
        raise ScenarioError(str(sweep_path), [f"scenario: {m}" for m in e.problems]) from None


def _points(spec: SweepFile) -> list[dict[str, Any]]:
    grid = [dict(zip([a.path for a in spec.grid], combo, strict=True))
            for combo in itertools.product(*(a.values for a in spec.grid))]  # fmt: skip
    rows = [{a.path: a.values[i] for a in spec.zip}
            for i in range(len(spec.zip[0].values))] if spec.zip else [{}]  # fmt: skip
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(SAMPLES_KEY,)))
    samples = [_sample(spec.random, rng) for _ in range(spec.samples)] if spec.random else [{}]
    return [{**g, **z, **r} for g in grid for z in rows for r in samples]


def _sample(axes: list[RandomAxis], rng: np.random.Generator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in axes:
        u = rng.random()
        x = a.low * (a.high / a.low) ** u if a.log else a.low + (a.high - a.low) * u
        out[a.path] = int(round(x)) if a.integer else float(x)
    return out


def _check_points(base: dict, spec: SweepFile, points: list[dict], source: str) -> None:
    problems: list[str] = []
    paths = [(f"grid[{i}]", a.path) for i, a in enumerate(spec.grid)]
    paths += [(f"zip[{i}]", a.path) for i, a in enumerate(spec.zip)]
    paths += [(f"random[{i}]", a.path) for i, a in enumerate(spec.random)]
    for where, path in paths:
        try:
            set_path(json.loads(json.dumps(base)), path, None)
        except (KeyError, ValueError) as e:
            problems.append(f"{where}.path: {e.args[0]}")
    if problems:
        raise ScenarioError(source, problems)
    for k, point in enumerate(points):
        try:
            from_dict(_apply(base, point), f"point {k}")
        except ScenarioError as e:
            problems += [f"point {k} {point}: {m}" for m in e.problems]
    if problems:
        raise ScenarioError(source, problems)


def _apply(base: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(json.dumps(base))
    for path, value in point.items():
        set_path(doc, path, value)
    return doc


def _runs(base: dict, spec: SweepFile, points: list[dict]) -> list[SweepRun]:
    root = np.random.SeedSequence(spec.seed)
    children = root.spawn(len(points) * spec.replications)
    scenario_hash = schema.digest(base)
    runs = []
    for k, point in enumerate(points):
        for r in range(spec.replications):
            child = children[k * spec.replications + r]
            key = tuple(int(x) for x in child.spawn_key)
            ident = json.dumps([scenario_hash, point, __version__, spec.seed, key, spec.duration_s],
                               sort_keys=True, default=str)  # fmt: skip
            run_id = hashlib.sha256(ident.encode()).hexdigest()[:16]
            runs.append(SweepRun(run_id, point, r, spec.seed, key))
    return runs


# -- running --------------------------------------------------------------------------------


Rows = dict[str, list[dict[str, Any]]]  # table name -> rows


def run_one(base: dict, run: SweepRun, duration_s: float | None) -> Rows:
    """Simulate one run; its rows: one for the run, one per VM network, its time series.
    Each carries the point's values and the run's ids and seed."""
    from nvbench import runner

    scenario = from_dict(_apply(base, run.point), run.run_id)
    seed = np.random.SeedSequence(run.entropy, spawn_key=run.spawn_key)
    sr = runner.run(scenario, seed=seed, duration_s=duration_s)
    point = {schema.column_name(k): v for k, v in run.point.items()}
    ids = {**point, "run_id": run.run_id, "replication": run.replication,
           "seed_entropy": str(run.entropy), "spawn_key": json.dumps(run.spawn_key),
           "scenario": scenario.name}  # fmt: skip
    series = sr.result.to_arrow()["series"].to_pylist() if sr.result.series else []
    return {
        "runs": [{**ids, **runner.summary(sr)}],
        "tenants": [{**ids, **row} for row in sr.rows],
        "series": [{**ids, **row} for row in series],
    }


TABLES = {"runs": schema.runs, "tenants": schema.tenants, "series": schema.series}


@dataclass(frozen=True)
class Context:
    """What a worker needs besides the runs: sent once per chunk, not per run."""

    base: dict[str, Any]
    duration_s: float | None
    params: dict[str, pa.DataType]
    meta: dict[str, str]
    out: str


def _context(plan: SweepPlan, out: str) -> Context:
    return Context(plan.base, plan.duration_s, plan.params, plan.meta, out)


def _task(ctx: Context, run: SweepRun) -> tuple[str, str | None]:
    """One run in a worker: written to the dataset, or its error recorded; never raises."""
    data = Dataset(Path(ctx.out))
    meta = {**ctx.meta, "seed_entropy": str(run.entropy), "spawn_key": json.dumps(run.spawn_key)}
    try:
        rows = run_one(ctx.base, run, ctx.duration_s)
        tables = {k: schema.table(TABLES[k](ctx.params), v, meta) for k, v in rows.items()}
        data.write_run(run.run_id, tables)
        return run.run_id, None
    except Exception as e:  # a failed point is recorded and the sweep goes on
        data.write_failure(run.run_id, run.point, f"{type(e).__name__}: {e}")
        return run.run_id, f"{type(e).__name__}: {e}"


def _chunk(ctx: Context, runs: list[SweepRun]) -> list[tuple[str, str | None]]:
    return [_task(ctx, r) for r in runs]


Outcomes = Iterator[tuple[str, str | None]]  # (run_id, error or None) as runs finish


@dataclass
class Outcome:
    done: int
    failed: int
    skipped: int


def execute(plan: SweepPlan, out: Path, workers: int = 1, resume: bool = False,
            progress: Callable[[int, int, int], None] | None = None,
            dask: str | None = None) -> Outcome:  # fmt: skip
    """Run every run of ``plan`` not done yet into ``out``; ``progress(done, failed, total)``.

    ``dask``: ``"local:N"`` starts a LocalCluster of N worker processes, anything else is
    the address of a running ``dask.distributed`` scheduler (``tcp://host:8786``). Dask
    reruns the tasks of a worker that dies, and each run's files are atomic, so a lost
    worker costs time, not data. The dataset is the same whichever way the sweep ran.
    """
    data = Dataset(out)
    if not resume and data.any_done():
        raise FileExistsError(f"{out} holds a sweep already; use --resume to complete it")
    other = data.sweep_hashes() - {plan.meta["sweep_hash"]} if resume else set()
    if other:  # a different (or edited) sweep file: its points would mix with this one's
        raise FileExistsError(
            f"{out} holds the runs of another sweep file (or of this one "
            "before an edit); resume with that file, or give another --out"
        )
    data.clean()
    todo = [r for r in plan.runs if not data.done(r.run_id)]
    skipped = len(plan.runs) - len(todo)
    done = failed = 0
    ctx = _context(plan, str(out))
    if dask is not None:
        results: Outcomes = _on_dask(dask, ctx, todo)
    elif workers <= 1:
        results = (_task(ctx, r) for r in todo)
    else:
        results = _on_pool(workers, ctx, todo)
    for _, err in results:
        done, failed = done + (err is None), failed + (err is not None)
        if progress:
            progress(done + skipped, failed, len(plan.runs))
    data.clean()  # the temporary files of a worker killed mid-write
    return Outcome(done, failed, skipped)


def chunks(todo: list[SweepRun], workers: int) -> list[list[SweepRun]]:
    """About eight chunks a worker, of at most 16 runs: fewer round trips to the pool for
    tiny runs, while a slow chunk at the end costs little and progress keeps moving. Runs
    are dealt to chunks in turn, so each chunk mixes the sweep's cheap and dear points."""
    count = max(1, min(len(todo), max(8 * workers, -(-len(todo) // 16))))
    return [todo[i::count] for i in range(count)]


def _on_pool(workers: int, ctx: Context, todo: list[SweepRun]) -> Outcomes:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_chunk, ctx, c) for c in chunks(todo, workers)]
        for f in as_completed(futures):
            yield from f.result()


def _on_dask(address: str, ctx: Context, todo: list[SweepRun]) -> Outcomes:
    """(run_id, error) of every run, computed on a dask.distributed cluster."""
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if address.startswith("local:"):
        n = int(address.removeprefix("local:") or 1)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        address = cluster.scheduler_address
    with Client(address, timeout=10) as client:
        # One task per run: the scheduler reruns exactly the runs of a worker that dies.
        futures = [client.submit(_task, ctx, r, key=f"run-{r.run_id}", pure=False)
                   for r in todo]  # fmt: skip
        for f in dask_completed(futures):
            yield f.result()
    if cluster is not None:
        cluster.close()
