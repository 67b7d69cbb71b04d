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


# -- a cost profile from the measurements --------------------------------------------------

# Which cost-model functions each measured kernel stands for. The kernels do the header work
# of these functions; the NVGRE kernel computes no inner checksum, like a NIC with NVGRE
# task offload, so the software-checksum functions keep their published per-byte cost.
KERNEL_FUNCTIONS = {
    "nvgre_encap": ("nvgre_encap_offload",),
    "nvgre_decap": ("nvgre_decap_offload",),
    "nat_existing": ("nat_existing",),
    "nat_new": ("nat_new",),
    "esp_encap": tuple(f"esp_encap:{s}" for s in ("aes-gcm-128", "aes-gcm-256")),
    "esp_decap": tuple(f"esp_decap:{s}" for s in ("aes-gcm-128", "aes-gcm-256")),
}


def clock_hz() -> float | None:
    """This machine's nominal core clock from /proc/cpuinfo, or None where unknown."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("cpu mhz"):
                return float(line.split(":")[1]) * 1e6
    except (OSError, ValueError, IndexError):
        return None
    return None


def aes_gcm_cycles_per_byte(hz: float, nbytes: int = 1500, repeats: int = 2000) -> float | None:
    """Cycles per byte of AES-128-GCM encryption with the cryptography package, if present."""
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:
        return None
    aead = AESGCM(bytes(16))
    nonce, data = bytes(12), bytes(nbytes)

    def once():
        for _ in range(repeats):
            aead.encrypt(nonce, data, None)

    seconds = _median_seconds(once, lambda: None, 5)
    return seconds / repeats / nbytes * hz


def profile_from(figures: list[Figure], hz: float, crypto_cpb: float | None):
    """A cost profile from calibrate figures: per-packet and per-byte cycles fitted on the
    64- and 1500-byte runs of each kernel; unmeasured functions keep the published figure."""
    from nvbench.model import costs, profiles

    out = dict(profiles.default().costs)
    by = {(f.kernel, f.frame_bytes): f for f in figures}
    for kernel, functions in KERNEL_FUNCTIONS.items():
        small, large = by.get((kernel, "64")), by.get((kernel, "1500"))
        if small is None or large is None:
            continue
        c64, c1500 = small.ns_per_packet * hz / 1e9, large.ns_per_packet * hz / 1e9
        per_byte = max(0.0, (c1500 - c64) / (1500 - 64))
        per_packet = max(1.0, c64 - 64 * per_byte)
        for fn in functions:
            extra, note = 0.0, ""
            if fn.startswith("esp_") and crypto_cpb is not None:
                extra, note = crypto_cpb, f" + AES-GCM {crypto_cpb:.2f} cycles/B (cryptography)"
            source = f"nvbench calibrate, {kernel} kernel at {hz / 1e9:.2f} GHz{note}"
            out[fn] = costs.Cost(round(per_packet, 1), round(per_byte + extra, 3), source)
    return costs.Profile(f"calibrated on this machine at {hz / 1e9:.2f} GHz", out)
