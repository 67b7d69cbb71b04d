"""Unsolicited inbound SYNs a NAT holds before it answers them (RFC 5382 REQ-4).

A gateway whose NAT holds them (``nat.unsolicited_syn = "hold"``) keeps an inbound SYN that
found no mapping, or a mapping that filters its sender, for ``hold_s`` (RFC 5382: at least
6 s). If in that time the NAT translates an outbound SYN of the same connection (a
simultaneous open: the inside host's SYN to the held SYN's sender, from the very public
address and port that SYN was sent to), the held SYN is dropped silently; otherwise, when
the hold ends, its sender is told "port unreachable" (ICMP 3/3, from the address the SYN
was sent to). The SYN itself goes no further either way: it is dropped as NAT_SYN_HELD
when it comes; the answer is a packet the gateway originates.

At most ``most`` SYNs are held at once; one more is dropped silently, as REQ-4a allows
where answering is against the NAT's policy (here: memory under a SYN flood). The bound
is assumed (Windows' hold and its bound are NOT FOUND).

Every decision is taken at a packet's own time: a SYN is held from its arrival until
arrival + hold; a SYN that comes while ``most`` are held is not; an outbound SYN
supersedes a held one if it is translated within the hold. The answer leaves at the
hold's end, in the quantum that holds that instant, so no decision depends on the quantum.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nvbench.fastpath.gather import copy_packets
from nvbench.fastpath.icmp_error import PORT_UNREACHABLE, UNREACHABLE, errors
from nvbench.fastpath.verdict import NAT_SYN_HELD
from nvbench.model.answers import book_originated
from nvbench.packet.batch import PacketBatch
from nvbench.packet.layouts import IPPROTO_TCP

if TYPE_CHECKING:
    from nvbench.model.element import Element

TCP_SYN, TCP_ACK = 0x02, 0x10
ANSWER_FRAME = 160  # an ICMP error quoting a SYN: 14 + 20 + 8 + at most 60 + 8 bytes


@dataclass
class _Held:
    """The SYNs held from one quantum, in arrival order, with their answers ready."""

    answers: PacketBatch  # row j: the ICMP 3/3 about the j-th SYN, timed at its hold's end
    arrival: np.ndarray  # int64 ns
    public: np.ndarray  # int64: the address << 16 | port the SYN was sent to
    remote: np.ndarray  # int64: its sender's address << 16 | port
    superseded: np.ndarray  # bool
    done: int = 0  # rows whose hold has ended

    @property
    def ends(self) -> np.ndarray:
        return self.answers.time[self.done : self.answers.n]


class SynHold:
    """The SYNs a NAT holds, and what became of them (``held``, ``superseded``,
    ``answered``, ``overflow``: SYNs not held, the table being full)."""

    def __init__(self, hold_ns: int, most: int) -> None:
        if hold_ns <= 0 or most < 1:
            raise ValueError(f"hold {hold_ns} ns and most {most}: both must be > 0")
        self.hold_ns, self.most = int(hold_ns), int(most)
        self._chunks: list[_Held] = []
        self.held = self.superseded = self.answered = self.overflow = 0

    def reset_books(self) -> None:
        """Count afresh (the end of a warm-up); holds under way go on."""
        self.held = self.superseded = self.answered = self.overflow = 0

    def pending(self) -> int:
        """SYNs held whose hold has not ended."""
        return sum(c.answers.n - c.done for c in self._chunks)

    def quantum(self, worked: list[tuple[PacketBatch, bool, np.ndarray]]) -> None:
        """After the NAT's work on a quantum (per view: the view, whether it came from
        outside, the NAT's way per row, -1 where it took none): its held SYNs taken, and
        outbound SYNs matched against every hold (the answers: :meth:`due`)."""
        rows = [(v, out, np.flatnonzero(w[: v.n] >= 0)) for v, out, w in worked]
        self.take([v for v, out, _ in rows if out], [r for _, out, r in rows if out])
        self.outbound([v for v, out, _ in rows if not out], [r for _, out, r in rows if not out])

    def take(self, views: list[PacketBatch], rows: list[np.ndarray]) -> None:
        """Hold the SYNs among ``rows`` of ``views`` that the NAT marked NAT_SYN_HELD (the
        rows it worked on this quantum, so that each is taken once), in arrival order."""
        found = [(v, r[v.verdict[r] == NAT_SYN_HELD]) for v, r in zip(views, rows, strict=True)]
        found = [(v, r) for v, r in found if r.shape[0]]
        if not found:
            return
        t = np.concatenate([v.time[r] for v, r in found])
        order = np.argsort(t, kind="stable")
        admitted = np.zeros(t.shape[0], np.bool_)
        admitted[order] = self._admit(t[order])
        self.overflow += int(np.count_nonzero(~admitted))
        start = 0
        for v, r in found:
            mine = r[admitted[start : start + r.shape[0]]]
            start += r.shape[0]
            if mine.shape[0]:
                self._hold(v, mine[np.argsort(v.time[mine], kind="stable")])

    def _admit(self, t: np.ndarray) -> np.ndarray:
        """Which of the arrivals ``t`` (sorted) are held, in time order: one is if fewer
        than ``most`` holds run past it."""
        ends = sorted(int(x) for c in self._chunks for x in c.ends)  # chunks: view by view
        out = np.zeros(t.shape[0], np.bool_)
        for j, x in enumerate(t.tolist()):
            if len(ends) - bisect_right(ends, x) < self.most:
                insort(ends, x + self.hold_ns)
                out[j] = True
        return out

    def _hold(self, v: PacketBatch, rows: np.ndarray) -> None:
        public = np.zeros(rows.shape[0], np.int64)
        remote = np.zeros(rows.shape[0], np.int64)
        ok = np.zeros(rows.shape[0], np.bool_)
        _syns(v, rows, remote, public, ok)
        src = public >> 16
        out = errors(v, rows, UNREACHABLE, PORT_UNREACHABLE, np.zeros_like(rows), src,
                     lambda n: PacketBatch(n, max_frame=ANSWER_FRAME))  # fmt: skip
        assert out.n == rows.shape[0], "a SYN the NAT parsed is always quotable"
        out.time[: out.n] = v.time[rows] + self.hold_ns
        self._chunks.append(_Held(out, v.time[rows].copy(), public, remote, np.zeros_like(ok)))
        self.held += out.n

    def outbound(self, views: list[PacketBatch], rows: list[np.ndarray]) -> None:
        """Outbound SYNs the NAT translated (among ``rows`` of ``views``): each supersedes
        the held SYN of its connection if it came within that SYN's hold."""
        if not self._chunks or not views:
            return
        found = []
        for v, r in zip(views, rows, strict=True):
            r = r[v.verdict[r] == 0]
            public = np.zeros(r.shape[0], np.int64)
            remote = np.zeros(r.shape[0], np.int64)
            syn = np.zeros(r.shape[0], np.bool_)
            _syns(v, r, public, remote, syn)
            found.append((v.time[r][syn], public[syn], remote[syn]))
        t, public, remote = (np.concatenate([f[k] for f in found]) for k in range(3))
        if t.shape[0]:
            self._supersede(t, public, remote)

    def _supersede(self, t: np.ndarray, public: np.ndarray, remote: np.ndarray) -> None:
        """Held SYNs of the connections of outbound SYNs (times ``t``): superseded if one
        came within the hold. A chunk is searched once a quantum, not once a SYN; only a
        held SYN sent to the public port of an outbound SYN is looked at closely."""
        for c in self._chunks:
            live = np.arange(c.done, c.answers.n)
            for i in live[np.isin(c.public[live], public) & ~c.superseded[live]].tolist():
                same = (public == c.public[i]) & (remote == c.remote[i])
                within = (t >= c.arrival[i]) & (t <= c.answers.time[i])
                if (same & within).any():
                    c.superseded[i] = True
                    self.superseded += 1

    def due(self, e: Element, t1: int) -> list[PacketBatch]:
        """The answers to the SYNs whose hold ended before ``t1`` and that no outbound SYN
        superseded, booked as originated by ``e`` (a list of at most one batch); those
        holds are over. Called once the NAT's work of the quantum ending at ``t1`` is done
        (:meth:`quantum`), so that every outbound SYN within a hold was seen."""
        parts = []
        for c in self._chunks:
            end = c.done + int(np.searchsorted(c.ends, t1, side="left"))
            rows = np.arange(c.done, end)
            parts.append((c, rows[~c.superseded[rows]]))
            c.done = end
        self._chunks = [c for c in self._chunks if c.done < c.answers.n]
        k = sum(r.shape[0] for _, r in parts)
        if k == 0:
            return []
        out = e.sim.new_batch(k)
        at = 0
        for c, r in parts:
            copy_packets(c.answers, r, out, np.arange(at, at + r.shape[0]), span=ANSWER_FRAME)
            at += r.shape[0]
        out.n = k
        self.answered += k
        book_originated(e, out)
        return [out]

    def figures(self) -> dict[str, int]:
        return {"syn_held": self.held, "syn_superseded": self.superseded,
                "syn_answered": self.answered, "syn_hold_overflow": self.overflow,
                "syn_pending": self.pending()}  # fmt: skip


