"""Packets too big for a path MTU, cut and joined again, with the element's books.

An IPsec endpoint whose SAs clear DF (a gateway's ``esp_df = "clear"``) sends an ESP
packet longer than the path MTU in pieces (:mod:`nvbench.fastpath.fragment`); the other
end joins them before decrypting (:mod:`nvbench.fastpath.reassembly`). The cutting element
books the pieces after the first as originated, the joining one books them as absorbed
(:class:`nvbench.model.metrics.Counters`); the pieces it waits on are in flight there.

With DF set the packet is dropped (TOO_BIG) instead, and the router tells its sender the
MTU it can take (:mod:`nvbench.model.answers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.fragment import fragment
from nvbench.fastpath.reassembly import Reassembler
from nvbench.fastpath.verdict import BAD_FRAGMENT, REASSEMBLY_FULL, TOO_BIG
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.element import Element


def cut(e: Element, v: PacketBatch, mtu: int, counts: np.ndarray,
        rows: np.ndarray | None = None) -> PacketBatch | None:  # fmt: skip
    """Cut the live packets of ``v`` (of ``rows`` only, if given) longer than ``mtu`` (DF
    set: dropped TOO_BIG); the pieces after the first come back as a batch (None: none),
    booked as originated."""
    before = v.verdict[: v.n] == 0
    more = fragment(v, mtu, counts, e.sim.new_batch, rows)
    big = np.flatnonzero(before & (v.verdict[: v.n] == TOO_BIG))
    if big.shape[0]:
        e.dropped(v, big)
    if more is None:
        return None
    t = e.stats.originated_by.shape[0]
    e.stats.originated_by += np.bincount(np.clip(more.rd[: more.n], 0, t - 1), minlength=t)[:t]
    return more


def receiver(e: Element, own: list[int] | None = None) -> Reassembler:
    """Give ``e`` a reassembler for the slots of its simulation's batches (memory comes
    with the first piece), for the pieces sent to its ``own`` addresses (None: all)."""
    slot = PacketBatch(1, max_frame=e.sim.max_frame).slot_size
    e.reassembly = Reassembler(slot, own=own)
    return e.reassembly


def join(e: Element, v: PacketBatch, counts: np.ndarray) -> None:
    """Join the pieces among the live packets of ``v`` (arrival order) at ``e``: a piece
    waits in ``e`` (its row left MOVED) until its packet is whole; refused pieces are
    dropped with their verdict."""
    r = e.reassembly
    assert r is not None, f"{e.name} has no reassembler"
    before = v.verdict[: v.n] == 0
    r.run(v, counts, e.stats.drops_by, e.stats.absorbed_by)
    after = v.verdict[: v.n]
    bad = np.flatnonzero(before & ((after == BAD_FRAGMENT) | (after == REASSEMBLY_FULL)))
    if bad.shape[0]:
        e.dropped(v, bad)


def give_up(e: Element, t1: int, counts: np.ndarray) -> None:
    """Give up at ``t1`` the packets whose pieces cannot all come in time any more."""
    r = e.reassembly
    if r is not None and r.held():
        r.expire(t1, counts, e.stats.drops_by, e.stats.absorbed_by)
