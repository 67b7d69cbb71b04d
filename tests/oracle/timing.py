"""Twins of the timing kernels, the obvious way: lists, sorting, no cleverness."""

from __future__ import annotations

DROPPED = -1


def fifo(a, s, size, servers=1, cap_pkts=None, cap_bytes=None):
    """Departures of a FIFO station with ``servers`` servers and a finite system size.

    Packets in the system at an arrival are those admitted earlier whose departure is later
    than the arrival; the arrival is dropped if it would push the count or the bytes over.
    """
    free = [0] * servers
    admitted: list[tuple[int, int]] = []  # (departure, bytes)
    out = []
    for ai, si, bi in zip(a, s, size, strict=True):
        admitted = [(d, b) for d, b in admitted if d > ai]
        full_pkts = cap_pkts is not None and len(admitted) + 1 > cap_pkts
        full_bytes = cap_bytes is not None and sum(b for _, b in admitted) + bi > cap_bytes
        if full_pkts or full_bytes:
            out.append(DROPPED)
            continue
        k = min(range(servers), key=lambda j: free[j])
        d = max(ai, free[k]) + si
        free[k] = d
        admitted.append((d, bi))
        out.append(d)
    return out
