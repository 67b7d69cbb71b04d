"""Copy chosen packets of one batch into chosen slots of another (merges and splits).

The simulator hands packets on as views of the batch they were built in; it copies only
where the order of the packets changes (several vCPUs, an ECMP split). A frame keeps its
offset within the slot, so both batches must have the same slot geometry.

A copy may stop ``span`` bytes into each frame: a kernel that reads and writes only the
headers (NAT) can then run, in arrival order, on the headers of packets that sit in
several batches, and the headers go back afterwards (:func:`copy_back_heads`). That moves
one or two cache lines a packet instead of the whole frame, into a batch of short slots
(:func:`heads_batch`) that stays in cache.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.packet.batch import COLUMNS, DEFAULT_HEADROOM, DEFAULT_TAILROOM, PacketBatch
from nvbench.packet.wire import ix

WHOLE = 1 << 30  # a span longer than any frame


@kernel
def _copy_frames(src_words, src_off, src_len, idx, dst_words, pos, span):
    # Whole 8-byte words: a few bytes either side of the range are copied too, which is
    # harmless (headroom, tailroom, or bytes the same copy brought over before) and
    # several times faster than bytes.
    for k in range(idx.shape[0]):
        i, j = idx[k], pos[k]
        src, dst = src_words[ix(i)], dst_words[ix(j)]
        end = src_off[i] + min(src_len[i], span)
        for w in range(src_off[i] >> 3, (end + 7) >> 3):
            dst[ix(w)] = src[ix(w)]


def _check_geometry(src: PacketBatch, idx: np.ndarray, dst: PacketBatch, span: int) -> None:
    """Whole frames need the same slots; a span needs room for it at the frames' offsets
    (a batch of header copies can have short slots)."""
    if span >= WHOLE:
        if src.buf.shape[1] != dst.buf.shape[1] or src.headroom != dst.headroom:
            raise ValueError("source and destination batches differ in slot geometry")
    elif idx.shape[0] and int(src.offset[idx].max()) + span + 8 > dst.slot_size:
        raise ValueError(f"a {dst.slot_size}-byte slot cannot hold {span} bytes at the offset")


def copy_packets(
    src: PacketBatch, idx: np.ndarray, dst: PacketBatch, pos: np.ndarray, span: int = WHOLE,
    columns: tuple[str, ...] = COLUMNS,
) -> None:  # fmt: skip
    """Copy rows ``idx`` of ``src`` (frames and ``columns``, all by default) to rows
    ``pos`` of ``dst``.

    With ``span``, only the first ``span`` bytes of each frame are copied (at least: the
    copy is word-wise); the rest of the destination slot is left as it was.
    ``dst.n`` is not changed; the caller sets it once every source is copied in.
    """
    _check_geometry(src, idx, dst, span)
    _copy_frames(src.buf.view(np.uint64), src.offset, src.length, idx,
                 dst.buf.view(np.uint64), pos, span)  # fmt: skip
    for name in columns:
        getattr(dst, name)[pos] = getattr(src, name)[idx]


def copy_back_heads(
    heads: PacketBatch, pos: np.ndarray, dst: PacketBatch, idx: np.ndarray, span: int,
    columns: tuple[str, ...] = ("verdict", "rd"),
) -> None:  # fmt: skip
    """Undo a :func:`copy_packets` with ``span``: rows ``pos`` of ``heads`` go back to rows
    ``idx`` of ``dst``, the first ``span`` bytes of each frame and ``columns``.

    The frame must keep its offset and length in between (a header kernel that rewrites
    fields in place, such as NAT, does).
    """
    _check_geometry(heads, pos, dst, span)
    if not (np.array_equal(heads.offset[pos], dst.offset[idx])
            and np.array_equal(heads.length[pos], dst.length[idx])):  # fmt: skip
        raise RuntimeError("a header kernel moved or resized frames; copy them whole")
    _copy_frames(heads.buf.view(np.uint64), heads.offset, heads.length, pos,
                 dst.buf.view(np.uint64), idx, span)  # fmt: skip
    for name in columns:
        getattr(dst, name)[idx] = getattr(heads, name)[pos]


def heads_batch(have: PacketBatch | None, n: int, offsets: int, span: int) -> PacketBatch:
    """A batch for ``n`` header copies of ``span`` bytes at offsets up to ``offsets``:
    ``have`` if it is big enough, else a new one (its slots just long enough)."""
    need = offsets + span + 8
    if have is not None and have.capacity >= n and have.slot_size >= need:
        return have
    cap = max(n, have.capacity if have is not None else 0)
    cap = 1 << max(8, (cap - 1).bit_length())
    room = max(need, have.slot_size if have is not None else 0)
    return PacketBatch(cap, max_frame=max(64, room - DEFAULT_HEADROOM - DEFAULT_TAILROOM))
