"""Read what a run, sweep or plan directory holds into plain rows for the plots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq

from nvbench.records.dataset import Dataset


class ReportError(Exception):
    """The directory holds nothing a report can show."""


@dataclass
class ReportSource:
    kind: str  # "run", "sweep", "plan" or "validation"
    root: Path
    tenants: list[dict[str, Any]] = field(default_factory=list)  # one row per VM network
    runs: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)  # plan
    points: list[dict[str, Any]] = field(default_factory=list)  # plan evaluations
    frontier: list[dict[str, Any]] = field(default_factory=list)  # plan
    placements: list[dict[str, Any]] = field(default_factory=list)  # compare's layouts
    failures: list[dict[str, Any]] = field(default_factory=list)  # a sweep's failed points
    validation: list[dict[str, Any]] = field(default_factory=list)  # nvbench validate's rows
    sensitivity: list[dict[str, Any]] = field(default_factory=list)  # ... --sensitivity's
    series: list[dict[str, Any]] = field(default_factory=list)  # one run's, if it has any
    events: list[dict[str, Any]] = field(default_factory=list)  # that run's faults, takeovers
    gateways: list[str] = field(default_factory=list)  # a run's gateway VMs, passive ones too
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def swept(self) -> dict[str, str]:
        """A sweep's swept columns -> their key paths (from the files' metadata)."""
        return json.loads(self.meta.get("swept", "{}"))


def read(root: Path) -> ReportSource:
    """The rows of ``root``: a profile's validation (validation.parquet), a plan
    (plan.parquet), a sweep (runs/, tenants/) or a run (patterns.parquet)."""
    if not root.is_dir():
        raise ReportError(f"{root} is not a directory")
    if (root / "validation.parquet").exists():
        src = ReportSource("validation", root, meta=_meta(root / "validation.parquet"))
        src.validation = _rows(root / "validation.parquet")
        src.sensitivity = _rows(root / "sensitivity.parquet")
        return src
    if (root / "plan.parquet").exists():
        src = ReportSource("plan", root, meta=_meta(root / "plan.parquet"))
        src.answers = pq.read_table(root / "plan.parquet").to_pylist()
        src.points = _rows(root / "plan_points.parquet")
        src.frontier = _rows(root / "frontier.parquet")
        return src
    if (root / "tenants").is_dir():
        tenants = ds.dataset(root / "tenants", format="parquet", partitioning="hive")
        src = ReportSource("sweep", root, tenants=tenants.to_table().to_pylist())
        if (root / "runs").is_dir():
            runs = ds.dataset(root / "runs", format="parquet")
            src.runs = runs.to_table().to_pylist()
            first = next((root / "runs").glob("*.parquet"), None)
            src.meta = _meta(first) if first else {}
        src.failures = Dataset(root).failures()
        if not src.tenants:
            raise ReportError(f"{root}: the sweep has no finished runs yet")
        first = min(r["run_id"] for r in src.runs) if src.runs else None
        path = root / "series" / f"{first}.parquet"
        src.series = _rows(path) if first else []
        return src
    if (root / "patterns.parquet").exists():
        src = ReportSource("run", root, meta=_meta(root / "patterns.parquet"))
        src.tenants = _rows(root / "patterns.parquet")  # every replication's rows
        src.runs = _rows(root / "run.parquet")
        src.placements = _rows(root / "placements.parquet")
        # The time series and events of the first replication (all replications' are in
        # the files; one is what a timeline can show without mixing runs).
        src.series = [r for r in _rows(root / "series.parquet") if r["replication"] == 0]
        src.events = [r for r in _rows(root / "events.parquet") if r["replication"] == 0]
        elements = _rows(root / "elements.parquet")
        src.gateways = sorted({e["name"] for e in elements if e["kind"] == "gateway"})
        return src
    raise ReportError(f"{root} holds no nvbench run (patterns.parquet), sweep (runs/, "
                      f"tenants/), plan (plan.parquet) or validation "
                      f"(validation.parquet)")  # fmt: skip


def _rows(path: Path) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist() if path.exists() else []


def _meta(path: Path) -> dict[str, str]:
    raw = pq.read_schema(path).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if not k.startswith(b"ARROW")}
