"""Kernel workloads on generated traffic, shared by ``nvbench calibrate`` and benchmarks/.

A :class:`Workload` holds a batch prepared for one kernel and a pristine copy of it.
``reset()`` restores the copy (kernels work in place); ``run()`` is the timed call.
Traffic: UDP frames from 4,096 flows of 100 tenants; the HNV policy table holds
10,000 records (100 tenants x 100 VMs), the NAT 4,096 sessions on 4 public addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from nvbench.fastpath import esp, nvgre
from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.touch import touch
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames, imix_sizes

TENANTS = 100
VMS = 100
FLOWS = 4096
HOST_PA = 0xC0A80001  # 192.168.0.1, this host's provider address
PUBLIC = 0xC6336400  # 198.51.100.0/24 (documentation range)
PEER = 0xCB007101  # 203.0.113.1
FRAME_SIZES = ("64", "512", "1500", "imix")
KERNELS = ("nvgre_encap", "nvgre_decap", "nat_existing", "nat_new", "esp_encap", "esp_decap")
# Header bytes each kernel reads or writes, for the memory-touch comparison.
TOUCH_BYTES = {
    "nvgre_encap": 56,
    "nvgre_decap": 56,
    "nat_existing": 42,
    "nat_new": 42,
    "esp_encap": 80,
    "esp_decap": 80,
}


@dataclass
class Workload:
    name: str
    frame: str
    batch: PacketBatch
    call: Callable[[], None]
    fresh: Callable[[], None] = field(default=lambda: None)
    pristine: tuple = ()

    def __post_init__(self) -> None:
        b = self.batch
        self.pristine = (
            b.buf.copy(),
            b.offset.copy(),
            b.length.copy(),
            b.rd.copy(),
            b.sa.copy(),
            b.verdict.copy(),
        )

    def reset(self) -> None:
        b = self.batch
        for dst, src in zip(
            (b.buf, b.offset, b.length, b.rd, b.sa, b.verdict), self.pristine, strict=True
        ):
            dst[...] = src
        self.fresh()

    def run(self) -> None:
        self.call()

    def check(self) -> None:
        """Fail unless the last run passed every packet: a dropped one costs less."""
        bad = np.flatnonzero(self.batch.verdict[: self.batch.n])
        if bad.size:
            raise RuntimeError(f"{self.name}/{self.frame}: {bad.size} packets dropped")

    def touch(self) -> None:
        """The memory-touch baseline on the same batch."""
        touch(self.batch.buf, self.batch.offset, TOUCH_BYTES[self.name], self.batch.n)


def sizes_for(frame: str, n: int) -> np.ndarray:
    if frame == "imix":
        return imix_sizes(n)
    return np.full(n, int(frame), dtype=np.int64)


def _ca(vm: np.ndarray) -> np.ndarray:
    return 0x0A000100 + 4 + vm  # 10.0.1.4 + vm: every tenant reuses the same addresses


def tenant_frames(frame: str, n: int, flows: int = FLOWS) -> PacketBatch:
    """``n`` UDP frames of ``flows`` flows spread over the tenants and their VMs.

    Past 16,384 flows (the dynamic source ports) they differ in their source address too.
    """
    batch = PacketBatch(n)
    flow = np.arange(n) % flows
    vm = flow % VMS
    build_frames(
        batch,
        n,
        src_ip=_ca(vm) + (flow // 16384 << 8),  # a new address when the ports run out
        dst_ip=_ca((vm + 1) % VMS),
        sport=49152 + flow % 16384,  # Windows' dynamic ports, as the traffic sources'
        dport=9,  # discard (RFC 863): the filler decodes cleanly
        size=sizes_for(frame, n),
    )
    batch.rd[:n] = (flow // VMS) % TENANTS
    batch.time[:n] = np.arange(n) * 100  # 10 Mpps offered
    return batch


def policy() -> tuple[PolicyTable, VsidTable]:
    t = np.repeat(np.arange(TENANTS), VMS)
    vm = np.tile(np.arange(VMS), TENANTS)
    table = PolicyTable(TENANTS * VMS)
    table.add(t, _ca(vm), 0xC0A80000 + 2 + vm % 32, 0x00155D000000 + vm, 5000 + t)
    vsids = VsidTable()
    vsids.add(5000 + np.arange(TENANTS), np.arange(TENANTS))
    return table, vsids


def _nvgre(name: str, frame: str, n: int) -> Workload:
    batch = tenant_frames(frame, n)
    table, vsids = policy()
    # A jumbo provider network (as WS2016 HNV needs for 1514-byte tenant frames [S7]),
    # so that 1500-byte frames are measured too; the MTU limit itself is a test.
    counts, ident, tunnel = new_counts(), np.zeros(1, np.int64), nvgre.Tunnel(HOST_PA, mtu=9000)
    if name == "nvgre_encap":
        return Workload(
            name, frame, batch, lambda: nvgre.encapsulate(batch, table, tunnel, counts, ident)
        )
    nvgre.encapsulate(batch, table, tunnel, counts, ident)
    return Workload(name, frame, batch, lambda: nvgre.decapsulate(batch, vsids, counts))


def _nat(name: str, frame: str, n: int) -> Workload:
    # nat_new: every packet of the batch opens a mapping of its own.
    batch = tenant_frames(frame, n, flows=FLOWS if name == "nat_existing" else n)
    counts = new_counts()
    holder: list[NatTable] = []

    def fresh() -> None:
        nat = NatTable(max(2 * n, 8192), seed=7)
        for t in range(TENANTS):
            nat.add_tenant(t, [PUBLIC + 1 + t % 4])
        holder[:] = [nat]

    fresh()
    if name == "nat_existing":  # open every flow once, then time translation only
        warm = tenant_frames(frame, min(n, FLOWS))
        holder[0].outbound(warm, counts)
        return Workload(name, frame, batch, lambda: holder[0].outbound(batch, counts))
    return Workload(name, frame, batch, lambda: holder[0].outbound(batch, counts), fresh)


def _esp(name: str, frame: str, n: int) -> Workload:
    batch = tenant_frames(frame, n)
    sas = SaTable(TENANTS)
    for t in range(TENANTS):
        sas.add(0x1000 + t, "aes-gcm-128", PUBLIC + 1, PEER + t, tenant=t)
    batch.sa[:n] = batch.rd[:n]
    counts = new_counts()
    # An outer MTU of 1600 lets 1500-byte frames through with their ESP overhead; the
    # 1500-byte limit itself is a unit test.
    mtu = 1600
    if name == "esp_encap":
        return Workload(name, frame, batch, lambda: esp.encapsulate(batch, sas, counts, mtu=mtu))
    esp.encapsulate(batch, sas, counts, mtu=mtu)

    def fresh() -> None:  # forget the replay windows, or every rerun is a replay
        sas.cols[9].fill(0)
        sas.cols[10].fill(0)

    return Workload(name, frame, batch, lambda: esp.decapsulate(batch, sas, counts), fresh)


def make(name: str, frame: str, n: int) -> Workload:
    """The workload for kernel ``name`` on ``n`` frames of size ``frame``."""
    if name.startswith("nvgre"):
        return _nvgre(name, frame, n)
    if name.startswith("nat"):
        return _nat(name, frame, n)
    if name.startswith("esp"):
        return _esp(name, frame, n)
    raise ValueError(f"unknown kernel {name!r}; one of {KERNELS}")
