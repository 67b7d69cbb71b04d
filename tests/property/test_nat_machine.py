"""A state machine drives the NAT and checks it against a plain-dict model.

Three tenants use the very same inside addresses; a fourth has a public address of
its own that one rule exhausts. The model knows only what the RFCs promise (mappings,
timeouts, hold-down), not how ports are chosen, so it checks behaviour, not bytes.
"""

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
)

from nvbench.fastpath.nat import RING
from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.verdict import Verdict as V
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames
from tests.helpers import batch_of
from tests.oracle.frames import build_frame, echo_reply

S = 1_000_000_000
PUB = 0xC6336401
POOLS = {0: [PUB], 1: [PUB, PUB + 1], 2: [PUB + 2], 3: [PUB + 3]}
QUOTA = {0: None, 1: None, 2: 3, 3: None}
HOSTS = [0x0A000104, 0x0A000105]
TIMEOUT = {17: 300 * S, 1: 60 * S}
HOLD = 120 * S


class NatMachine(RuleBasedStateMachine):
    flows = Bundle("flows")

    def __init__(self):
        super().__init__()
        self.nat = NatTable(RING + 100, NatConfig(), max_tenants=4, seed=5)
        for t, pool in POOLS.items():
            self.nat.add_tenant(t, pool, QUOTA[t])
        self.now = S
        self.live = {}  # (tenant, proto, host, port) -> [pub, pport, last]
        self.death = {}  # (proto, pub, pport) -> when its last owner's mapping died
        self.flooded_at = None  # when tenant 3 took every port of its address

    # -- model helpers -------------------------------------------------------------
    def _dead(self, key):
        return self.now - self.live[key][2] > TIMEOUT[key[1]]

    def _bury(self, key):
        pub, pport, last = self.live.pop(key)
        self.death[(key[1], pub, pport)] = last + TIMEOUT[key[1]]

    def _send(self, frame, rd, inbound):
        b = batch_of([frame], rd=[rd], time=[self.now])
        c = new_counts()
        (self.nat.inbound if inbound else self.nat.outbound)(b, c)
        assert c.sum() == 1
        return int(b.verdict[0]), b

    # -- rules -----------------------------------------------------------------------
    @rule(
        target=flows,
        t=st.integers(0, 2),
        host=st.sampled_from(HOSTS),
        port=st.integers(1024, 1027),
        proto=st.sampled_from([17, 1]),
        remote=st.sampled_from([0x08080808, 0x01010101]),
    )
    def open_flow(self, t, host, port, proto, remote):
        key = (t, proto, host, port)
        # An outbound packet first runs the idle timer's ticks up to its time: the clock
        # moves in whole seconds, so every mapping dead by now is freed (its pairing too).
        for k in [k for k in self.live if self._dead(k)]:
            self._bury(k)
        count = sum(1 for k in self.live if k[0] == t)
        v, b = self._send(build_frame(1, 2, host, remote, proto, port, 53, 80, 0, 1), t, False)
        if v == V.NAT_QUOTA_EXCEEDED:
            assert key not in self.live and count == QUOTA[t]
            return multiple()  # no flow to reply to
        assert v == V.OK
        out = b.frame(0)
        pub = int.from_bytes(out[26:30], "big")
        pport = int.from_bytes(out[38:40] if proto == 1 else out[34:36], "big")
        if key in self.live:  # endpoint-independent and stable while alive
            assert self.live[key][:2] == [pub, pport]
        else:
            assert pub in POOLS[t]
            assert all((k[1], v_[0], v_[1]) != (proto, pub, pport) for k, v_ in self.live.items())
            died = self.death.get((proto, pub, pport))
            assert died is None or self.now - died >= HOLD  # RFC 6888 REQ-8
            paired = {v_[0] for k, v_ in self.live.items() if k[0] == t and k[2] == host}
            assert paired <= {pub}  # RFC 4787 REQ-2: one public address per host
        self.live[key] = [pub, pport, self.now]
        return (key, remote)

    @rule(flow=flows)
    def reply(self, flow):
        key, remote = flow
        t, proto, host, port = key
        if key not in self.live:
            return
        pub, pport, _ = self.live[key]
        if proto == 1:
            frame = echo_reply(build_frame(3, 4, remote, pub, 1, pport, pport, 80, 0, 1))
        else:
            frame = build_frame(3, 4, remote, pub, 17, 53, pport, 80, 0, 1)
        v, b = self._send(frame, -1, True)
        if self._dead(key):
            assert v == V.NAT_NO_SESSION
            self._bury(key)
            return
        assert v == V.OK and b.rd[0] == t
        back = b.frame(0)
        assert int.from_bytes(back[30:34], "big") == host
        assert int.from_bytes(back[38:40] if proto == 1 else back[36:38], "big") == port
        self.live[key][2] = self.now  # inbound traffic refreshes (RFC 4787 REQ-6)

    @rule(seconds=st.sampled_from([1, 30, 59, 61, 121, 299, 301]))
    def advance_clock(self, seconds):
        self.now += seconds * S

    @rule()
    def sweep(self):
        self.nat.expire(self.now)
        for key in [k for k in self.live if self._dead(k)]:
            self._bury(key)
        rows = self.nat.mapping_array()
        got = {tuple(int(x) for x in r[:4]) for r in rows[rows[:, 0] != 3]}
        assert got == set(self.live)  # the sweep frees exactly the dead mappings
        if self.flooded_at is not None:
            alive = self.now - self.flooded_at <= TIMEOUT[17]
            assert int((rows[:, 0] == 3).sum()) == (RING if alive else 0)

    @rule(data=st.binary(max_size=120), inbound=st.booleans())
    def malformed(self, data, inbound):
        # The idle timer ticks whatever comes (an outbound packet runs its ticks up to its
        # time first): after those, a malformed packet changes nothing.
        self.nat.expire(self.now)
        before = [a.copy() for a in self.nat.state[:4]]  # keys, timers, states
        v, _ = self._send(data, 0, inbound)
        assert v != V.OK
        assert all((a == b).all() for a, b in zip(self.nat.state[:4], before, strict=True))

    @precondition(lambda self: self.flooded_at is None)
    @rule()
    def exhaust_the_pool(self):
        """Tenant 3 opens one flow more than its only address has ports."""
        self.flooded_at = self.now
        n = RING + 1
        b = PacketBatch(n, max_frame=128)
        build_frames(
            b,
            n,
            src_ip=0x0A000200 + np.arange(n) // 60000,
            dst_ip=0x08080808,
            sport=1024 + np.arange(n) % 60000,
        )
        b.rd[:n], b.time[:n] = 3, self.now
        c = new_counts()
        self.nat.outbound(b, c)
        assert c[V.OK] == RING and c[V.NAT_PORTS_EXHAUSTED] == 1
        assert b.verdict[n - 1] == V.NAT_PORTS_EXHAUSTED

    # -- invariants --------------------------------------------------------------------
    @invariant()
    def bijection_and_no_eviction(self):
        live = np.flatnonzero(self.nat.state[3])
        inside_keys, outside_keys = self.nat.state[0][live], self.nat.state[1][live]
        assert len(np.unique(inside_keys)) == live.size  # one mapping per inside endpoint
        assert len(np.unique(outside_keys)) == live.size  # no public port shared
        rows = self.nat.mapping_array()
        small = rows[rows[:, 0] != 3]
        inside = {tuple(int(x) for x in r[:4]): (int(r[4]), int(r[5])) for r in small}
        for key, (pub, pport, _) in self.live.items():
            if not self._dead(key):  # a live mapping is never evicted nor moved
                assert inside.get(key) == (pub, pport)

    @invariant()
    def quotas_hold(self):
        tenants = self.nat.mapping_array()[:, 0]
        for t, q in QUOTA.items():
            if q is not None:
                assert int((tenants == t).sum()) <= q


TestNat = NatMachine.TestCase
# One rule floods 64,512 ports: keep the runs short (the profile's example count stays).
TestNat.settings = settings(
    TestNat.settings,
    stateful_step_count=25,
    max_examples=max(10, TestNat.settings.max_examples // 2),
)
