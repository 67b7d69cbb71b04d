"""Measure this machine's fast path: Mpps per kernel and frame size, beside memory touch.

The simulator's cost model reads these figures. Each kernel runs on a prepared batch
(:mod:`nvbench.workloads`); the batch is restored between repetitions outside the
timed region, and the median repetition counts.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nvbench import workloads
from nvbench.packet.pcap import PcapWriter


@dataclass(frozen=True)
class Figure:
    kernel: str
    frame_bytes: str
    batch: int
    mpps: float
    ns_per_packet: float
    touch_mpps: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _median_seconds(fn, reset, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        reset()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def measure(kernel: str, frame: str, batch: int = 4096, repeats: int = 15) -> Figure:
    """Mpps of ``kernel`` on ``batch`` frames of size ``frame``, and of memory touch."""
    w = workloads.make(kernel, frame, batch)
    w.reset()
    w.run()  # compile or load from cache outside the timing
    w.check()
    w.touch()
    t = _median_seconds(w.run, w.reset, repeats)
    t_touch = _median_seconds(w.touch, lambda: None, repeats)
    return Figure(kernel, frame, batch, batch / t / 1e6, t * 1e9 / batch, batch / t_touch / 1e6)


def run(
    kernels=workloads.KERNELS,
    frames=workloads.FRAME_SIZES,
    batch: int = 4096,
    repeats: int = 15,
    progress=None,
) -> list[Figure]:
    figures = []
    for k in kernels:
        for f in frames:
            figures.append(measure(k, f, batch, repeats))
            if progress:
                progress(figures[-1])
    return figures


def write_samples(path: str | Path, per_kind: int = 4) -> int:
    """Write a few frames of every kind the kernels build to a pcap file; returns the count."""
    with PcapWriter(path) as pcap:
        for kernel in ("nvgre_encap", "nat_existing", "esp_encap"):
            w = workloads.make(kernel, "imix", per_kind)
            w.reset()
            pcap.write_batch(workloads.tenant_frames("imix", per_kind))  # the tenant frames
            w.run()
            pcap.write_batch(w.batch)
        return pcap.count


def table(figures: list[Figure]) -> str:
    rows = [f"{'kernel':<14}{'frame':>6}{'batch':>7}{'Mpps':>9}{'ns/pkt':>9}{'touch Mpps':>12}"]
    for f in figures:
        rows.append(
            f"{f.kernel:<14}{f.frame_bytes:>6}{f.batch:>7}{f.mpps:>9.2f}"
            f"{f.ns_per_packet:>9.1f}{f.touch_mpps:>12.2f}"
        )
    return "\n".join(rows)
