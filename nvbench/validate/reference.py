"""The packet-by-packet reference: every packet its own SimPy process through simpy resources.

Slow on purpose (about 10^5 events per second): it is the plain reading of a queueing
network that the engine's batched recursions must reproduce exactly.

Conventions, the same as the engine's:
- Simultaneous arrivals at a station are taken in (time, input port, order within input)
  order; a departure at the same instant as an arrival happens first.
- A station's buffer counts the packets in the system (waiting and in service), in
  packets and in bytes; a packet that would overflow either is dropped at its arrival.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

DROPPED = -1
NEVER = -2  # dropped at an earlier station


@dataclass
class RefStation:
    service: np.ndarray  # ns per packet, indexed by the packet's merged-order id
    servers: int = 1
    cap_pkts: int | None = None
    cap_bytes: int | None = None
    prop: int = 0  # pure delay after service (a link's propagation), ns


def merged(inputs: list[np.ndarray]) -> np.ndarray:
    """(time, port, seq) rows of every input packet, in the merged arrival order."""
    rows = [(int(t), port, seq) for port, arr in enumerate(inputs) for seq, t in enumerate(arr)]
    return np.array(sorted(rows), dtype=np.int64).reshape(-1, 3)


def run(inputs: list[np.ndarray], size: np.ndarray, stations: list[RefStation]) -> np.ndarray:
    """Departures, shape (packets, stations), in merged order; prop delay not included.

    ``size`` is indexed by the merged-order id, like each station's ``service``.
    """
    order = merged(inputs)
    env = simpy.Environment()
    res = [simpy.Resource(env, capacity=st.servers) for st in stations]
    held = [[0, 0] for _ in stations]  # packets, bytes in the system
    out = np.full((order.shape[0], len(stations)), NEVER, np.int64)

    def packet(pid: int):
        for k, st in enumerate(stations):
            # Let every departure due at this instant happen before this arrival: they
            # were scheduled earlier, so they run before this zero timeout.
            yield env.timeout(0)
            b = int(size[pid])
            over_pkts = st.cap_pkts is not None and held[k][0] + 1 > st.cap_pkts
            over_bytes = st.cap_bytes is not None and held[k][1] + b > st.cap_bytes
            if over_pkts or over_bytes:
                out[pid, k] = DROPPED
                return
            held[k][0] += 1
            held[k][1] += b
            with res[k].request() as req:
                yield req
                yield env.timeout(int(st.service[pid]))
            held[k][0] -= 1
            held[k][1] -= b
            out[pid, k] = env.now
            if st.prop:
                yield env.timeout(st.prop)

    def feeder():
        for pid, (t, _, _) in enumerate(order):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(packet(pid))

    env.process(feeder())
    env.run()
    return out
