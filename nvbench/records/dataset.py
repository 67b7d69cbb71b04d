"""The Parquet dataset a sweep writes: hive-partitioned, each run's files atomic, resumable.

Layout under the output directory (tables as :mod:`nvbench.records.schema` defines them)::

    tenants/pattern=<p>/<run_id>.parquet     one row per VM network (hive partitions)
    series/<run_id>.parquet                  time series, when the scenario asks for them
    runs/<run_id>.parquet                    one row per run, written last: the run is done
    failed/<run_id>.json                     a point that raised, with its error

A run counts as done only when its row is in the runs table: that file is written after
the run's other files, so it is the run's commit record. Files of a run without one (an
interrupted run) are removed before resuming, so each point ends up in the data once.
Every file is written to a temporary name in its own directory, flushed, fsynced and
renamed into place (then the directory is fsynced): a killed process leaves no half file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SMALL = 1024  # rows
TABLES = {"runs": None, "tenants": "pattern", "series": None}  # table -> its partition key


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def atomic_write_table(path: Path, table: pa.Table) -> None:
    """``table`` as a Parquet file at ``path``, atomically. A run's tables are a few rows:
    for those, dictionaries, compression and statistics cost more to write than they
    save (and the write is most of a small sweep point's overhead)."""
    sink = pa.BufferOutputStream()
    if table.num_rows < SMALL:
        pq.write_table(table, sink, compression="NONE", use_dictionary=False,
                       write_statistics=False)  # fmt: skip
    else:
        pq.write_table(table, sink)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def write_tables(out: Path, tables: dict[str, pa.Table], meta: dict[str, str]) -> list[Path]:
    """Each table as ``out/<name>.parquet``, atomically, with ``meta`` (the provenance) in
    its schema metadata: a run's, a comparison's and a plan's folder."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out / f"{name}.parquet"
        atomic_write_table(path, table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                                **_bytes(meta)}))  # fmt: skip
        written.append(path)
    return written


def _bytes(meta: dict[str, str]) -> dict[bytes, bytes]:
    return {k.encode(): v.encode() for k, v in meta.items()}


class Dataset:
    """The files of one sweep's output directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def done(self, run_id: str) -> bool:
        return (self.root / "runs" / f"{run_id}.parquet").exists()

    def any_done(self) -> bool:
        d = self.root / "runs"
        return d.exists() and any(d.glob("*.parquet"))

    def sweep_hashes(self) -> set[str]:
        """The ``sweep_hash`` of every readable run file (one, for a dataset of one sweep)."""
        out = set()
        for path in sorted((self.root / "runs").glob("*.parquet")):
            try:
                meta = pq.read_schema(path).metadata or {}
            except (OSError, pa.ArrowInvalid):
                continue  # a damaged file is a run to do again, not a sweep's signature
            out.add(meta.get(b"sweep_hash", b"").decode())
        return out

    def write_run(self, run_id: str, tables: dict[str, pa.Table]) -> None:
        """The run's tables, one file per partition (empty tables are skipped), the runs
        table last: its file makes the run count as done."""
        for name in sorted(tables, key=lambda n: n == "runs"):
            for path, part in self._parts(name, run_id, tables[name]):
                atomic_write_table(path, part)
        (self.root / "failed" / f"{run_id}.json").unlink(missing_ok=True)  # it failed before

    def _parts(self, name: str, run_id: str, table: pa.Table) -> list[tuple[Path, pa.Table]]:
        if table.num_rows == 0:
            return []
        key = TABLES[name]
        if key is None:
            return [(self.root / name / f"{run_id}.parquet", table)]
        out = []
        for value in sorted(set(table.column(key).to_pylist())):
            part = table.filter(pc.equal(table[key], value)).drop_columns([key])
            out.append((self.root / name / f"{key}={value}" / f"{run_id}.parquet", part))
        return out

    def write_failure(self, run_id: str, point: dict[str, Any], error: str) -> None:
        doc = {"run_id": run_id, "point": point, "error": error}
        atomic_write_bytes(self.root / "failed" / f"{run_id}.json", json.dumps(doc).encode())

    def clean(self) -> int:
        """Remove temporary files and the files of runs not done; how many."""
        removed = 0
        for p in self.root.rglob(".*.tmp"):
            p.unlink()
            removed += 1
        for name in TABLES:
            d = self.root / name
            for p in d.rglob("*.parquet") if d.exists() else ():
                if not self.done(p.stem):
                    p.unlink()
                    removed += 1
        return removed

    def failures(self) -> list[dict[str, Any]]:
        d = self.root / "failed"
        return [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))] if d.exists() else []
