"""Fast-path kernels: Mpps per kernel, frame size and batch size.

In the same run: the memory-touch kernel (the physical limit for that many header
bytes) and the pure-Python twin (the baseline). Each case stores its packet rate in
``extra_info`` so ``benchmarks/report.py`` can print Mpps and ratios from the JSON.
Run: ``python -m pytest benchmarks --benchmark-json=bench.json``.
"""

from __future__ import annotations

import pytest

from nvbench import workloads
from nvbench.fastpath import nvgre
from tests.oracle import esp as esp_twin
from tests.oracle import nvgre as nvgre_twin
from tests.oracle.nat import NatModel

BATCHES = [256, 1024, 4096, 16384, 65536]


def _rate(benchmark, packets: int) -> None:
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(packets=packets, mpps=packets / median / 1e6)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("frame", workloads.FRAME_SIZES)
@pytest.mark.parametrize("kernel", workloads.KERNELS)
def test_kernel(benchmark, kernel, frame, batch):
    benchmark.group = f"{kernel} {frame}"
    w = workloads.make(kernel, frame, batch)
    w.reset()
    w.run()  # compiled or loaded before timing
    w.check()  # every packet passes: a drop would make the figure meaningless
    benchmark.pedantic(w.run, setup=w.reset, rounds=max(5, 200_000 // batch), iterations=1)
    _rate(benchmark, batch)
    benchmark.extra_info["kernel"], benchmark.extra_info["frame"] = kernel, frame


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("frame", workloads.FRAME_SIZES)
@pytest.mark.parametrize("kernel", workloads.KERNELS)
def test_touch(benchmark, kernel, frame, batch):
    benchmark.group = f"{kernel} {frame}"
    w = workloads.make(kernel, frame, batch)
    w.touch()
    benchmark.pedantic(w.touch, rounds=max(5, 200_000 // batch), iterations=1)
    _rate(benchmark, batch)
    benchmark.extra_info["kernel"], benchmark.extra_info["frame"] = kernel, frame


def _twin(kernel: str, w: workloads.Workload):
    """(fresh state, job): the pure-Python twin doing the kernel's job on the same frames."""
    frames = w.batch.frames()
    rd = w.batch.rd[: w.batch.n].tolist()
    if kernel == "nvgre_encap":
        table, _ = workloads.policy()
        policy = nvgre_twin.Policy()
        for r in range(len(table)):
            key = int(table.index.keys[r])
            policy.add(
                key >> 32, key & 0xFFFFFFFF, int(table.pa[r]), int(table.mac[r]), int(table.vsid[r])
            )
        t = nvgre.Tunnel(workloads.HOST_PA, mtu=9000)
        return lambda: None, lambda _: [
            nvgre_twin.encap(
                f, d, policy, t.local_pa, t.local_mac, t.next_hop_mac, t.vlan, t.mtu, 1
            )
            for f, d in zip(frames, rd, strict=True)
        ]
    if kernel == "nvgre_decap":
        domains = {5000 + t: t for t in range(workloads.TENANTS)}
        return lambda: None, lambda _: [nvgre_twin.decap(f, domains) for f in frames]
    if kernel in ("nat_existing", "nat_new"):
        from nvbench.fastpath.nat_table import NatTable

        nat = NatTable(8192, seed=7)  # the kernel's NAT, for its port permutations
        for t in range(workloads.TENANTS):
            nat.add_tenant(t, [workloads.PUBLIC + 1 + t % 4])
        rings = nat.rings

        def model():
            m = NatModel(8192, NatTable(1).config, rings)
            for t in range(workloads.TENANTS):
                m.add_tenant(t, [workloads.PUBLIC + 1 + t % 4])
            if kernel == "nat_existing":
                for f, d in zip(frames, rd, strict=True):
                    m.outbound(f, d, 0)
            return m

        return model, lambda m: [m.outbound(f, d, 0) for f, d in zip(frames, rd, strict=True)]

    def sa():
        return esp_twin.Sa(0x1000, "aes-gcm-128", workloads.PUBLIC + 1, workloads.PEER)

    if kernel == "esp_encap":
        return sa, lambda s: [esp_twin.encap(f, s, 1, 2, 1600) for f in frames]
    return sa, lambda s: [esp_twin.decap(f, {0x1000: s}, 1, 2) for f in frames]


@pytest.mark.parametrize("frame", ["64", "imix"])
@pytest.mark.parametrize("kernel", workloads.KERNELS)
def test_twin(benchmark, kernel, frame):
    benchmark.group = f"{kernel} {frame}"
    w = workloads.make(kernel, frame, 256)
    w.reset()
    state, job = _twin(kernel, w)
    benchmark.pedantic(job, setup=lambda: ((state(),), {}), rounds=3, iterations=1)
    _rate(benchmark, 256)
    benchmark.extra_info["kernel"], benchmark.extra_info["frame"] = kernel, frame