def _syns(v: PacketBatch, rows: np.ndarray, src: np.ndarray, dst: np.ndarray,
          syn: np.ndarray) -> None:  # fmt: skip
    """For packets ``rows`` of ``v``: source and destination (address << 16 | port), and
    whether it is a TCP SYN without ACK (a connection's first segment)."""
    o = v.offset[rows].astype(np.int64)
    b = v.buf
    tagged = (b[rows, o + 12] == 0x81) & (b[rows, o + 13] == 0x00)
    l3 = o + 14 + 4 * tagged
    l4 = l3 + 4 * (b[rows, l3] & 0x0F).astype(np.int64)
    word = _be(b, rows, l3 + 12, 4), _be(b, rows, l3 + 16, 4)
    port = _be(b, rows, l4, 2), _be(b, rows, l4 + 2, 2)
    src[:] = (word[0] << 16) | port[0]
    dst[:] = (word[1] << 16) | port[1]
    flags = b[rows, l4 + 13]
    syn[:] = (b[rows, l3 + 9] == IPPROTO_TCP) & ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)


def _be(b: np.ndarray, rows: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """Big-endian unsigned fields of ``width`` bytes at ``at`` of each row."""
    out = np.zeros(rows.shape[0], np.int64)
    for k in range(width):
        out = (out << 8) | b[rows, at + k]
    return out
