"""What a gateway's NAT did for each packet of a quantum, and the undo of mappings opened by
packets the full queue then dropped.

The NAT runs as packets arrive, before the gateway's queue decides who fits, so that a
packet's cost can depend on whether it opened a mapping (``nat_new``) or used one
(``nat_existing``). A real gateway drops on a full queue first: a packet it drops never
opened anything. So once the queue has spoken, the mappings opened only by dropped
packets are undone; a mapping stays when a packet the queue took used it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.gather import copy_packets
from nvbench.fastpath.nat import ST_CREATED, ST_EXPIRED
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.scan import ipv4_dst
from nvbench.fastpath.verdict import (
    BUFFER_FULL,
    MOVED,
    NAT_PORTS_EXHAUSTED,
    NAT_QUOTA_EXCEEDED,
    NAT_STATE_FULL,
)
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation


# The NAT's drops for want of resources, which it answers (RFC 6888 REQ-11).
EXHAUSTED = np.array([NAT_PORTS_EXHAUSTED, NAT_QUOTA_EXCEEDED, NAT_STATE_FULL], np.uint8)


@dataclass
class NatNotes:
    """Per packet of one view (arrays of the view's length ``n``).

    Attributes
    ----------
    session : int64
        The mapping the packet used, -1 for none.
    opened : bool
        Whether the packet opened that mapping.
    hairpin : bool
        Whether the packet was headed for one of the NAT's own public addresses (it goes
        back inside after translation).
    refused : bool
        Whether the NAT dropped it for want of ports, quota or state (its sender is told,
        :mod:`nvbench.model.answers`).
    """

    session: np.ndarray
    opened: np.ndarray
    hairpin: np.ndarray
    refused: np.ndarray

    @classmethod
    def empty(cls, n: int) -> NatNotes:
        no = np.zeros(n, np.bool_)
        return cls(np.full(n, -1, np.int64), no, no.copy(), no.copy())

    def take(self, rows: np.ndarray, n: int, at: np.ndarray) -> NatNotes:
        """Notes for an ``n``-packet view whose rows ``at`` are this view's ``rows``."""
        out = NatNotes.empty(n)
        out.session[at], out.opened[at], out.hairpin[at], out.refused[at] = (
            self.session[rows], self.opened[rows], self.hairpin[rows], self.refused[rows]
        )  # fmt: skip
        return out


def translate(nat: NatTable, v: PacketBatch, counts: np.ndarray, rows: np.ndarray,
              inward: np.ndarray) -> NatNotes:  # fmt: skip
    """NAT the live packets ``rows`` of ``v`` in that order, each its way (``inward``:
    from outside)."""
    notes = NatNotes.empty(v.n)
    out = rows[~inward]
    dst = np.empty(v.n, np.int64)
    ipv4_dst(v.buf, v.offset, v.verdict, v.n, dst)
    notes.hairpin[out] = nat.addr.find(dst[out]) >= 0  # before the translation rewrites it
    live = v.verdict[: v.n] == 0
    nat.both(v, counts, inward, notes.session, notes.opened, rows=rows)
    notes.refused[out] = live[out] & np.isin(v.verdict[out], EXHAUSTED)
    return notes


def unopen_dropped(nat: NatTable, views: list[PacketBatch], notes: list[NatNotes | None]) -> int:
    """Undo the mappings opened by packets of ``views`` that the queue dropped
    (BUFFER_FULL) and used by no packet it took; returns how many were undone."""
    dropped, kept = [], []
    for v, note in zip(views, notes, strict=True):
        if note is None:
            continue
        full = v.verdict[: v.n] == BUFFER_FULL
        if not (full & note.opened).any():
            continue
        dropped.append(note.session[full & note.opened])
        kept.append(note.session[~full & (note.session >= 0)])
    if not dropped:
        return 0
    kept = [k for k in kept if k.shape[0]] or [np.zeros(0, np.int64)]
    undo = np.setdiff1d(np.concatenate(dropped), np.concatenate(kept))
    return nat.unopen(undo) if undo.shape[0] else 0


def hairpins(sim: Simulation, v: PacketBatch, note: NatNotes) -> PacketBatch | None:
    """The live hairpinned packets of ``v`` copied out to go back inside (their rows left
    MOVED husks), or None."""
    rows = np.flatnonzero(note.hairpin & (v.verdict[: v.n] == 0))
    if rows.shape[0] == 0:
        return None
    out = sim.new_batch(rows.shape[0])
    copy_packets(v, rows, out, np.arange(rows.shape[0]))
    out.n = rows.shape[0]
    v.verdict[rows] = MOVED
    return out


def nat_figures(nat: NatTable, now: int) -> dict[str, object]:
    """A NAT's figures at the end of a run (its idle timer run up to ``now``)."""
    nat.expire(now)
    ports = [nat.ports_in_use(a) for a in nat.addresses()]
    return {
        "nat_sessions": nat.active(),
        "nat_sessions_created": int(nat.stats[ST_CREATED]),
        "nat_sessions_expired": int(nat.stats[ST_EXPIRED]),
        "nat_public_addresses": len(ports),
        "nat_ports_in_use_max": max(ports, default=0),
    }


def nat_rows(nat: NatTable, element: str, now: int) -> list[dict[str, object]]:
    """One row per public address of a NAT: the ports in use at ``now``."""
    nat.expire(now)
    return [{"element": element, "public_address": _dotted(a), "ports_in_use": nat.ports_in_use(a)}
            for a in nat.addresses()]  # fmt: skip


def _dotted(a: int) -> str:
    return ".".join(str((a >> s) & 0xFF) for s in (24, 16, 8, 0))
