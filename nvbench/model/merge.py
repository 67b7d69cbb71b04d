"""A quantum's packets from several views, in arrival order, for functions whose outcome
depends on the order: a NAT hands out ports and refreshes its timers in arrival order,
and ESP numbers its packets in sequence (a peer's 64-packet replay window drops what comes
too far out of order [RFC 4303]).

Two ways, by what the function touches:

- :func:`merged_frames`: whole frames are copied into one batch in arrival order (ESP,
  which encrypts the whole payload);
- :class:`HeadMerge`: only each packet's first ``span`` bytes are copied, in arrival
  order, into a batch of short slots the merge keeps (it stays in cache); the function
  runs there, and the rewritten headers, verdicts and tenants go back to the views. The
  payloads never move (NAT and forwarding, which read and write headers only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from nvbench.fastpath.gather import copy_back_heads, copy_packets, heads_batch
from nvbench.fastpath.scan import count_ok
from nvbench.fastpath.timing import is_sorted
from nvbench.fastpath.verdict import MOVED
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

N = TypeVar("N")  # what a function notes of each packet (see HeadMerge.apply)


def arrival_order(
    views: list[PacketBatch],
) -> tuple[list[int], list[np.ndarray], np.ndarray | None]:
    """(which views have live packets, their live rows, each row's place in arrival order).

    The places are None when no merge is needed: fewer than two such views, or their
    packets already in time order one view after the other.
    """
    live = [k for k, v in enumerate(views) if count_ok(v.verdict, v.n)]
    if len(live) < 2:
        return live, [], None
    rows = [np.flatnonzero(views[k].verdict[: views[k].n] == 0) for k in live]
    times = np.concatenate([views[k].time[r] for k, r in zip(live, rows, strict=True)])
    if is_sorted(times):
        return live, rows, None
    order = np.argsort(times, kind="stable")
    pos = np.empty_like(order)
    pos[order] = np.arange(order.shape[0])
    return live, rows, pos


def merged_frames(sim: Simulation, views: list[PacketBatch]) -> list[PacketBatch]:
    """The live packets of ``views`` as one batch in arrival order, when they interleave in
    time; their old rows are left as MOVED husks. Otherwise the views with live packets."""
    live, rows, pos = arrival_order(views)
    if pos is None:
        return [views[k] for k in live]
    out = sim.new_batch(pos.shape[0])
    for k, r, p in zip(live, rows, _parts(pos, rows), strict=True):
        copy_packets(views[k], r, out, p)
        views[k].verdict[r] = MOVED
    out.n = pos.shape[0]
    return [out]


class HeadMerge(Generic[N]):
    """Runs a header-only function over several views in arrival order.

    Parameters
    ----------
    span : int
        Bytes from a frame's start that the function reads or writes, at most.
    columns : tuple of str
        The batch columns the function reads besides the bytes.
    """

    def __init__(self, span: int, columns: tuple[str, ...]) -> None:
        self.span, self.columns = span, columns
        self._heads: PacketBatch | None = None  # reused every quantum

    def apply(
        self, views: list[PacketBatch], fn: Callable[[PacketBatch, np.ndarray], N | None],
        take: Callable[[N, np.ndarray, int, np.ndarray], N], marks: list[np.ndarray],
    ) -> list[N | None]:  # fmt: skip
        """Run ``fn(batch, mark)`` on the live packets of ``views`` in arrival order;
        returns, for each view, what ``fn`` noted of its packets (or None).

        ``marks[k]`` tells ``fn`` something of each row of view ``k`` (say, which port it
        came in by); ``fn`` gets the marks of the batch it runs on, row for row.
        ``take(note, rows, n, at)`` moves a note about a merged batch's rows ``rows`` to
        rows ``at`` of a note about an ``n``-packet view.
        """
        live, rows, pos = arrival_order(views)
        out: list[N | None] = [None] * len(views)
        if pos is None:
            for k in live:
                out[k] = fn(views[k], marks[k])
            return out
        top = max(int(views[k].offset[r].max()) for k, r in zip(live, rows, strict=True))
        heads = self._heads = heads_batch(self._heads, pos.shape[0], top, self.span)
        parts = _parts(pos, rows)
        mark = np.empty(pos.shape[0], marks[live[0]].dtype)
        for k, r, p in zip(live, rows, parts, strict=True):
            copy_packets(views[k], r, heads, p, span=self.span, columns=self.columns)
            mark[p] = marks[k][r]
        heads.n = pos.shape[0]
        note = fn(heads, mark)
        for k, r, p in zip(live, rows, parts, strict=True):
            copy_back_heads(heads, p, views[k], r, self.span)
            out[k] = None if note is None else take(note, p, views[k].n, r)
        return out


def _parts(pos: np.ndarray, rows: list[np.ndarray]) -> list[np.ndarray]:
    """``pos`` cut into one piece per view, as long as the view's rows."""
    out, start = [], 0
    for r in rows:
        out.append(pos[start : start + r.shape[0]])
        start += r.shape[0]
    return out
