"""Counters every element keeps: offered, delivered, dropped by reason and tenant, delay."""

from __future__ import annotations

import numpy as np

from nvbench.fastpath.sketch import LatencySketch
from nvbench.fastpath.verdict import N_VERDICTS, named_counts
from nvbench.packet.batch import PacketBatch


class Counters:
    """What passed through one element.

    ``offered`` counts the live packets handed to the element, ``delivered`` those it
    passed on, ``drops[rd, verdict]`` those it dropped, by tenant and reason. The delay
    sketch holds each delivered packet's time inside the element (ns).

    A packet cut into pieces (:mod:`nvbench.fastpath.fragment`) goes on as its first
    piece; the other pieces are packets the cutting element *originated*, marked by a
    negative ``flow`` (``-1 - flow``). Such a piece ends *absorbed*: joined into the whole
    packet again, or, when it is lost, counted as absorbed where it is lost, since the
    packet's loss is counted once, by its first piece (or the reassembly that gave it
    up). So drops and loss count packets as the tenant sent them, and at every element
    offered + originated = delivered + dropped + in flight + absorbed.
    """

    def __init__(self, max_tenants: int) -> None:
        self.offered = 0
        self.offered_bytes = 0
        self.delivered = 0
        self.delivered_bytes = 0
        self.drops_by = np.zeros((max_tenants, N_VERDICTS), np.int64)
        self.originated_by = np.zeros(max_tenants, np.int64)
        self.absorbed_by = np.zeros(max_tenants, np.int64)
        self.delay = LatencySketch()

    @property
    def drops(self) -> np.ndarray:
        """Drops by verdict, all tenants together."""
        return self.drops_by.sum(axis=0)

    @property
    def drops_by_tenant(self) -> np.ndarray:
        return self.drops_by.sum(axis=1)

    @property
    def dropped(self) -> int:
        return int(self.drops_by.sum())

    @property
    def originated(self) -> int:
        return int(self.originated_by.sum())

    @property
    def absorbed(self) -> int:
        return int(self.absorbed_by.sum())

    def count_drops(self, batch: PacketBatch, rows: np.ndarray) -> None:
        """Count the packets at ``rows`` of ``batch`` as dropped here, by verdict and tenant
        (pieces after a packet's first: absorbed, see the class)."""
        if rows.shape[0] == 0:
            return
        tenants = self.drops_by.shape[0]
        piece = batch.flow[rows] < 0
        if piece.any():
            self.absorbed_by += np.bincount(
                np.clip(batch.rd[rows[piece]], 0, tenants - 1), minlength=tenants
            )[:tenants]
            rows = rows[~piece]
        rd = np.clip(batch.rd[rows], 0, tenants - 1).astype(np.int64)
        cell = rd * N_VERDICTS + batch.verdict[rows]
        self.drops_by += np.bincount(cell, minlength=self.drops_by.size).reshape(
            self.drops_by.shape
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "offered": self.offered,
            "offered_bytes": self.offered_bytes,
            "delivered": self.delivered,
            "delivered_bytes": self.delivered_bytes,
            "dropped": self.dropped,
            "originated": self.originated,
            "absorbed": self.absorbed,
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
