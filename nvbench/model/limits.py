"""The most a gateway's tunnels of each kind carry: a profile's ``limits`` and ``shares``.

WS2016's Network Controller gives a gateway's tunnels a share of the gateway's capacity
(set to "the TCP bandwidth available to the gateway VM"): IPsec 3/20, GRE 1/5, Layer 3 1/2.
WS2019 fixes the maximum throughput of each tunnel type, "even if your gateway host/VM
supports NICs with much higher throughput": IPsec 5 Gbit/s and Layer 3 5 Gbit/s, incoming
and outgoing together (the gateway's IPsec is provisioned as "incoming + outgoing" against
it), and never more than the gateway's capacity [S22]. A gateway with such limits sends each
kind's packets, once its vCPUs have served them, through one FIFO server of that rate, both
directions in time order (Lindley's recursion, :class:`nvbench.fastpath.timing.FifoQueue`).
It holds at most the gateway's own queue of packets of a kind (assumed: how Windows
enforces the limit is NOT FOUND); more are dropped as BUFFER_FULL.

Kinds: ``ipsec`` (a tunnel's packets: ESP leaving, decrypted packets arriving), ``l3``
(a forwarded tenant's packets). Packets of other functions (NAT) are not limited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath import timing
from nvbench.fastpath.verdict import BUFFER_FULL
from nvbench.model.functions import ESP, FORWARD, TenantFunctions
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.costs import Profile
    from nvbench.model.element import Element

KINDS = {"ipsec": ESP, "l3": FORWARD}  # a limit's name -> the function it holds to it


def rates(profile: Profile, capacity_bps: float) -> dict[str, float]:
    """Bits per second by limited kind on a gateway of capacity ``capacity_bps``: its share
    of the capacity (WS2016), or the fixed maximum, but at most the capacity (WS2019: "if
    the gateway capacity is less than the total available tunnel capacity, the total
    available tunnel capacity is set to the gateway capacity") [S22]."""
    out = {k: min(v, capacity_bps) for k, v in profile.limits.items()}
    out.update({k: share * capacity_bps for k, share in profile.shares.items()})
    return out


class TunnelLimits:
    """A FIFO server per limited kind: ``rates`` maps a kind to bits per second."""

    def __init__(self, rates: dict[str, float], cap_pkts: int | None) -> None:
        unknown = sorted(set(rates) - set(KINDS))
        if unknown or any(r <= 0 for r in rates.values()):
            raise ValueError(f"limits must be > 0 and among {sorted(KINDS)}, got {rates}")
        self.rates = dict(rates)
        self.queues = {k: timing.FifoQueue(1, cap_pkts) for k in rates}

    def apply(self, e: Element, views: list[PacketBatch], sides: list[int],
              fns: TenantFunctions) -> None:  # fmt: skip
        """Hold the served packets of ``views`` (their ``time``: when the vCPUs let them
        go) to each limited kind's rate; drops booked on ``e``."""
        for kind, q in self.queues.items():
            pairs = zip(views, sides, strict=True)
            picked = [(v, _rows(v, side, fns, KINDS[kind])) for v, side in pairs]
            picked = [(v, r) for v, r in picked if r.shape[0]]
            if picked:
                self._serve(e, q, self.rates[kind], picked)

    def _serve(self, e: Element, q: timing.FifoQueue, rate: float,
               picked: list[tuple[PacketBatch, np.ndarray]]) -> None:  # fmt: skip
        a = np.concatenate([v.time[r] for v, r in picked])
        size = np.concatenate([v.length[r].astype(np.int64) for v, r in picked])
        s = np.maximum(np.ceil(size * 8e9 / rate).astype(np.int64), 1)
        order = np.argsort(a, kind="stable")
        d = np.empty_like(a)
        d[order] = q.serve(a[order], s[order], size[order])
        at = 0
        for v, r in picked:
            mine = d[at : at + r.shape[0]]
            at += r.shape[0]
            gone = r[mine == timing.DROPPED]
            v.time[r] = np.where(mine == timing.DROPPED, v.time[r], mine)
            if gone.shape[0]:
                v.verdict[gone] = BUFFER_FULL
                e.dropped(v, gone)

    def reset(self) -> None:
        for q in self.queues.values():
            q.reset()

    def figures(self, duration_ns: int) -> dict[str, float]:
        """Each limit's utilization: the share of the time its server was sending."""
        return {f"limit_{k}_utilization": q.busy_ns / duration_ns if duration_ns else 0.0
                for k, q in self.queues.items()}  # fmt: skip


def _rows(v: PacketBatch, side: int, fns: TenantFunctions, code: int) -> np.ndarray:
    rows = np.flatnonzero(v.verdict[: v.n] == 0)
    return rows[fns.of(v, rows, side) == code]
