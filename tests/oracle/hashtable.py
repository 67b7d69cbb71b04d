"""Twin of nvbench.fastpath.hashtable.Index: a dict from key to record number, numbers
handed out in order of first sight."""

from __future__ import annotations


class DictIndex:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: dict[int, int] = {}

    def upsert(self, keys: list[int]) -> list[int] | None:
        """Record numbers of ``keys``, adding new ones; None when it would overflow."""
        out = []
        for k in keys:
            if k not in self.records:
                if len(self.records) >= self.capacity:
                    return None
                self.records[k] = len(self.records)
            out.append(self.records[k])
        return out

    def find(self, keys: list[int]) -> list[int]:
        return [self.records.get(k, -1) for k in keys]
