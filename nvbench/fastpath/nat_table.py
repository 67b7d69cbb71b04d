"""NatTable: a NAT44 instance's configuration and state, held in flat arrays.

State layout (the tuple handed to the kernels in :mod:`nvbench.fastpath.nat`):

===  ============  ========================  ==========================================
 #   name          dtype, shape              meaning
===  ============  ========================  ==========================================
 0   in_key        int64[S]                  tenant<<50 | proto<<48 | addr<<16 | port
 1   out_key       int64[S]                  proto<<48 | public addr<<16 | public port;
                                             for a free slot, the next free slot
 2   last          int64[S]                  last traffic, ns of simulated time
 3   state         uint8[S]                  FREE / ACTIVE / TCP states | flags
 4   remote        uint32[S or 1, 4]         recent remotes (address-dependent filter)
 5   in_slots      int32[~1.43 S]            hash index over in_key (load <= 0.7)
 6   out_slots     int32[~1.43 S]            hash index over out_key
 7   free_head     int64[1]                  first free slot, -1 when full
 8   next_sweep    int64[1]                  the idle timer's next useful tick, ns
 9   t_used        int32[T]                  dynamic mappings per tenant
10   t_quota       int32[T]                  port quota per tenant (RFC 6888 REQ-4)
11   t_pool_start  int32[T]                  first entry of the tenant's pool
12   t_pool_len    int32[T]                  pool size; 0 = no NAT for this tenant
13   pool_aidx     int32[P]                  address index of each pool entry
14   addr_slots    int32                     hash index over public addresses
15   addr_keys     int64[A]                  the public addresses
16   ring_port     uint16[3A, 64512]         free ports, FIFO, per address x protocol
17   ring_avail    uint32[3A, 64512]         when each queued port may be reused, s
18   ring_head     int64[3A]                 ring read position
19   ring_count    int64[3A]                 ports in the ring
20   stats         int64[3]                  created, expired, hairpinned
21   pair_key      int64[H]                  paired inside hosts: tenant<<32 | address
22   pair_slots    int32[~1.43 H]            hash index over pair_key
23   pair_aidx     int32[H]                  each host's pool address
24   pair_refs     int32[H]                  its dynamic mappings (free: the next free)
25   pair_head     int64[1]                  first free pair entry, -1 when full
26   t_adf         int32[T]                  1: the tenant's filtering is address-dependent
===  ============  ========================  ==========================================

Memory: 8+8+8+1 bytes per slot, about 11.4 bytes of hash slots, and 6 bytes per port
per protocol per public address (1.16 MB an address). With the default endpoint-
independent filtering that is 59.7 bytes per session at one million sessions on 20
addresses (tests/unit/test_memory.py), plus 22 bytes per inside host remembered for paired
pooling (65,536 hosts by default). Address-dependent filtering adds 16 bytes per
slot for the 4 remembered remotes (older remotes are forgotten, so an old peer is
filtered once 4 newer ones were contacted).
"""

from __future__ import annotations

import numpy as np

from nvbench.fastpath import hashtable
from nvbench.fastpath import nat as K
from nvbench.fastpath.l4 import N_PCODES, PCODE_PROTO
from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.scan import selected
from nvbench.packet.batch import PacketBatch

ADF_REMOTES = 4
S = K.NS  # one second in ns
_NO_SESSIONS = np.zeros(0, np.int64)  # outbound() when the caller tracks no sessions
_NO_OPENED = np.zeros(0, np.bool_)
_OUT, _IN = np.zeros(1, np.bool_), np.ones(1, np.bool_)  # every row one way (NatTable.both)


