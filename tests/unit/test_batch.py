import numpy as np
import pytest

from nvbench.packet.batch import JUMBO_FRAME, PacketBatch


def test_slots_have_headroom_and_are_cache_aligned():
    b = PacketBatch(4)
    assert b.headroom >= 128
    assert b.slot_size % 64 == 0
    assert b.slot_size >= b.headroom + 1514 + b.tailroom
    assert b.buf.flags["C_CONTIGUOUS"] and b.buf.base is None  # one buffer


def test_load_and_frame_round_trip():
    frames = [bytes(range(60)), bytes(range(200, 255)) * 10]
    b = PacketBatch(3)
    b.load(frames, time_ns=np.array([5, 7]))
    assert b.n == 2
    assert b.frames() == frames
    assert b.time[:2].tolist() == [5, 7]
    assert (b.offset[:2] == b.headroom).all()


def test_clear_recycles_without_reallocating():
    b = PacketBatch(2)
    buf = b.buf
    b.load([b"x" * 60])
    b.verdict[0], b.offset[0], b.vsid[0] = 3, 10, 5000
    b.clear()
    assert b.n == 0 and b.buf is buf
    assert b.verdict[0] == 0 and b.offset[0] == b.headroom and b.vsid[0] == -1


def test_jumbo_slots():
    b = PacketBatch(1, max_frame=JUMBO_FRAME)
    b.load([bytes(JUMBO_FRAME)])
    assert len(b.frame(0)) == JUMBO_FRAME


def test_errors():
    with pytest.raises(ValueError):
        PacketBatch(0)
    with pytest.raises(ValueError):
        PacketBatch(1, headroom=16)
    b = PacketBatch(1)
    with pytest.raises(ValueError):
        b.load([b"a", b"b"])
    with pytest.raises(ValueError):
        b.load([bytes(5000)])
    with pytest.raises(IndexError):
        b.frame(0)
