"""The engine's per-packet times and drops equal the packet-by-packet SimPy reference's.

Each case builds the same queueing network twice: once from nvbench elements, run in
quanta, and once in nvbench/validate/reference.py, one SimPy process per packet. Inputs
are traces; input ``p`` is tenant ``p`` and packet ``k`` of it carries flow id ``k``.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from nvbench.fastpath.timing import transmission_ns
from nvbench.model.link import Link, wire_bytes
from nvbench.model.server import Server
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, TraceSource
from nvbench.validate import reference as ref
from tests.model.probe import Probe

FLOWS = Flows((0x0A000004,), (0x08080808,))


def _inputs(rng, ports, n, mean_gap):
    times = [np.sort(rng.integers(0, n * mean_gap, size=n)).astype(np.int64) for _ in range(ports)]
    sizes = [rng.integers(60, 1515, size=n).astype(np.int64) for _ in range(ports)]
    return times, sizes


def _service_table(rng, ports, n, low, high):
    return rng.integers(low, high, size=(ports, n)).astype(np.int64)


def _engine(times, sizes, build, quantum, seed=0):
    sim = Simulation(seed=seed, quantum_ns=quantum)
    sources = [
        TraceSource(sim, f"in{p}", p, FLOWS, t, s)
        for p, (t, s) in enumerate(zip(times, sizes, strict=True))
    ]
    stations = build(sim)
    for s in sources:
        s.connect(stations[0])
    for a, b in pairwise(stations):
        a.connect(b)
    probe = Probe(sim, "probe")
    stations[-1].connect(probe)
    horizon = max(int(t.max()) for t in times) + 10_000_000
    result = sim.run(horizon)
    return probe.table(), result, stations


def _reference(times, sizes, ref_stations):
    order = ref.merged(times)
    size = np.array([sizes[p][k] for _, p, k in order], np.int64)
    out = ref.run(times, size, ref_stations)
    return order, out


def _compare(order, out, table, stations_props, result, names):
    """Delivered packets and their final times; drops per station."""
    last = out[:, -1]
    delivered = last >= 0
    want = np.stack([order[delivered, 1], order[delivered, 2],
                     last[delivered] + stations_props[-1].prop], axis=1)  # fmt: skip
    want = want[np.lexsort((want[:, 1], want[:, 0]))]
    assert table[:, :3].tolist() == want.tolist()
    for k, name in enumerate(names):
        assert result.element(name)["dropped"] == int((out[:, k] == ref.DROPPED).sum()), name


def _per_packet(table_by_pid, order):
    """A ref-indexed array from a (port, seq) -> value table."""
    return np.array([table_by_pid[p][k] for _, p, k in order], np.int64)


@pytest.mark.parametrize("quantum", [1_000, 37_000, 1_000_000])
@pytest.mark.parametrize("servers,cap", [(1, None), (1, 4), (3, None), (3, 5)])
@pytest.mark.parametrize("seed", [1, 2])
def test_server_merging_inputs(seed, servers, cap, quantum):
    rng = np.random.default_rng(seed)
    times, sizes = _inputs(rng, ports=2, n=300, mean_gap=900)
    table = _service_table(rng, 2, 300, 200, 2500 * servers)

    def service(batch, rows):
        return table[batch.rd[rows], batch.flow[rows]]

    def build(sim):
        return [
            Server(
                sim, "srv", servers=servers, service="function", service_fn=service, cap_pkts=cap
            )
        ]

    got, result, _ = _engine(times, sizes, build, quantum)
    st = ref.RefStation(_per_packet(table, ref.merged(times)), servers, cap)
    order, out = _reference(times, sizes, [st])
    if cap is not None:
        assert (out[:, 0] == ref.DROPPED).any()  # the buffer case is not vacuous
    _compare(order, out, got, [st], result, ["srv"])


@pytest.mark.parametrize("quantum", [5_000, 1_000_000])
@pytest.mark.parametrize("seed", [3, 4])
def test_links_in_tandem_with_byte_buffers(seed, quantum):
    rng = np.random.default_rng(seed)
    times, sizes = _inputs(rng, ports=3, n=200, mean_gap=1500)
    rates, delays, buffers = (10e9, 4e9), (3_000, 20_000), (6_000, 9_000)

    def build(sim):
        return [
            Link(sim, f"l{i}", rates[i], delay_ns=delays[i], buffer_bytes=buffers[i])
            for i in range(2)
        ]

    got, result, _ = _engine(times, sizes, build, quantum)
    order = ref.merged(times)
    size = np.array([sizes[p][k] for _, p, k in order], np.int64)
    stations = [
        ref.RefStation(transmission_ns(wire_bytes(size), rates[i]), 1, None, buffers[i], delays[i])
        for i in range(2)
    ]
    order, out = _reference(times, sizes, stations)
    assert (out[:, 0] == ref.DROPPED).any() and (out[:, 0] >= 0).any()  # the case is not vacuous
    _compare(order, out, got, stations, result, ["l0", "l1"])


@pytest.mark.parametrize("quantum", [2_000, 250_000])
def test_server_then_link(quantum):
    """c servers reorder packets; the link after them must see them in departure order."""
    rng = np.random.default_rng(9)
    times, sizes = _inputs(rng, ports=2, n=250, mean_gap=700)
    table = _service_table(rng, 2, 250, 100, 4000)

    def build(sim):
        svc = Server(sim, "cpu", servers=4, service="function",
                     service_fn=lambda b, r: table[b.rd[r], b.flow[r]], cap_pkts=12)  # fmt: skip
        return [svc, Link(sim, "wire", 5e9, delay_ns=1_000, buffer_bytes=20_000)]

    got, result, _ = _engine(times, sizes, build, quantum)
    order = ref.merged(times)
    size = np.array([sizes[p][k] for _, p, k in order], np.int64)
    stations = [
        ref.RefStation(_per_packet(table, order), 4, 12),
        ref.RefStation(transmission_ns(wire_bytes(size), 5e9), 1, None, 20_000, 1_000),
    ]
    order, out = _reference(times, sizes, stations)
    _compare(order, out, got, stations, result, ["cpu", "wire"])
