"""Big-endian field access on a packet row (a 1-D uint8 view of one batch slot).

All arithmetic is done on Python/numba ``int`` (int64), never on uint64: numba turns
mixed uint64/int64 arithmetic into float64.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel


@kernel
def rd16(pkt, p):
    return (np.int64(pkt[p]) << 8) | np.int64(pkt[p + 1])


@kernel
def rd32(pkt, p):
    return (
        (np.int64(pkt[p]) << 24)
        | (np.int64(pkt[p + 1]) << 16)
        | (np.int64(pkt[p + 2]) << 8)
        | np.int64(pkt[p + 3])
    )


@kernel
def rd48(pkt, p):
    return (rd16(pkt, p) << 32) | rd32(pkt, p + 2)


@kernel
def wr16(pkt, p, v):
    pkt[p] = (v >> 8) & 0xFF
    pkt[p + 1] = v & 0xFF


@kernel
def wr32(pkt, p, v):
    pkt[p] = (v >> 24) & 0xFF
    pkt[p + 1] = (v >> 16) & 0xFF
    pkt[p + 2] = (v >> 8) & 0xFF
    pkt[p + 3] = v & 0xFF


@kernel
def wr48(pkt, p, v):
    wr16(pkt, p, (v >> 32) & 0xFFFF)
    wr32(pkt, p + 2, v & 0xFFFFFFFF)
