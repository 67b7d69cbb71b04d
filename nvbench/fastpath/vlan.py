"""IEEE 802.1Q tags on a forwarding gateway's external side.

A forwarding gateway (DirectRoutingMode=true) hands its VM network's packets to the
provider's network untranslated, kept apart from other tenants by VLAN [S16][S17]: out, it
inserts a tag (TPID 0x8100, the VLAN id, priority 0) after the MAC addresses; in, it takes
the tag off, and drops a frame whose tag is not its tenant's VLAN (NO_ROUTE). The payload
never moves: the 12 bytes of MAC addresses do, into the headroom.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import verdict as V
from nvbench.fastpath.scan import selected
from nvbench.packet.batch import PacketBatch
from nvbench.packet.layouts import ETH_P_8021Q
from nvbench.packet.wire import ix, rd16, wr16

TAG = 4
MACS = 12


@kernel
def _push(buf, offset, length, rd, verdict, rows, counts, vid_of):
    for j in range(rows.shape[0]):
        i = ix(rows[j])
        if verdict[i] != V.OK:
            continue
        vid = vid_of[rd[i]] if 0 <= rd[i] < vid_of.shape[0] else 0
        if vid == 0:
            continue
        o = offset[i]
        if o < TAG:
            verdict[i] = V.NO_HEADROOM
            counts[V.NO_HEADROOM] += 1
            continue
        if length[i] < MACS + 2:
            verdict[i] = V.TRUNCATED
            counts[V.TRUNCATED] += 1
            continue
        pkt = buf[i]
        for k in range(MACS):
            pkt[ix(o - TAG + k)] = pkt[ix(o + k)]
        wr16(pkt, o - TAG + MACS, ETH_P_8021Q)
        wr16(pkt, o + MACS - TAG + 2, vid & 0xFFF)
        offset[i] = o - TAG
        length[i] += TAG


@kernel
def _pop(buf, offset, length, rd, verdict, rows, counts, vid_of):
    for j in range(rows.shape[0]):
        i = ix(rows[j])
        if verdict[i] != V.OK:
            continue
        want = vid_of[rd[i]] if 0 <= rd[i] < vid_of.shape[0] else 0
        o, pkt = offset[i], buf[i]
        tagged = length[i] >= MACS + TAG + 2 and rd16(pkt, o + MACS) == ETH_P_8021Q
        vid = rd16(pkt, o + MACS + 2) & 0xFFF if tagged else 0
        if vid != want:  # a frame of another VLAN, or untagged where a tag is due
            verdict[i] = V.NO_ROUTE
            counts[V.NO_ROUTE] += 1
            continue
        if not tagged:
            continue
        for k in range(MACS - 1, -1, -1):
            pkt[ix(o + TAG + k)] = pkt[ix(o + k)]
        offset[i] = o + TAG
        length[i] -= TAG


def push(batch: PacketBatch, vid_of: np.ndarray, counts: np.ndarray,
         rows: np.ndarray | None = None) -> None:  # fmt: skip
    """Tag every OK frame (of ``rows`` only) whose tenant has a VLAN (``vid_of[rd]``, 0 for
    none) with it."""
    n = batch.n
    _push(batch.buf, batch.offset, batch.length, batch.rd, batch.verdict[:n], selected(rows, n),
          counts, vid_of)  # fmt: skip


def pop(batch: PacketBatch, vid_of: np.ndarray, counts: np.ndarray,
        rows: np.ndarray | None = None) -> None:  # fmt: skip
    """Untag every OK frame (of ``rows`` only) carrying its tenant's VLAN; a frame of another
    VLAN, or untagged for a tenant with one, gets NO_ROUTE."""
    n = batch.n
    _pop(batch.buf, batch.offset, batch.length, batch.rd, batch.verdict[:n], selected(rows, n),
         counts, vid_of)  # fmt: skip
