"""Copy chosen packets of one batch into chosen slots of another (merges and splits).

The simulator hands packets on as views of the batch they were built in; it copies only
where the order of the packets changes (several vCPUs, an ECMP split). A frame keeps its
offset within the slot, so both batches must have the same slot geometry.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath.wire import ix
from nvbench.packet.batch import COLUMNS, PacketBatch


@kernel
def _copy_frames(src_words, src_off, src_len, idx, dst_words, pos):
    # Whole 8-byte words: a few bytes either side of the frame are copied too, which is
    # harmless (they are headroom or tailroom) and several times faster than bytes.
    for k in range(idx.shape[0]):
        i, j = idx[k], pos[k]
        src, dst = src_words[ix(i)], dst_words[ix(j)]
        for w in range(src_off[i] >> 3, (src_off[i] + src_len[i] + 7) >> 3):
            dst[ix(w)] = src[ix(w)]


def copy_packets(src: PacketBatch, idx: np.ndarray, dst: PacketBatch, pos: np.ndarray) -> None:
    """Copy rows ``idx`` of ``src`` (frames and every column) to rows ``pos`` of ``dst``.

    ``dst.n`` is not changed; the caller sets it once every source is copied in.
    """
    if src.buf.shape[1] != dst.buf.shape[1] or src.headroom != dst.headroom:
        raise ValueError("source and destination batches differ in slot geometry")
    _copy_frames(src.buf.view(np.uint64), src.offset, src.length, idx, dst.buf.view(np.uint64), pos)
    for name in COLUMNS:
        getattr(dst, name)[pos] = getattr(src, name)[idx]
