"""The upstream NAT device in front of a gateway whose external address is private (double
NAT): a NAPT device between the gateway's edge and the Internet.

Out: a packet from one of the device's inside addresses (the gateway's front end, a NAT
tenant's private pool address) leaves with the device's public address and a port of its
own (NAPT, :mod:`nvbench.fastpath.nat`); other sources pass untouched. In: a packet to the
public address is translated back by its mapping; a packet no mapping covers is dropped
(NAT_NO_SESSION). Port forwards (static mappings) carry what must reach the gateway
unsolicited: IKE's NAT-T port 4500 [S29][S31] and the NAT tenants' published ports.

The two directions are two elements sharing one table (one element for both would close a
loop through the gateway); each translates its quantum's packets in arrival order across
its inputs. Across the directions, inbound packets meet only port forwards here (no
modelled source answers a dynamic mapping), so their order cannot change an outcome; the
table decides every packet at its own time (:mod:`nvbench.fastpath.nat_sessions`). Each
direction then serves its packets on one core of the device at the profile's
``nat_upstream`` cost (the device in use is unnamed: its profile cost says what is
assumed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.verdict import new_counts
from nvbench.model.costs import Profile
from nvbench.model.merge import merged_frames
from nvbench.model.station import Station
from nvbench.packet.batch import PacketBatch
from nvbench.packet.layouts import ETHERNET, IPV4

if TYPE_CHECKING:
    from nvbench.model.simulation import Simulation

_SRC_AT = ETHERNET.length + IPV4.offset("src")
_DST_AT = ETHERNET.length + IPV4.offset("dst")


class UpstreamNat(Station):
    """One direction of a NAPT device.

    Parameters
    ----------
    table : NatTable
        Its mappings, shared by both directions: tenant 0 only (the device does not know
        the gateway's tenants), the public address as the pool, the port forwards as
        static mappings.
    inside : sequence of int
        The addresses it translates on the way out.
    public : int
        Its public address.
    outbound : bool
        The way out (inside sources to the public address) or the way in.
    costs, clock_hz : Profile, float
        Its cost per packet (``nat_upstream``), and its core's clock.
    """

    kind = "nat_device"

    def __init__(self, sim: Simulation, name: str, table: NatTable, inside: list[int],
                 public: int, outbound: bool, costs: Profile, clock_hz: float = 2.6e9,
                 queue_pkts: int = 4096) -> None:  # fmt: skip
        super().__init__(sim, name, servers=1, cap_pkts=queue_pkts)
        self.costs, self.clock_hz = costs, clock_hz
        self.table, self.public, self.outbound = table, int(public), outbound
        self.inside = np.array(sorted(set(inside)), np.int64)
        self.counts = new_counts()

    def process(self, views: list[PacketBatch], t0: int, t1: int) -> None:
        """Translate in arrival order, then serve (:class:`Station`)."""
        views = merged_frames(self.sim, views)
        for v in views:
            self._translate(v)
        super().process(views, t0, t1)

    def service_table(self) -> np.ndarray:
        return self.costs.service_table("nat_upstream", self.clock_hz)

    def service_ns(self, batch: PacketBatch, rows: np.ndarray) -> np.ndarray:
        return self.costs.service_ns("nat_upstream", batch.length[rows], self.clock_hz)

    def _translate(self, b: PacketBatch) -> None:
        rows = np.flatnonzero(b.verdict[: b.n] == 0)
        o = b.offset[rows].astype(np.int64)
        if self.outbound:
            mine = rows[np.isin(_word(b, rows, o + _SRC_AT), self.inside)]
        else:
            mine = rows[_word(b, rows, o + _DST_AT) == self.public]
        if mine.shape[0] == 0:
            return
        rd = b.rd[mine].copy()
        b.rd[mine] = 0  # the device's one address space
        if self.outbound:
            self.table.outbound(b, self.counts, rows=mine)
        else:
            self.table.inbound(b, self.counts, rows=mine)
        b.rd[mine] = rd  # each packet's tenant, as it came
        gone = mine[b.verdict[mine] != 0]
        if gone.shape[0]:
            self.dropped(b, gone)

    def nat_rows(self) -> list[dict[str, object]]:
        if not self.outbound:
            return []
        self.table.expire(self.sim.now_ns)  # the idle timer's ticks up to the end
        return [{"element": self.name, "public_address": _dotted(self.public),
                 "ports_in_use": self.table.ports_in_use(self.public)}]  # fmt: skip


def _word(b: PacketBatch, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The big-endian 32-bit word at byte ``at`` of each frame of ``rows``."""
    out = np.zeros(rows.shape[0], np.int64)
    for k in range(4):
        out = (out << 8) | b.buf[rows, at + k]
    return out


def _dotted(a: int) -> str:
    return ".".join(str((a >> s) & 0xFF) for s in (24, 16, 8, 0))