class NatTable:
    """One NAT44 (NAPT) instance serving many routing domains (tenants).

    Parameters
    ----------
    capacity : int
        Most mappings at once (state limit, RFC 6888 REQ-5).
    config : NatConfig
    max_tenants : int
        Tenant (routing domain) indices must be below this, at most 8192.
    seed : int or numpy.random.SeedSequence
        Seeds the per-address port permutations (RFC 6056-style unguessable ports).
    hosts : int, optional
        Inside hosts with dynamic mappings at once (paired pooling); a new host beyond
        them is refused as NAT_STATE_FULL. Default: ``min(capacity, 65536)``.
    """

    def __init__(
        self,
        capacity: int,
        config: NatConfig | None = None,
        max_tenants: int = 1024,
        seed: int | np.random.SeedSequence = 0,
        hosts: int | None = None,
    ) -> None:
        if not 1 <= max_tenants <= K.MAX_TENANTS:
            raise ValueError(f"max_tenants must be 1..{K.MAX_TENANTS}, got {max_tenants}")
        self.config = config or NatConfig()
        self._cfg = self.config.as_tuple()
        self._rng = np.random.default_rng(seed)
        self.capacity = capacity
        self.addr = hashtable.Index(1024)
        self.pool_aidx = np.zeros(0, np.int32)
        self.rings = (
            np.zeros((0, K.RING), np.uint16),
            np.zeros((0, K.RING), np.uint32),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
        )
        self._tenant = {
            name: np.zeros(max_tenants, np.int32)
            for name in ("used", "quota", "pool_start", "pool_len", "adf")
        }
        self._sessions = (
            np.full(capacity, -1, np.int64),
            np.append(np.arange(1, capacity, dtype=np.int64), -1),  # free list 0 -> 1 -> ...
            np.zeros(capacity, np.int64),
            np.zeros(capacity, np.uint8),
            np.zeros((capacity if self._cfg[0] else 1, ADF_REMOTES), np.uint32),
            np.full(hashtable.slots_for(capacity), -1, np.int32),
            np.full(hashtable.slots_for(capacity), -1, np.int32),
            np.zeros(1, np.int64),
            np.full(1, K.NEVER, np.int64),  # no mapping yet: no tick can free one
        )
        self.stats = np.zeros(K.N_STATS, np.int64)
        h = min(capacity, 1 << 16) if hosts is None else hosts
        if h < 1:
            raise ValueError(f"hosts must be >= 1, got {h}")
        self._pairs = (
            np.full(h, -1, np.int64),
            np.full(hashtable.slots_for(h), -1, np.int32),
            np.zeros(h, np.int32),
            np.append(np.arange(1, h, dtype=np.int32), -1),  # free list 0 -> 1 -> ...
            np.zeros(1, np.int64),
        )
        self._rebuild()

    # -- configuration (setup time, not a hot path) ---------------------------------

    def add_tenant(self, tenant: int, pool: list[int], quota: int | None = None,
                   filtering: str | None = None) -> None:  # fmt: skip
        """Give routing domain ``tenant`` a pool of public addresses, a port quota and its
        filtering (the config's if None); add tenants before traffic."""
        if not 0 <= tenant < self._tenant["used"].shape[0]:
            raise ValueError(f"tenant {tenant} outside 0..{self._tenant['used'].shape[0] - 1}")
        if not pool:
            raise ValueError(f"tenant {tenant}: a NAT pool needs at least one address")
        aidx = [self._address_index(a) for a in pool]
        self._tenant["pool_start"][tenant] = self.pool_aidx.shape[0]
        self._tenant["pool_len"][tenant] = len(aidx)
        self._tenant["quota"][tenant] = np.iinfo(np.int32).max if quota is None else quota
        adf = (filtering or self.config.filtering) == "address-dependent"
        if filtering not in (None, "endpoint-independent", "address-dependent"):
            raise ValueError(f"filtering: {filtering!r} is not one of 'endpoint-independent', "
                             "'address-dependent'")  # fmt: skip
        self._tenant["adf"][tenant] = int(adf)
        if adf and not self._cfg[0]:  # the first tenant that filters: remember remotes
            if self.stats[K.ST_CREATED]:
                raise RuntimeError("add tenants before the first packet")
            self._cfg = (1, *self._cfg[1:])
            remote = np.zeros((self.capacity, ADF_REMOTES), np.uint32)
            self._sessions = (*self._sessions[:4], remote, *self._sessions[5:])
        self.pool_aidx = np.append(self.pool_aidx, np.array(aidx, np.int32))
        self._rebuild()

    def add_static(
        self, tenant: int, proto: int, inside: tuple[int, int], public: tuple[int, int]
    ) -> None:
        """Publish (inside address, port) at (public address, port) for ``proto`` (6/17/1).

        Static mappings never expire and accept any remote; add them before traffic.
        """
        if self.stats[K.ST_CREATED]:
            raise RuntimeError("add static mappings before the first packet")
        protos = PCODE_PROTO.tolist()
        if proto not in protos:
            raise ValueError(f"proto must be one of {protos}, got {proto}")
        pc = protos.index(proto)
        if not K.PORT_FIRST <= public[1] <= 65535:
            raise ValueError(f"public port must be {K.PORT_FIRST}..65535, got {public[1]}")
        a = self._address_index(public[0])
        if not K._add_static(self.state, tenant, pc, inside[0], inside[1], a, public[1]):
            raise ValueError(f"public port {public[0]:#x}:{public[1]}/{proto} is already taken")

    def _address_index(self, address: int) -> int:
        known = int(self.addr.find(np.array([address]))[0])
        if known >= 0:
            return known
        a = int(self.addr.upsert(np.array([address]))[0])
        ports = np.arange(K.PORT_FIRST, 65536, dtype=np.uint16)
        new_port = np.stack([self._rng.permutation(ports) for _ in range(N_PCODES)])
        port, avail, head, count = self.rings
        self.rings = (
            np.concatenate([port, new_port]),
            np.concatenate([avail, np.zeros((N_PCODES, K.RING), np.uint32)]),
            np.concatenate([head, np.zeros(N_PCODES, np.int64)]),
            np.concatenate([count, np.full(N_PCODES, K.RING, np.int64)]),
        )
        self._rebuild()
        return a

    def _rebuild(self) -> None:
        t = self._tenant
        self.state = (
            *self._sessions,
            t["used"],
            t["quota"],
            t["pool_start"],
            t["pool_len"],
            self.pool_aidx,
            self.addr.slots,
            self.addr.keys,
            *self.rings,
            self.stats,
            *self._pairs,
            t["adf"],
        )
        assert len(self.state) == K.N_STATE  # the layout the kernels index by position

    # -- the fast path ---------------------------------------------------------------

    def outbound(
        self,
        batch: PacketBatch,
        counts: np.ndarray,
        session: np.ndarray | None = None,
        opened: np.ndarray | None = None,
        rows: np.ndarray | None = None,
    ) -> None:
        """Translate every OK frame of ``batch`` (of ``rows`` only, if given, in that order)
        from inside to outside, in place, each at its ``time``; ``rd`` names its tenant (a
        hairpinned packet comes out with the receiving one). ``session`` (int64) and
        ``opened`` (bool), of ``batch.n`` entries, if given, get the mapping each packet
        used (-1: none) and whether it opened it."""
        self.both(batch, counts, _OUT, session, opened, rows)

    def both(
        self,
        batch: PacketBatch,
        counts: np.ndarray,
        inward: np.ndarray,
        session: np.ndarray | None = None,
        opened: np.ndarray | None = None,
        rows: np.ndarray | None = None,
    ) -> None:
        """:meth:`outbound` and :meth:`inbound` at once, in row order: ``inward[j]`` says
        whether the ``j``-th row came from outside (one entry: all alike)."""
        n, r = batch.n, selected(rows, batch.n)
        if session is None or opened is None:
            session, opened = _NO_SESSIONS, _NO_OPENED
        elif session.shape[0] < n or opened.shape[0] < n:
            raise ValueError(f"session and opened need {n} entries")
        if inward.shape[0] not in (1, r.shape[0]):
            raise ValueError(f"inward needs 1 or {r.shape[0]} entries")
        K._run(batch.buf, batch.offset, batch.length, batch.rd, batch.time, batch.verdict[:n],
               r, np.ascontiguousarray(inward, np.bool_), counts, self.state, self._cfg,
               session, opened)  # fmt: skip

    def unopen(self, sessions: np.ndarray) -> int:
        """Undo mappings whose opening packet, as it turned out, never reached the NAT.

        A gateway applies the NAT as packets arrive and learns only afterwards which of them
        its full queue dropped; a real one drops those before the NAT sees them. Their
        mappings are freed with their ports usable at once (no hold-down: the port was never
        seen outside) and leave the count of mappings created. Static mappings and slots
        already free are left alone. Returns how many were undone.
        """
        return int(K._unopen(self.state, np.ascontiguousarray(sessions, dtype=np.int64)))

    def inbound(
        self, batch: PacketBatch, counts: np.ndarray, rows: np.ndarray | None = None
    ) -> None:
        """Translate every OK frame of ``batch`` (of ``rows`` only, if given, in that order)
        from outside to inside; sets ``rd``."""
        self.both(batch, counts, _IN, rows=rows)

    def expire(self, now_ns: int) -> int:
        """Free every mapping idle past its timeout at ``now_ns``; returns how many."""
        return int(K._expire(self.state, self._cfg, np.int64(now_ns)))

    # -- inspection --------------------------------------------------------------------

    @property
    def nbytes(self) -> int:
        arrays = [a for a in self.state if isinstance(a, np.ndarray)]
        return sum(a.nbytes for a in arrays)

    def active(self) -> int:
        """Mappings in use, static ones included."""
        return int(np.count_nonzero(self._sessions[3]))

    def mapping_array(self) -> np.ndarray:
        """Every live mapping as a row (tenant, proto, in_addr, in_port, pub_addr, pub_port)."""
        in_key, out_key, state = self._sessions[0], self._sessions[1], self._sessions[3]
        live = np.flatnonzero(state)
        ik, ok = in_key[live], out_key[live]
        cols = (ik >> 50, PCODE_PROTO[(ik >> 48) & 3], (ik >> 16) & 0xFFFFFFFF, ik & 0xFFFF,
                (ok >> 16) & 0xFFFFFFFF, ok & 0xFFFF)  # fmt: skip
        return np.stack(cols, axis=1) if live.size else np.zeros((0, 6), np.int64)

    def mappings(self) -> list[tuple[int, ...]]:
        """Every live mapping as (tenant, proto, in_addr, in_port, pub_addr, pub_port)."""
        return [tuple(int(x) for x in row) for row in self.mapping_array()]

    def filtering_of(self, tenant: int) -> str:
        """The filtering tenant ``tenant``'s mappings get (RFC 4787 REQ-8)."""
        adf = self._tenant["adf"][tenant]
        return "address-dependent" if adf else "endpoint-independent"

    def addresses(self) -> list[int]:
        """The public addresses, in the order they were added."""
        return self.addr.keys[: len(self.addr)].tolist()

    def ports_in_use(self, address: int) -> int:
        """Ports of ``address`` held by live mappings, all protocols together."""
        a = int(self.addr.find(np.array([address]))[0])
        if a < 0:
            raise KeyError(f"{address:#x} is not a public address of this NAT")
        return int(N_PCODES * K.RING - self.rings[3][a * N_PCODES : (a + 1) * N_PCODES].sum())
