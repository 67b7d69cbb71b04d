"""Exact per-packet queueing times: Lindley, Kiefer-Wolfowitz, finite buffers, merging.

Every element of the model is a FIFO station: packets arrive at ``a[n]`` (int64 ns, in
arrival order), need ``s[n]`` ns of service, and leave at ``d[n]``.

- One server (a link, or one vCPU): Lindley's recursion ``d[n] = max(a[n], d[n-1]) + s[n]``.
- ``c`` servers sharing one FIFO queue (a VM's vCPUs): the Kiefer-Wolfowitz recursion, which
  keeps the ``c`` times at which the servers next become free; packet ``n`` starts on the
  earliest-free server at ``max(a[n], min(free))``.
- A finite buffer holds at most ``cap_pkts`` packets and ``cap_bytes`` bytes *in the system*
  (waiting and in service, so ``cap_pkts`` is the K of M/M/1/K). A packet that finds it full
  is dropped (tail drop); its departure is ``DROPPED``. Departures at the same instant as an
  arrival happen first.

The state of each station lives in small arrays the caller keeps across calls, so a long run
is cut into quanta and gives exactly the times of one long call. The kernels never allocate.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel

DROPPED = -1
UNLIMITED = np.iinfo(np.int64).max

# Positions in a station's int64 state vector ``st``.
ST_LAST = 0  # departure of the last admitted packet (Lindley only)
ST_HEAD = 1  # ring: first occupied entry (Lindley) / unused (Kiefer-Wolfowitz)
ST_COUNT = 2  # packets in the system
ST_BYTES = 3  # bytes in the system
ST_ADMITTED = 4  # packets admitted since the start
ST_BUSY = 5  # service time handed out since the start, ns (utilization)
N_ST = 6


def ring_size(cap_pkts: int, cap_bytes: int, min_bytes: int = 1) -> int:
    """Entries needed to remember every packet a finite buffer can hold (0: unlimited)."""
    if cap_pkts != UNLIMITED:
        return cap_pkts
    if cap_bytes != UNLIMITED:
        return cap_bytes // max(1, min_bytes) + 1
    return 0


@kernel
def ring_admit(ring_d, ring_b, k, head, count, nbytes, t, size, cap_pkts, cap_bytes):
    """The finite buffer of FIFO server ``k`` at time ``t``: forget the packets that have
    left by then (departures are in order, so they are the ring's oldest), then say whether
    a packet of ``size`` bytes fits. Returns (fits, head, count, nbytes).

    ``ring_d``/``ring_b`` (int64[c, R]) hold, row ``k`` for server ``k``, the departures
    and sizes of the packets in its system, oldest first, from ``head`` on (``count`` of
    them, ``nbytes`` bytes in all). Rows are indexed, not sliced: a slice per packet would
    cost a reference count in compiled code.
    """
    r = ring_d.shape[1]
    while count > 0 and ring_d[k, head] <= t:
        nbytes -= ring_b[k, head]
        head = head + 1 if head + 1 < r else 0
        count -= 1
    fits = count + 1 <= cap_pkts and nbytes + size <= cap_bytes
    return fits, head, count, nbytes


@kernel
def ring_push(ring_d, ring_b, k, head, count, departure, size):
    """Remember an admitted packet behind the ``count`` in server ``k``'s ring."""
    r = ring_d.shape[1]
    tail = head + count
    tail = tail - r if tail >= r else tail
    ring_d[k, tail] = departure
    ring_b[k, tail] = size


@kernel
def lindley(a, s, size, d, st, ring_d, ring_b, cap_pkts, cap_bytes):
    """One FIFO server; fills ``d`` with departures or ``DROPPED``.

    Parameters
    ----------
    a, s, size : int64[n]
        Arrival times (ns, in order), service times (ns) and sizes (bytes) of the packets.
    d : int64[n]
        Out: departure times, or ``DROPPED``.
    st : int64[N_ST]
        The server's state between calls (``ST_*`` positions).
    ring_d, ring_b : int64[R]
        The departures and sizes of the packets in the system (:func:`ring_admit`); only
        used when the buffer is finite (R > 0).
    cap_pkts, cap_bytes : int
        Packets and bytes the system holds (``UNLIMITED`` for no limit).
    """
    last = st[ST_LAST]
    head, count, nbytes = st[ST_HEAD], st[ST_COUNT], st[ST_BYTES]
    r = ring_d.shape[0]
    rings_d, rings_b = ring_d.reshape((1, r)), ring_b.reshape((1, r))  # one server's row
    admitted, busy = 0, 0
    for i in range(a.shape[0]):
        ai = a[i]
        if r > 0:
            fits, head, count, nbytes = ring_admit(rings_d, rings_b, 0, head, count, nbytes, ai,
                                                   size[i], cap_pkts, cap_bytes)  # fmt: skip
            if not fits:
                d[i] = DROPPED
                continue
        last = (ai if ai > last else last) + s[i]
        d[i] = last
        admitted += 1
        busy += s[i]
        if r > 0:
            ring_push(rings_d, rings_b, 0, head, count, last, size[i])
            count += 1
            nbytes += size[i]
    st[ST_LAST], st[ST_HEAD], st[ST_COUNT], st[ST_BYTES] = last, head, count, nbytes
    st[ST_ADMITTED] += admitted
    st[ST_BUSY] += busy


@kernel
def _sift_down(h, b, n, i):
    """Restore the min-heap ``h[:n]`` (with its payload ``b``) below position ``i``."""
    while True:
        left = 2 * i + 1
        if left >= n:
            return
        c = left
        if left + 1 < n and h[left + 1] < h[left]:
            c = left + 1
        if h[c] >= h[i]:
            return
        h[i], h[c] = h[c], h[i]
        b[i], b[c] = b[c], b[i]
        i = c


@kernel
def _sift_down_keys(h, n, i):
    """:func:`_sift_down` for a heap without payload."""
    while True:
        left = 2 * i + 1
        if left >= n:
            return
        c = left
        if left + 1 < n and h[left + 1] < h[left]:
            c = left + 1
        if h[c] >= h[i]:
            return
        h[i], h[c] = h[c], h[i]
        i = c


@kernel
def _sift_up(h, b, i):
    while i > 0:
        p = (i - 1) // 2
        if h[p] <= h[i]:
            return
        h[i], h[p] = h[p], h[i]
        b[i], b[p] = b[p], b[i]
        i = p


@kernel
def kiefer_wolfowitz(a, s, size, d, st, free, heap_d, heap_b, cap_pkts, cap_bytes):
    """``c = free.shape[0]`` servers, one FIFO queue; fills ``d`` like :func:`lindley`.

    ``free`` (int64[c]) is a min-heap of the times the servers become free. ``heap_d`` /
    ``heap_b`` (int64[R]) are a min-heap of the departures (and sizes) of the packets in
    the system, for the finite buffer; with c servers packets may leave out of order.
    """
    c = free.shape[0]
    count, nbytes = st[ST_COUNT], st[ST_BYTES]
    r = heap_d.shape[0]
    admitted, busy = 0, 0
    for i in range(a.shape[0]):
        ai = a[i]
        if r > 0:
            while count > 0 and heap_d[0] <= ai:
                nbytes -= heap_b[0]
                count -= 1
                heap_d[0], heap_b[0] = heap_d[count], heap_b[count]
                _sift_down(heap_d, heap_b, count, 0)
            if count + 1 > cap_pkts or nbytes + size[i] > cap_bytes:
                d[i] = DROPPED
                continue
        start = ai if ai > free[0] else free[0]
        di = start + s[i]
        d[i] = di
        free[0] = di
        _sift_down_keys(free, c, 0)
        admitted += 1
        busy += s[i]
        if r > 0:
            heap_d[count], heap_b[count] = di, size[i]
            _sift_up(heap_d, heap_b, count)
            count += 1
            nbytes += size[i]
    st[ST_COUNT], st[ST_BYTES] = count, nbytes
    st[ST_ADMITTED] += admitted
    st[ST_BUSY] += busy


@kernel
def lindley_pinned(a, s, size, server, d, st, ring_d, ring_b, cap_pkts, cap_bytes):
    """Servers with a FIFO queue each; packet ``i`` is bound to server ``server[i]``.

    ``st`` (int64[c, N_ST]) and the rings (int64[c, R]) hold one row per server; each row
    follows :func:`lindley` exactly.
    """
    r = ring_d.shape[1]
    for i in range(a.shape[0]):
        k = server[i]
        ai = a[i]
        row = st[k]
        head, count, nbytes = row[ST_HEAD], row[ST_COUNT], row[ST_BYTES]
        if r > 0:
            fits, head, count, nbytes = ring_admit(ring_d, ring_b, k, head, count, nbytes, ai,
                                                   size[i], cap_pkts, cap_bytes)  # fmt: skip
            if not fits:
                d[i] = DROPPED
                row[ST_HEAD], row[ST_COUNT], row[ST_BYTES] = head, count, nbytes
                continue
        last = row[ST_LAST]
        last = (ai if ai > last else last) + s[i]
        d[i] = last
        row[ST_LAST] = last
        row[ST_ADMITTED] += 1
        row[ST_BUSY] += s[i]
        if r > 0:
            ring_push(ring_d, ring_b, k, head, count, last, size[i])
            count += 1
            nbytes += size[i]
        row[ST_HEAD], row[ST_COUNT], row[ST_BYTES] = head, count, nbytes


@kernel
def is_sorted(t):
    for i in range(1, t.shape[0]):
        if t[i] < t[i - 1]:
            return False
    return True


def transmission_ns(wire_bytes: np.ndarray, bits_per_s: float) -> np.ndarray:
    """Time to clock ``wire_bytes`` onto a link, rounded up to whole ns (int64)."""
    return np.ceil(wire_bytes * (8e9 / bits_per_s)).astype(np.int64)


class PinnedQueues:
    """``servers`` FIFO servers with a queue each (RSS-style binding): the state of
    :func:`lindley_pinned`. Limits apply to each server's queue."""

    def __init__(
        self,
        servers: int,
        cap_pkts: int | None = None,
        cap_bytes: int | None = None,
        min_bytes: int = 60,
    ) -> None:
        if servers < 1:
            raise ValueError(f"servers must be >= 1, got {servers}")
        self.servers = servers
        self.cap_pkts = UNLIMITED if cap_pkts is None else int(cap_pkts)
        self.cap_bytes = UNLIMITED if cap_bytes is None else int(cap_bytes)
        r = ring_size(self.cap_pkts, self.cap_bytes, min_bytes)
        self.st = np.zeros((servers, N_ST), np.int64)
        self.ring_d = np.zeros((servers, r), np.int64)
        self.ring_b = np.zeros((servers, r), np.int64)

    def serve(self, a, s, size, server) -> np.ndarray:
        d = np.empty(a.shape[0], np.int64)
        lindley_pinned(a, s, size, server, d, self.st, self.ring_d, self.ring_b,
                       self.cap_pkts, self.cap_bytes)  # fmt: skip
        return d

    @property
    def busy_ns(self) -> int:
        return int(self.st[:, ST_BUSY].sum())

    @property
    def admitted(self) -> int:
        return int(self.st[:, ST_ADMITTED].sum())

    def busy_by_server(self) -> list[int]:
        return self.st[:, ST_BUSY].tolist()

    def reset(self) -> None:
        self.st[:, ST_BUSY] = 0
        self.st[:, ST_ADMITTED] = 0


class FifoQueue:
    """The state of one FIFO station with ``servers`` servers and an optional finite buffer.

    Parameters
    ----------
    servers : int
        1 for Lindley's recursion, more for Kiefer-Wolfowitz.
    cap_pkts, cap_bytes : int, optional
        Packets / bytes the system holds (waiting and in service); None = unlimited.
    min_bytes : int
        Smallest packet, bytes: bounds the ring for a byte-limited buffer.
    """

    def __init__(
        self,
        servers: int = 1,
        cap_pkts: int | None = None,
        cap_bytes: int | None = None,
        min_bytes: int = 60,
    ) -> None:
        if servers < 1:
            raise ValueError(f"servers must be >= 1, got {servers}")
        for name, cap in (("cap_pkts", cap_pkts), ("cap_bytes", cap_bytes)):
            if cap is not None and cap < 1:
                raise ValueError(f"{name} must be >= 1 or None, got {cap}")
        self.servers = servers
        self.cap_pkts = UNLIMITED if cap_pkts is None else int(cap_pkts)
        self.cap_bytes = UNLIMITED if cap_bytes is None else int(cap_bytes)
        r = ring_size(self.cap_pkts, self.cap_bytes, min_bytes)
        self.st = np.zeros(N_ST, np.int64)
        self.ring_d = np.zeros(r, np.int64)
        self.ring_b = np.zeros(r, np.int64)
        self.free = np.zeros(servers, np.int64)

    def serve(self, a: np.ndarray, s: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Departures (int64, ``DROPPED`` for tail drops) of packets arriving at ``a``."""
        d = np.empty(a.shape[0], np.int64)
        if self.servers == 1:
            lindley(a, s, size, d, self.st, self.ring_d, self.ring_b, self.cap_pkts, self.cap_bytes)
        else:
            kiefer_wolfowitz(
                a, s, size, d, self.st, self.free, self.ring_d, self.ring_b,
                self.cap_pkts, self.cap_bytes,
            )  # fmt: skip
        return d

    def reset(self) -> None:
        self.st[ST_BUSY] = 0
        self.st[ST_ADMITTED] = 0

    @property
    def busy_ns(self) -> int:
        return int(self.st[ST_BUSY])

    @property
    def admitted(self) -> int:
        return int(self.st[ST_ADMITTED])
