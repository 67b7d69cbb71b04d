"""Counters every element keeps: offered, delivered, dropped by reason and tenant, delay."""

from __future__ import annotations

import numpy as np

from nvbench.fastpath.sketch import LatencySketch
from nvbench.fastpath.verdict import N_VERDICTS, named_counts
from nvbench.packet.batch import PacketBatch


class Counters:
    """What passed through one element.

    ``offered`` counts the live packets handed to the element, ``delivered`` those it
    passed on, ``drops[verdict]`` and ``drops_by_tenant[rd]`` those it dropped. The delay
    sketch holds each delivered packet's time inside the element (ns).
    """

    def __init__(self, max_tenants: int) -> None:
        self.offered = 0
        self.offered_bytes = 0
        self.delivered = 0
        self.delivered_bytes = 0
        self.drops = np.zeros(N_VERDICTS, np.int64)
        self.drops_by_tenant = np.zeros(max_tenants, np.int64)
        self.delay = LatencySketch()

    @property
    def dropped(self) -> int:
        return int(self.drops.sum())

    def count_drops(self, batch: PacketBatch, rows: np.ndarray) -> None:
        """Count the packets at ``rows`` of ``batch`` as dropped here, by verdict and tenant."""
        if rows.shape[0] == 0:
            return
        self.drops += np.bincount(batch.verdict[rows], minlength=N_VERDICTS)[:N_VERDICTS]
        tenants = self.drops_by_tenant.shape[0]
        rd = np.clip(batch.rd[rows], 0, tenants - 1)
        self.drops_by_tenant += np.bincount(rd, minlength=tenants)[:tenants]

    def as_dict(self) -> dict[str, object]:
        return {
            "offered": self.offered,
            "offered_bytes": self.offered_bytes,
            "delivered": self.delivered,
            "delivered_bytes": self.delivered_bytes,
            "dropped": self.dropped,
            "drops": named_counts(self.drops),
        }


class TenantCounters:
    """Per-tenant end-to-end figures, kept by sources (offered) and sinks (delivered)."""

    def __init__(self, max_tenants: int) -> None:
        self.packets = np.zeros(max_tenants, np.int64)
        self.bytes = np.zeros(max_tenants, np.int64)

    def add(self, rd: np.ndarray, length: np.ndarray) -> None:
        t = self.packets.shape[0]
        self.packets += np.bincount(rd, minlength=t)[:t]
        self.bytes += np.bincount(rd, weights=length, minlength=t)[:t].astype(np.int64)
