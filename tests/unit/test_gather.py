"""Copies between batches: whole frames, header spans, and headers copied back."""

from __future__ import annotations

import numpy as np
import pytest

from nvbench.fastpath.gather import copy_back_heads, copy_packets, heads_batch
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames


def source(n=6):
    b = build_frames(PacketBatch(n), n, src_ip=0x0A000104, dst_ip=0x08080808,
                     size=np.array([60, 100, 576, 1500, 64, 1514][:n]))  # fmt: skip
    b.time[:n] = np.arange(n) * 10
    b.rd[:n] = np.arange(n) % 3
    return b


def test_whole_frames_and_columns_go_to_the_chosen_rows():
    src, dst = source(), PacketBatch(8)
    idx, pos = np.array([4, 0, 3]), np.array([7, 2, 5])
    copy_packets(src, idx, dst, pos)
    dst.n = 8
    for i, j in zip(idx, pos, strict=True):
        assert dst.frame(j) == src.frame(i)
        assert (dst.time[j], dst.rd[j], dst.offset[j]) == (src.time[i], src.rd[i], src.offset[i])


def test_a_span_copies_the_head_and_leaves_the_rest_of_the_slot():
    src, dst = source(), PacketBatch(6)
    dst.buf[:] = 0xA5
    rows = np.arange(6)
    copy_packets(src, rows, dst, rows, span=40)
    dst.n = 6
    for i in rows:
        o, n = int(src.offset[i]), int(src.length[i])
        assert dst.buf[i, o : o + 40].tobytes() == src.buf[i, o : o + 40].tobytes()
        end = (o + min(n, 40) + 7) // 8 * 8  # the copy is word-wise: up to the next word
        assert (dst.buf[i, end:] == 0xA5).all() and (dst.buf[i, : o // 8 * 8] == 0xA5).all()


def test_heads_go_back_with_verdict_and_tenant_and_nothing_else():
    src = source()
    before = src.frames()
    heads = PacketBatch(6)
    idx, pos = np.array([5, 1, 2]), np.array([0, 1, 2])
    copy_packets(src, idx, heads, pos, span=98)
    heads.n = 3
    heads.buf[:, src.headroom + 20] = 0x77  # inside the span: goes back
    heads.buf[:, src.headroom + 300] = 0x66  # past it: stays here
    heads.verdict[:3], heads.rd[:3], heads.time[:3] = 9, 2, -1
    copy_back_heads(heads, pos, src, idx, 98)
    for k, i in enumerate(src.frames()):
        want = bytearray(before[k])
        if k in idx:
            want[20] = 0x77
        assert i == bytes(want)
    assert src.verdict[idx].tolist() == [9, 9, 9] and src.rd[idx].tolist() == [2, 2, 2]
    assert (src.time[idx] >= 0).all()  # columns not named stay


def test_heads_whose_frames_moved_are_refused():
    src = source()
    heads = PacketBatch(6)
    rows = np.arange(6)
    copy_packets(src, rows, heads, rows, span=98)
    heads.offset[2] -= 42  # as an encapsulation would
    with pytest.raises(RuntimeError, match="moved or resized"):
        copy_back_heads(heads, rows, src, rows, 98)


def test_slot_geometry_must_match():
    with pytest.raises(ValueError, match="slot geometry"):
        copy_packets(source(), np.arange(1), PacketBatch(1, max_frame=9018), np.arange(1))


def test_header_copies_fit_short_slots_and_too_short_ones_are_refused():
    src = source()
    rows = np.arange(6)
    heads = heads_batch(None, 6, int(src.offset.max()), 98)
    assert heads.slot_size < src.slot_size and heads.capacity >= 6
    copy_packets(src, rows, heads, rows, span=98)
    heads.n = 6
    for i in rows:
        o = int(src.offset[i])
        assert heads.buf[i, o : o + 60].tobytes() == src.buf[i, o : o + 60].tobytes()
    assert heads_batch(heads, 6, int(src.offset.max()), 98) is heads  # reused
    assert heads_batch(heads, 600, int(src.offset.max()), 98).capacity >= 600  # grown
    src.offset[3] += heads.slot_size  # a frame further in than the short slot reaches
    with pytest.raises(ValueError, match="cannot hold"):
        copy_packets(src, rows, heads, rows, span=98)
