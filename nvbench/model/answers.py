"""ICMP errors an element sends back about packets it refused, with its books.

A router that drops a packet it cannot forward tells the sender why (RFC 1812 4.3.2):
the gateway answers a tunnel packet over the path MTU with "fragmentation needed" and the
tunnel's inner MTU (RFC 1191; code 4), and a packet its NAT cannot map (ports, quota or
state exhausted) with "communication administratively prohibited" (code 13; RFC 5508,
FACTS' NAT checklist; RFC 6888 REQ-11: drop and send ICMP). The message is a packet the
element originates; where it ends (the sender's stack) it is absorbed
(:class:`nvbench.model.metrics.Counters`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.icmp_error import FRAG_NEEDED, PROHIBITED, UNREACHABLE, errors
from nvbench.packet.batch import PacketBatch

if TYPE_CHECKING:
    from nvbench.model.element import Element
    from nvbench.model.functions import TenantFunctions
    from nvbench.model.nat_books import NatNotes


def answer(e: Element, v: PacketBatch, rows: np.ndarray, code: int, word: np.ndarray,
           src: np.ndarray) -> PacketBatch | None:  # fmt: skip
    """ICMP Destination Unreachable ``code`` (with ``word[j]``, from ``src[j]``) back to the
    senders of packets ``rows`` of ``v``, booked as originated by ``e``; None if none."""
    if rows.shape[0] == 0:
        return None
    out = errors(v, rows, UNREACHABLE, code, word, src, e.sim.new_batch)
    if out.n == 0:
        return None
    book_originated(e, out)
    return out


def book_originated(e: Element, out: PacketBatch) -> None:
    """The packets of ``out`` booked as originated by ``e``, by tenant."""
    t = e.stats.originated_by.shape[0]
    e.stats.originated_by += np.bincount(np.clip(out.rd[: out.n], 0, t - 1), minlength=t)[:t]


def of_gateway(e: Element, fns: TenantFunctions, views: list[PacketBatch],
               notes: list[NatNotes | None]) -> list[PacketBatch]:  # fmt: skip
    """The ICMP errors a gateway sends back inside about the tenants' packets it refused
    this quantum: tunnel packets over the path MTU, and what its NAT could not map
    (``notes``, per view). None if it has no addresses of its own in the tenants' networks."""
    out = []
    for v, rows, mtu, src in fns.take_refused():
        out.append(answer(e, v, rows, FRAG_NEEDED, mtu, src))
    if fns.addresses is not None:
        for v, note in zip(views, notes, strict=True):
            if note is None or not note.refused.any():
                continue
            bad = np.flatnonzero(note.refused)
            src = fns.addresses[np.maximum(v.rd[bad], 0)]
            out.append(answer(e, v, bad, PROHIBITED, np.zeros_like(bad), src))
    return [b for b in out if b is not None]
