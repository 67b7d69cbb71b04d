"""Twins of nvbench.fastpath.scan and gather: the per-quantum scans and copies, as loops
over Python lists."""

from __future__ import annotations


def first_due(time, verdict, n, t) -> int:
    return next((i for i in range(n) if verdict[i] == 0 and time[i] >= t), n)


def split_point(time, verdict, n, t) -> tuple[int, int]:
    k = first_due(time, verdict, n, t)
    return k, sum(1 for i in range(k + 1, n) if verdict[i] == 0 and time[i] < t)


def live(verdict, n) -> list[int]:
    return [i for i in range(n) if verdict[i] == 0]


def live_totals(verdict, length, n) -> tuple[int, int]:
    rows = live(verdict, n)
    return len(rows), sum(int(length[i]) for i in rows)


def gather_live(verdict, time, length, n, table):
    """(rows, arrivals, sizes, service times), or None when a length is past the table."""
    rows = live(verdict, n)
    if any(length[i] >= len(table) for i in rows):
        return None
    return (rows, [int(time[i]) for i in rows], [int(length[i]) for i in rows],
            [int(table[length[i]]) for i in rows])  # fmt: skip


def write_departures(time, verdict, rows, a, d, delay, dropped_code):
    """(new times, new verdicts, the times spent inside by the served packets, drops)."""
    time, verdict, spent = list(time), list(verdict), []
    for j, i in enumerate(rows):
        if d[j] < 0:
            verdict[i] = dropped_code
        else:
            time[i] = d[j] + delay
            spent.append(d[j] - a[j] + delay)
    return time, verdict, spent, sum(1 for x in d if x < 0)


def ipv4_dst(frames: list[bytes], verdict) -> list[int]:
    """Bytes 30..33 of each live frame (an untagged Ethernet/IPv4 destination), else -1."""
    return [int.from_bytes(f[30:34], "big") if verdict[i] == 0 else -1
            for i, f in enumerate(frames)]  # fmt: skip


def copy_heads(frames: list[bytes], span: int) -> list[bytes]:
    """What a copy of ``span`` bytes of each frame carries."""
    return [f[:span] for f in frames]
