"""Memory-touch kernel: the physical limit that the header kernels are measured against.

It reads and writes the 8-byte words that cover ``nbytes`` header bytes at the start
of every frame and does nothing else, so its packet rate is what memory traffic alone
allows for a kernel that works on that many header bytes. Words, not bytes: a byte
loop would measure the loop, not the memory. Its indices are unsigned, like the
kernels' (:func:`nvbench.packet.wire.ix`), so the limit is not handicapped.
"""

from __future__ import annotations

from nvbench.config import kernel
from nvbench.packet.wire import ix


@kernel
def _touch_words(words, offset, nbytes, n):
    for i in range(n):
        row = words[i]
        first = offset[i] >> 3
        last = (offset[i] + nbytes + 7) >> 3
        for k in range(first, last):
            row[ix(k)] += 1


def touch(buf, offset, nbytes: int, n: int) -> None:
    """Add 1 to each 64-bit word covering ``nbytes`` bytes at each of the first ``n`` frames.

    ``buf`` is a batch buffer (uint8, rows a multiple of 8 bytes long).
    """
    _touch_words(buf.view("<u8"), offset, nbytes, n)
