"""PacketBatch: real frames in one contiguous buffer, with parallel columns.

Each packet owns a fixed-size slot of ``buf`` (a C-contiguous ``uint8`` array of shape
``(capacity, slot_size)``, i.e. one buffer). A frame starts ``offset[i]`` bytes into its
slot, after at least ``headroom`` free bytes, so encapsulation writes its outer headers
in front of the frame and moves the offset back: the payload is never copied. ESP's
trailer (padding, pad length, next header, ICV) goes into the ``tailroom`` behind the
largest frame.

Columns (all of length ``capacity``; only the first ``n`` rows are live):

========  =======  ==============================================================
offset    int32    start of the frame within its slot, bytes
length    int32    frame length, bytes (Ethernet header included, no FCS)
time      int64    arrival time, nanoseconds of simulated time
born      int64    when the source sent the packet, ns (end-to-end latency)
rd        int32    routing domain (tenant) index
vsid      int32    virtual subnet id (24 bits), -1 where not known yet
flow      int32    flow id (the element that made the packet decides its meaning)
sa        int32    IPsec SA index for ESP kernels, -1 for none
verdict   uint8    :class:`~nvbench.fastpath.verdict.Verdict`; 0 = OK
========  =======  ==============================================================

A batch is recycled with :meth:`clear`: nothing is reallocated, so a hot loop that
reuses its batches allocates nothing. :meth:`view` gives a batch of some of the rows that
shares their memory: the simulator hands packets on that way without copying them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_HEADROOM = 128  # >= 18+20+8+8+16 (VLAN Ethernet, IPv4, NAT-T UDP, ESP, CBC IV)
DEFAULT_TAILROOM = 64  # >= 15 padding + 2 trailer + 16 ICV (RFC 4303, largest suite)
MAX_FRAME = 1514  # Ethernet without FCS
JUMBO_FRAME = 9018  # 9000-byte MTU + 14 + 4


COLUMNS = ("offset", "length", "time", "born", "rd", "vsid", "flow", "sa", "verdict")


def _round_up(x: int, to: int) -> int:
    return -(-x // to) * to


@dataclass
class PacketBatch:
    """A batch of up to ``capacity`` frames of at most ``max_frame`` bytes.

    Parameters
    ----------
    capacity : int
        Number of slots.
    max_frame : int
        Largest frame a slot holds, bytes (1514, or 9018 for jumbo frames).
    headroom, tailroom : int
        Free bytes kept before and after the frame in each slot.
    """

    capacity: int
    max_frame: int = MAX_FRAME
    headroom: int = DEFAULT_HEADROOM
    tailroom: int = DEFAULT_TAILROOM
    n: int = 0
    buf: np.ndarray = field(init=False, repr=False)
    offset: np.ndarray = field(init=False, repr=False)
    length: np.ndarray = field(init=False, repr=False)
    time: np.ndarray = field(init=False, repr=False)
    born: np.ndarray = field(init=False, repr=False)
    rd: np.ndarray = field(init=False, repr=False)
    vsid: np.ndarray = field(init=False, repr=False)
    flow: np.ndarray = field(init=False, repr=False)
    sa: np.ndarray = field(init=False, repr=False)
    verdict: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {self.capacity}")
        if self.headroom < 64:
            raise ValueError(f"headroom must be >= 64 bytes, got {self.headroom}")
        # A 64-byte multiple keeps every slot cache-line aligned.
        slot = _round_up(self.headroom + self.max_frame + self.tailroom, 64)
        cap = self.capacity
        self.buf = np.zeros((cap, slot), dtype=np.uint8)
        self.offset = np.full(cap, self.headroom, dtype=np.int32)
        self.length = np.zeros(cap, dtype=np.int32)
        self.time = np.zeros(cap, dtype=np.int64)
        self.born = np.zeros(cap, dtype=np.int64)
        self.rd = np.zeros(cap, dtype=np.int32)
        self.vsid = np.full(cap, -1, dtype=np.int32)
        self.flow = np.zeros(cap, dtype=np.int32)
        self.sa = np.full(cap, -1, dtype=np.int32)
        self.verdict = np.zeros(cap, dtype=np.uint8)

    @property
    def slot_size(self) -> int:
        return int(self.buf.shape[1])

    def clear(self) -> None:
        """Empty the batch for reuse, keeping every array."""
        self.n = 0
        self.offset[:] = self.headroom
        self.length[:] = 0
        self.vsid[:] = -1
        self.sa[:] = -1
        self.verdict[:] = 0

    def view(self, start: int, stop: int) -> PacketBatch:
        """Rows ``start:stop`` as a batch of their own, sharing this batch's memory."""
        if not 0 <= start <= stop <= self.n:
            raise IndexError(f"rows {start}:{stop} outside 0:{self.n}")
        v = object.__new__(PacketBatch)
        v.capacity, v.max_frame, v.headroom, v.tailroom = (
            stop - start,
            self.max_frame,
            self.headroom,
            self.tailroom,
        )
        v.n = stop - start
        v.buf = self.buf[start:stop]
        for name in COLUMNS:
            setattr(v, name, getattr(self, name)[start:stop])
        return v

    def frame(self, i: int) -> bytes:
        """The bytes of frame ``i``."""
        if not 0 <= i < self.n:
            raise IndexError(f"frame {i} outside 0..{self.n - 1}")
        o, n = int(self.offset[i]), int(self.length[i])
        return self.buf[i, o : o + n].tobytes()

    def frames(self) -> list[bytes]:
        return [self.frame(i) for i in range(self.n)]

    def load(self, frames: list[bytes], time_ns: np.ndarray | None = None) -> None:
        """Copy ``frames`` into the batch (tests and pcap replay; not a hot path)."""
        if len(frames) > self.capacity:
            raise ValueError(f"{len(frames)} frames exceed capacity {self.capacity}")
        self.clear()
        limit = self.slot_size - self.headroom
        for i, f in enumerate(frames):
            if len(f) > limit:
                raise ValueError(f"frame {i} has {len(f)} bytes; a slot holds {limit}")
            self.buf[i, self.headroom : self.headroom + len(f)] = np.frombuffer(f, np.uint8)
            self.length[i] = len(f)
        self.n = len(frames)
        if time_ns is not None:
            self.time[: self.n] = time_ns

    def delivered(self) -> np.ndarray:
        """Indices of live packets whose verdict is OK."""
        return np.flatnonzero(self.verdict[: self.n] == 0)
