"""Open-addressing hash index over int64 keys, held in two arrays.

The index maps a non-negative int64 key to a record number. Records live in the
owner's own column arrays; the index holds only ``keys`` (one per record) and
``slots`` (a table of record numbers, -1 = empty) probed linearly. A key's home slot
is ``hash * n_slots >> 32`` (Lemire's multiply-shift range reduction), so the table
size need not be a power of two and the load factor can sit at 0.7 instead of
jumping between 0.25 and 0.5. Deletion shifts later entries back (no tombstones),
so probe chains never rot. There are always more slots than records: never full.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.packet.wire import ix

EMPTY = -1


@kernel
def hash64(key):
    """A 32-bit mix of a non-negative int64 key (murmur3-style finaliser)."""
    k = int(key)
    h = ((k & 0xFFFFFFFF) * 0x9E3779B1) ^ (((k >> 32) & 0x7FFFFFFF) * 0x85EBCA77)
    h &= 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


@kernel
def home(key, n):
    """The home slot of ``key`` in a table of ``n`` slots."""
    return (hash64(key) * n) >> 32


@kernel
def step(s, n):
    s += 1
    return 0 if s == n else s


@kernel
def find(slots, keys, key):
    """Record number of ``key``, or -1."""
    n = slots.shape[0]
    s = home(key, n)
    while True:
        r = slots[ix(s)]
        if r == EMPTY:
            return -1
        if keys[ix(r)] == key:
            return r
        s = step(s, n)


@kernel
def insert(slots, keys, r):
    """Index record ``r`` under ``keys[r]`` (the caller ensures the key is absent)."""
    n = slots.shape[0]
    s = home(keys[r], n)
    while slots[s] != EMPTY:
        s = step(s, n)
    slots[s] = r


@kernel
def remove(slots, keys, r):
    """Drop record ``r`` from the index, shifting its probe chain back."""
    n = slots.shape[0]
    i = home(keys[r], n)
    while slots[i] != r:
        if slots[i] == EMPTY:
            return
        i = step(i, n)
    j = i
    while True:
        j = step(j, n)
        rj = slots[j]
        if rj == EMPTY:
            break
        h = home(keys[rj], n)
        # rj may move back to i unless its home lies cyclically in (i, j].
        stays = (i < h <= j) if i <= j else (h > i or h <= j)
        if not stays:
            slots[i] = rj
            i = j
    slots[i] = EMPTY


@kernel
def _upsert_many(slots, keys, count, new_keys, out):
    """Find or add each key; ``out`` gets its record number. Returns False when full."""
    for i in range(new_keys.shape[0]):
        r = find(slots, keys, new_keys[i])
        if r < 0:
            if count[0] >= keys.shape[0]:
                return False
            r = count[0]
            count[0] += 1
            keys[r] = new_keys[i]
            insert(slots, keys, r)
        out[i] = r
    return True


@kernel
def _find_many(slots, keys, query, out):
    for i in range(query.shape[0]):
        out[i] = find(slots, keys, query[i])


def slots_for(capacity: int) -> int:
    """Slot count keeping the load factor at or below 0.7 when full.

    Linear probing at 0.7 costs about 2.2 probes per hit and 6 per miss.
    """
    return max(16, -(-capacity * 10 // 7) + 1)


class Index:
    """An append-only set of up to ``capacity`` keys, each given a record number."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.keys = np.full(capacity, -1, dtype=np.int64)
        self.slots = np.full(slots_for(capacity), EMPTY, dtype=np.int32)
        self.count = np.zeros(1, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.count[0])

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.slots.nbytes

    def upsert(self, keys: np.ndarray) -> np.ndarray:
        """Record numbers of ``keys``, adding the new ones; ValueError when full."""
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        if keys.size and keys.min() < 0:
            raise ValueError("keys must be non-negative")
        out = np.empty(keys.shape[0], dtype=np.int64)
        if not _upsert_many(self.slots, self.keys, self.count, keys, out):
            raise ValueError(f"index full: capacity {self.keys.shape[0]} records")
        return out

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Record numbers of ``keys``, -1 where absent."""
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        out = np.empty(keys.shape[0], dtype=np.int64)
        _find_many(self.slots, self.keys, keys, out)
        return out
