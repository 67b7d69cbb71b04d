"""Memory-touch kernel: the physical limit that the header kernels are measured against.

It reads and writes ``nbytes`` header bytes of every packet at the frame's start and
does nothing else, so its packet rate is what memory traffic alone allows for a kernel
that works on that many header bytes.
"""

from __future__ import annotations

from nvbench.config import kernel


@kernel
def touch(buf, offset, nbytes, n):
    """Add 1 to ``nbytes`` bytes at the start of each of the first ``n`` frames."""
    for i in range(n):
        pkt = buf[i]
        o = offset[i]
        for k in range(nbytes):
            pkt[o + k] += 1
