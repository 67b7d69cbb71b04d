"""Big-endian field access on a packet row (a 1-D uint8 view of one batch slot).

All arithmetic is done on Python/numba ``int`` (int64), never on uint64: numba turns
mixed uint64/int64 arithmetic into float64. Only the index itself is made unsigned,
at the access (:func:`ix`): numba emits a negative-index wraparound (a compare and a
conditional move) for every signed index, and a header kernel indexes dozens of bytes
a packet; an unsigned index has none. Kernels never form a negative offset: every one
checks a frame's length before it reads.
"""

from __future__ import annotations

import numba
import numpy as np

from nvbench.config import kernel

if numba.config.DISABLE_JIT:  # type: ignore[attr-defined]

    def ix(p):
        """Plain Python: numpy takes the int as it is (a conversion would slow the
        no-JIT test pass by half)."""
        return p

else:

    @kernel
    def ix(p):
        """``p`` as an unsigned index: no wraparound code for the access."""
        return np.uint64(p)


@kernel
def rd8(pkt, p):
    return np.int64(pkt[ix(p)])


@kernel
def rd16(pkt, p):
    return (np.int64(pkt[ix(p)]) << 8) | np.int64(pkt[ix(p + 1)])


@kernel
def rd32(pkt, p):
    return (
        (np.int64(pkt[ix(p)]) << 24)
        | (np.int64(pkt[ix(p + 1)]) << 16)
        | (np.int64(pkt[ix(p + 2)]) << 8)
        | np.int64(pkt[ix(p + 3)])
    )


@kernel
def wr8(pkt, p, v):
    pkt[ix(p)] = v & 0xFF


@kernel
def wr16(pkt, p, v):
    pkt[ix(p)] = (v >> 8) & 0xFF
    pkt[ix(p + 1)] = v & 0xFF


@kernel
def wr32(pkt, p, v):
    pkt[ix(p)] = (v >> 24) & 0xFF
    pkt[ix(p + 1)] = (v >> 16) & 0xFF
    pkt[ix(p + 2)] = (v >> 8) & 0xFF
    pkt[ix(p + 3)] = v & 0xFF


@kernel
def wr48(pkt, p, v):
    wr16(pkt, p, (v >> 32) & 0xFFFF)
    wr32(pkt, p + 2, v & 0xFFFFFFFF)
