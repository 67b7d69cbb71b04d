"""The floor under the simulator's speed: every kernel a NAT cloud packet meets, back to
back on one batch, with no simulator around them.

``test_nat_cloud`` (test_engine.py) asks how fast the engine runs the NAT cloud. This
asks how fast *any* engine built on these kernels could: one batch of packets of the
same traffic (Poisson arrivals at 1 Mpps over 640 flows of 10 tenants, IMIX) goes
through the same work in the same order, each step one call on the whole batch, every
array already allocated and warm in cache:

- ``draws``: the random gaps, flows and sizes a source draws;
- ``frames``: building the frames, NVGRE encapsulation, the provider switch's ECMP
  choice, NVGRE decapsulation, NAT44 on existing sessions (the bytes);
- ``queues``: the eight queue recursions (vSwitch, NIC, gateway NIC, vSwitch, gateway
  vCPUs pinned by flow, uplink) with their service-time lookups, and the latency sketch.

``all`` is the three together. No merging, no splitting at quantum ends, no books: a
compiled walk of the whole topology could at best approach it. Its packet rate against
the 5 M simulated packets/s target of the engine says whether that target can be met
on this machine with these kernels at all.
"""

from __future__ import annotations

import numpy as np
import pytest

from nvbench.fastpath import ecmp, nvgre, timing
from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.sketch import LatencySketch
from nvbench.fastpath.verdict import new_counts
from nvbench.model import profiles
from nvbench.model.link import wire_bytes
from nvbench.model.traffic import Sizes
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_flow_frames
from nvbench.topologies import CA_BASE, INTERNET_BASE, PA_BASE, PUBLIC_BASE, VSID_BASE

TENANTS, VMS, FLOWS_PER_VM = 10, 40, 16
HOST_PA, GW_PA = PA_BASE + 10, PA_BASE + 2
CLOCK = 2.6e9
STEPS = ("draws", "frames", "queues", "all")


class Pipeline:
    """The NAT cloud's per-packet work on one batch of ``n`` packets."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rng = np.random.default_rng(1)
        self.batch = PacketBatch(n)
        flows = np.arange(VMS * FLOWS_PER_VM)
        vm = flows % VMS
        self.tenant_of_flow = (vm % TENANTS).astype(np.int32)
        proto = np.full(flows.shape[0], 17, np.int64)
        self.table = (CA_BASE + vm // TENANTS, INTERNET_BASE + flows // VMS, proto,
                      1024 + flows, np.full(flows.shape[0], 53, np.int64))  # fmt: skip
        self.policy = PolicyTable(VMS + TENANTS)
        t = np.arange(VMS) % TENANTS
        self.policy.add(
            t, CA_BASE + np.arange(VMS) // TENANTS, HOST_PA, 0x00155D000000, VSID_BASE + t
        )
        self.policy.add(
            np.arange(TENANTS), 0, GW_PA, 0x00155D00FFFF, VSID_BASE + np.arange(TENANTS)
        )
        self.vsids = VsidTable()
        self.vsids.add(VSID_BASE + np.arange(TENANTS), np.arange(TENANTS))
        self.tunnel = nvgre.Tunnel(HOST_PA, mtu=9000)
        self.ident, self.counts = np.zeros(1, np.int64), new_counts()
        self.routes = (np.array([GW_PA], np.int64), np.zeros(1, np.int64), np.ones(1, np.int64),
                       -1, np.zeros(1, np.int64))  # fmt: skip
        self.port = np.empty(n, np.int64)
        self.nat = NatTable(1 << 16, max_tenants=TENANTS, seed=2)
        for k in range(TENANTS):
            self.nat.add_tenant(k, [PUBLIC_BASE + 1 + k])
        self.session, self.opened = np.full(n, -1, np.int64), np.zeros(n, np.bool_)
        profile = profiles.default()
        self.encap_ns = profile.service_table("nvgre_encap", CLOCK)
        self.decap_ns = profile.service_table("nvgre_decap", CLOCK)
        self.nat_ns = profile.service_table("nat_existing", CLOCK)
        self.wire_ns = timing.transmission_ns(wire_bytes(np.arange(9216 + 256)), 10e9)
        self.sketch = LatencySketch()
        self.draws()
        drawn = self.flow
        self.flow = np.arange(n) % (VMS * FLOWS_PER_VM)
        self.frames()  # every flow's mapping opened: the timed NAT finds existing ones
        self.flow = drawn
        self.frames()
        self.fresh()

    def fresh(self) -> None:
        """New queues (empty, clocks at zero) for the next round."""
        self.vswitch, self.vswitch_rx = (
            timing.PinnedQueues(1, 4096),
            timing.PinnedQueues(1, 4096),
        )
        self.nic, self.gw_nic, self.uplink = (timing.FifoQueue(1, None, 1 << 20) for _ in range(3))
        self.gateway = timing.PinnedQueues(8, 4096)

    def draws(self) -> None:
        n = self.n
        self.t = np.floor(np.cumsum(self.rng.exponential(1000.0, n))).astype(np.int64)
        self.flow = self.rng.integers(0, VMS * FLOWS_PER_VM, size=n)
        self.size = Sizes.imix().draw(self.rng, n)

    def frames(self) -> None:
        b = self.batch
        build_flow_frames(b, self.flow, self.table, self.size, np.zeros(self.n, np.int64), 0)
        b.rd[: self.n] = self.tenant_of_flow[self.flow]
        b.time[: self.n] = self.t
        nvgre.encapsulate(b, self.policy, self.tunnel, self.counts, self.ident)
        ecmp.choose(b.buf, b.offset, b.length, b.verdict, self.counts, *self.routes, self.port)
        nvgre.decapsulate(b, self.vsids, self.counts)
        self.nat.outbound(b, self.counts, self.session, self.opened)

    def queues(self) -> None:
        b, n = self.batch, self.n
        length = b.length[:n].astype(np.int64)
        one = np.zeros(n, np.int64)
        d = self.vswitch.serve(self.t, self.encap_ns[length], length, one)
        outer = length + 42
        d = self.nic.serve(d, self.wire_ns[outer], outer)
        d = self.gw_nic.serve(d, self.wire_ns[outer], outer)
        d = self.vswitch_rx.serve(d, self.decap_ns[outer], outer, one)
        d = self.gateway.serve(d, self.nat_ns[length], length, self.flow % 8)
        d = self.uplink.serve(d, self.wire_ns[length], length)
        self.sketch.add(d + 1_000_000 - self.t)

    def all(self) -> None:
        self.draws()
        self.frames()
        self.queues()


@pytest.mark.parametrize("batch", [1024, 4096, 16384])
@pytest.mark.parametrize("step", STEPS)
def test_floor(benchmark, step, batch):
    benchmark.group = "floor"
    p = Pipeline(batch)
    work = getattr(p, step)
    work()  # compiled or loaded before timing
    assert np.count_nonzero(p.batch.verdict[:batch]) == 0  # every packet made it through
    assert np.count_nonzero(p.opened) == 0  # the NAT only found existing mappings
    benchmark.pedantic(work, setup=p.fresh, rounds=max(10, 400_000 // batch), iterations=1)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(packets=batch, sim_pps=batch / median)
    benchmark.extra_info["case"] = f"floor: {step}, batch {batch}"
