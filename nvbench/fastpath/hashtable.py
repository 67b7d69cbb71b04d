"""Open-addressing hash index over int64 keys, held in two arrays.

The index maps a non-negative int64 key to a record number. Records live in the
owner's own column arrays; the index holds only ``keys`` (one per record) and
``slots`` (a power-of-two table of record numbers, -1 = empty) probed linearly.
Deletion shifts later entries back (no tombstones), so probe chains never rot.
The table keeps at least twice as many slots as records, so it is never full.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel

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
def find(slots, keys, key):
    """Record number of ``key``, or -1."""
    mask = slots.shape[0] - 1
    s = hash64(key) & mask
    while True:
        r = slots[s]
        if r == EMPTY:
            return -1
        if keys[r] == key:
            return r
        s = (s + 1) & mask


@kernel
def insert(slots, keys, r):
    """Index record ``r`` under ``keys[r]`` (the caller ensures the key is absent)."""
    mask = slots.shape[0] - 1
    s = hash64(keys[r]) & mask
    while slots[s] != EMPTY:
        s = (s + 1) & mask
    slots[s] = r


@kernel
def remove(slots, keys, r):
    """Drop record ``r`` from the index, shifting its probe chain back."""
    mask = slots.shape[0] - 1
    i = hash64(keys[r]) & mask
    while slots[i] != r:
        if slots[i] == EMPTY:
            return
        i = (i + 1) & mask
    j = i
    while True:
        j = (j + 1) & mask
        rj = slots[j]
        if rj == EMPTY:
            break
        home = hash64(keys[rj]) & mask
        # rj may move back to i unless its home lies cyclically in (i, j].
        stays = (i < home <= j) if i <= j else (home > i or home <= j)
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
    """Power-of-two slot count keeping the load factor at or below 1/2."""
    return 1 << max(4, int(2 * capacity - 1).bit_length())


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
