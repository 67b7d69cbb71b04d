"""Recycled PacketBatches, so that a long run allocates its buffers once.

The pool hands out *views* of the batches it owns. A batch is free again once no view of
it is alive anywhere: every view holds a slice of the batch's ``buf``, so the reference
count of ``buf`` says so (CPython counts the owning batch and the call's argument).
"""

from __future__ import annotations

import sys

from nvbench.packet.batch import MAX_FRAME, PacketBatch

MIN_CAPACITY = 256
_FREE_REFS = 2  # the owning batch's attribute + getrefcount's own argument


class BatchPool:
    """Batches by capacity class (powers of two from ``MIN_CAPACITY``)."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._owned: dict[int, list[PacketBatch]] = {}

    def get(self, n: int) -> PacketBatch:
        """An empty batch of capacity ``n`` (a view of a pooled batch)."""
        cap = max(MIN_CAPACITY, 1 << max(0, n - 1).bit_length())
        owned = self._owned.setdefault(cap, [])
        for b in owned:
            if sys.getrefcount(b.buf) == _FREE_REFS:
                return self._fresh(b, n)
        b = PacketBatch(cap, max_frame=self.max_frame)
        owned.append(b)
        return self._fresh(b, n)

    @staticmethod
    def _fresh(b: PacketBatch, n: int) -> PacketBatch:
        b.n = n
        v = b.view(0, n)
        v.clear()
        return v

    @property
    def nbytes(self) -> int:
        return sum(b.buf.nbytes for owned in self._owned.values() for b in owned)

    def __len__(self) -> int:
        return sum(len(owned) for owned in self._owned.values())
