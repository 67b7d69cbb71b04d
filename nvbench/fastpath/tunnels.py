"""Which IPsec tunnel carries a tenant's packet out: a route lookup on its inner destination.

A multi-tenant gateway holds, per VM network, one S2S connection per remote site, with the
site's prefixes as its routes [S12], and one SA pair per connected remote-access client,
with the client's address from the tenant's pool [S14]. A packet of the VM network goes
into the tunnel whose route holds its destination, the most specific one if several do;
a packet no route holds has no tunnel and is dropped with NO_ROUTE (it is not sent to
some site anyway).

A route is a range of addresses with either one SA for all of them (a site's prefix) or
one SA per address (a client pool: client ``k`` has the ``k``-th address).
"""

from __future__ import annotations

from ipaddress import IPv4Network

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import verdict as V
from nvbench.fastpath.scan import selected
from nvbench.packet.batch import PacketBatch
from nvbench.packet.layouts import ETHERNET, IPV4
from nvbench.packet.wire import rd32

_DST_AT = ETHERNET.length + IPV4.offset("dst")


class TunnelRoutes:
    """The outbound tunnel routes of a gateway's VM networks, by routing domain.

    Parameters
    ----------
    max_tenants : int
        Routing domains are ``0..max_tenants-1``.
    """

    def __init__(self, max_tenants: int) -> None:
        self.max_tenants = max_tenants
        self._routes: list[tuple[int, int, int, int, bool]] = []  # rd, lo, hi, base, each
        self._sas: list[int] = []
        self._frozen: tuple[np.ndarray, ...] | None = None

    def add_prefix(self, rd: int, prefix: IPv4Network, sa: int) -> None:
        """Every address of ``prefix`` goes into SA ``sa`` (a site's connection)."""
        lo = int(prefix.network_address)
        self._add(rd, lo, lo + prefix.num_addresses - 1, [sa], each=False)

    def add_pool(self, rd: int, first: int, sas: np.ndarray) -> None:
        """Address ``first + k`` goes into SA ``sas[k]`` (the ``k``-th client of a pool)."""
        self._add(rd, first, first + len(sas) - 1, [int(x) for x in sas], each=True)

    def _add(self, rd: int, lo: int, hi: int, sas: list[int], each: bool) -> None:
        if not 0 <= rd < self.max_tenants:
            raise ValueError(f"routing domain {rd} is not in [0, {self.max_tenants})")
        self._routes.append((rd, lo, hi, len(self._sas), each))
        self._sas.extend(sas)
        self._frozen = None

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(first route of each rd [max_tenants + 1], lo, hi, base, each, sas) for the kernel;
        routes sorted by routing domain."""
        if self._frozen is None:
            routes = sorted(self._routes, key=lambda r: r[0])
            rd = np.array([r[0] for r in routes], np.int64)
            start = np.searchsorted(rd, np.arange(self.max_tenants + 1)).astype(np.int64)
            cols = [np.array([r[k] for r in routes], np.int64) for k in (1, 2, 3, 4)]
            self._frozen = (start, *cols, np.array(self._sas or [-1], np.int64))
        return self._frozen

    def assign(self, batch: PacketBatch, counts: np.ndarray,
               rows: np.ndarray | None = None) -> None:  # fmt: skip
        """Set the ``sa`` of every OK packet of ``batch`` (of ``rows`` only) to its tunnel's
        outbound SA; a packet with none gets NO_ROUTE."""
        n = batch.n
        _assign(batch.buf, batch.offset, batch.length, batch.rd, batch.sa, batch.verdict[:n],
                selected(rows, n), counts, *self.arrays())  # fmt: skip


@kernel
def route_sa(start, lo, hi, base, each, sas, rd, dst):
    """The SA of the most specific route of ``rd`` that holds ``dst``, or -1."""
    best, width = -1, np.int64(1) << 33
    if rd < 0 or rd + 1 >= start.shape[0]:
        return best
    for r in range(start[rd], start[rd + 1]):
        if lo[r] <= dst <= hi[r] and hi[r] - lo[r] < width:
            width = hi[r] - lo[r]
            best = sas[base[r] + (dst - lo[r] if each[r] else 0)]
    return best


@kernel
def _assign(buf, offset, length, rd_col, sa_col, verdict, rows, counts,
            start, lo, hi, base, each, sas):  # fmt: skip
    for i in rows:
        if verdict[i] != 0:
            continue
        if length[i] < _DST_AT + 4:
            verdict[i] = V.TRUNCATED
            counts[V.TRUNCATED] += 1
            continue
        dst = rd32(buf[i], offset[i] + _DST_AT)
        sa = route_sa(start, lo, hi, base, each, sas, rd_col[i], dst)
        if sa < 0:
            verdict[i] = V.NO_ROUTE
            counts[V.NO_ROUTE] += 1
        else:
            sa_col[i] = sa
