"""The HNV policy as it stands at each moment of a run.

A takeover moves a VM network's gateway wildcard record to the passive node's host
[S11][S19] at a time known when the failure is set up (the detection after missed
heartbeats). The change is scheduled as a new version of the table in force from that
time, and a vSwitch encapsulates each packet with the version in force at the packet's own
time: the result does not depend on where the quantum's edges fall.
"""

from __future__ import annotations

import bisect

from nvbench.fastpath.lookup import PolicyTable


class PolicyBook:
    """Versions of the HNV policy table, each in force from its time on."""

    def __init__(self, table: PolicyTable) -> None:
        self.starts: list[int] = [0]
        self.tables: list[PolicyTable] = [table]

    @property
    def table(self) -> PolicyTable:
        """The version in force at the start (where a run's records are added)."""
        return self.tables[0]

    @property
    def changes(self) -> bool:
        return len(self.tables) > 1

    def schedule(self, at_ns: int, domain: int, ca: int, pa: int, mac: int, vsid: int) -> None:
        """From ``at_ns`` on, the record (domain, ca) is (pa, mac, vsid)."""
        k = bisect.bisect_right(self.starts, int(at_ns))
        table = self.tables[k - 1].copy()
        table.add(domain, ca, pa, mac, vsid)
        for later in self.tables[k:]:  # a later version keeps this change too
            later.add(domain, ca, pa, mac, vsid)
        self.starts.insert(k, int(at_ns))
        self.tables.insert(k, table)
