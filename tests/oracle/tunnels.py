"""Twin of nvbench.fastpath.tunnels: which outbound SA a tenant's packet goes into.

The routes of the packet's routing domain that hold its IPv4 destination (bytes 30..33 of
an untagged Ethernet/IPv4 frame); the narrowest wins, the first added among equals; a
site's prefix names one SA, a pool one SA per address.
"""

from __future__ import annotations

import struct

Route = tuple[int, int, int, list[int]]  # rd, first address, last address, SAs (1 or one each)


def choose(frame: bytes, rd: int, routes: list[Route]) -> int | str:
    """The SA of ``frame``, or the verdict name ("TRUNCATED", "NO_ROUTE")."""
    if len(frame) < 34:
        return "TRUNCATED"
    (dst,) = struct.unpack_from("!I", frame, 30)
    best: tuple[int, int] | None = None  # (width, sa)
    for r, lo, hi, sas in routes:
        if r == rd and lo <= dst <= hi and (best is None or hi - lo < best[0]):
            best = (hi - lo, sas[dst - lo] if len(sas) > 1 else sas[0])
    return "NO_ROUTE" if best is None else best[1]
