"""The NAT kernels against their twin, byte for byte, on generated traffic.

Several tenants use the very same inside addresses and ports; pools may share public
addresses; quotas, state limits and timers are all in play.
"""

from collections import Counter
from ipaddress import IPv4Address

from hypothesis import event, given
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.verdict import Verdict, new_counts
from tests.helpers import assert_checksums_valid, batch_of
from tests.oracle.checksum import checksum as checksum_of
from tests.oracle.frames import build_frame, echo_reply
from tests.oracle.nat import NatModel

PUB = 0xC6336401
HOSTS = [0x0A000104, 0x0A000105]
REMOTES = [0x08080808, 0x01010101, 0x09090909, PUB, PUB + 1]  # public ones: hairpinning
S = 1_000_000_000

OUT = st.tuples(
    st.just("out"),
    st.integers(0, 2),
    st.sampled_from(HOSTS),
    st.sampled_from([1024, 5000]),
    st.sampled_from([17, 6, 1]),
    st.sampled_from(REMOTES),
    st.sampled_from([53, 5000, 1024]),
    st.sampled_from([0x02, 0x12, 0x10, 0x11, 0x04]),
)
IN = st.tuples(
    st.just("in"),
    st.integers(0, 30),
    st.sampled_from(REMOTES[:3]),
    st.sampled_from([0x12, 0x10, 0x11, 0x04, 0x02]),
    st.sampled_from([False] * 4 + [True]),
)


def icmp_errors(tag: str):
    """ICMP errors (RFC 5508): type (5, a redirect, is no error the NAT translates), bytes
    quoted after the IP header, and a flag: for "err" (a router's error about a packet sent
    out), addressed elsewhere than the packet's public source; for "oerr" (an inside host's
    error about a packet it was sent), sent by an inside router instead."""
    return st.tuples(
        st.just(tag),
        st.integers(0, 30),
        st.sampled_from([3, 11, 12, 5]),
        st.sampled_from([0, 4, 8, 20, 40]),
        st.sampled_from([False] * 4 + [True]),
    )


ERR, OERR = icmp_errors("err"), icmp_errors("oerr")
WAIT = st.tuples(st.just("wait"), st.sampled_from([1, 59, 61, 119, 121, 241, 301, 7441]))
EXPIRE = st.tuples(st.just("expire"))
# A connection attempt from outside to one of the public addresses, at any port: mostly
# unsolicited (held, with hold_syn), sometimes a live mapping's or the published 8080.
SYN_IN = st.tuples(
    st.just("syn"),
    st.sampled_from(REMOTES[:3]),
    st.sampled_from([PUB, PUB + 1, PUB + 2]),
    st.sampled_from([1024, 5000, 8080, 40000]),
)
EVENTS = st.lists(
    st.one_of(OUT, OUT, IN, IN, ERR, OERR, WAIT, EXPIRE, SYN_IN), min_size=5, max_size=40
)


@st.composite
def setups(draw):
    pools = [
        draw(
            st.lists(st.sampled_from([PUB, PUB + 1, PUB + 2]), min_size=1, max_size=2, unique=True)
        )
        for _ in range(3)
    ]
    return {
        "capacity": draw(st.integers(2, 12)),
        "filtering": draw(st.sampled_from(["endpoint-independent", "address-dependent"])),
        "pools": pools,
        "quota": draw(st.one_of(st.none(), st.integers(1, 4))),
        # each tenant's own filtering, or the NAT's (None)
        "tenant_filtering": [
            draw(st.sampled_from([None, "endpoint-independent", "address-dependent"]))
            for _ in range(3)
        ],
        "static": draw(st.booleans()),
        "hold_syn": draw(st.booleans()),
    }


def build(setup):
    cfg = NatConfig(filtering=setup["filtering"], hold_syn=setup.get("hold_syn", False))
    nat = NatTable(setup["capacity"], cfg, max_tenants=4, seed=11)
    own = setup.get("tenant_filtering", [None] * len(setup["pools"]))
    for t, pool in enumerate(setup["pools"]):
        nat.add_tenant(t, pool, setup["quota"], own[t])
    model = NatModel(setup["capacity"], cfg, nat.rings)
    for t, pool in enumerate(setup["pools"]):
        model.add_tenant(t, pool, setup["quota"], own[t])
    if setup["static"]:
        for target in (nat, model):
            target.add_static(1, 6, (HOSTS[0], 80), (setup["pools"][1][0], 8080))
    return nat, model


def run_one(nat, model, frame, rd, now, inbound):
    b = batch_of([frame], rd=[rd], time=[now])
    counts = new_counts()
    if inbound:
        nat.inbound(b, counts)
        v, want, t = model.inbound(frame, now)
    else:
        nat.outbound(b, counts)
        v, want, t = model.outbound(frame, rd, now)
    assert b.verdict[0] == v and counts[v] == 1
    event(("in " if inbound else "out ") + Verdict(v).name)
    assert b.frame(0) == want
    if v == 0:
        assert b.rd[0] == t
    return v, b.frame(0)


def check_invariants(nat, setup):
    maps = nat.mappings()
    inside = Counter((m[0], m[1], m[2], m[3]) for m in maps)
    outside = Counter((m[1], m[4], m[5]) for m in maps)
    assert max(inside.values(), default=1) == 1  # one mapping per inside endpoint
    assert max(outside.values(), default=1) == 1  # no public port shared (bijection)
    assert len(maps) <= setup["capacity"]
    if setup["quota"] is not None:  # static mappings do not count against the quota
        dynamic = Counter(m[0] for m in maps if not (m[1] == 6 and m[5] == 8080))
        assert max(dynamic.values(), default=0) <= setup["quota"]
    for t, _, _, _, pub, port in maps:
        assert 1024 <= port <= 65535
        assert pub in setup["pools"][t]


def icmp_error(sent: bytes, kind: int, quote: int, to: int) -> bytes:
    """A router's ICMP error to ``to`` quoting the IP header and ``quote`` more bytes of
    ``sent`` (an Ethernet frame the NAT sent out), built by scapy."""
    ip_end = 14 + (sent[14] & 0xF) * 4
    quoted = sent[14 : ip_end + quote]
    err = IP(src="192.0.2.254", dst=str(IPv4Address(to))) / ICMP(type=kind, code=1)
    return bytes(Ether() / err / Raw(quoted))


def check_translated_error(back: bytes, sent: bytes) -> None:
    """scapy's view: valid outer checksums, the quoted header's checksum valid and its
    source the inside host's (the one the outer destination is now)."""
    assert_checksums_valid(back)
    outer = Ether(back)[IP]
    q = bytes(outer[ICMP].payload)
    ihl = (q[0] & 0xF) * 4
    assert q[12:16] == bytes(outer)[16:20]  # the quoted source is the new destination
    assert checksum_of(q[:ihl]) == 0  # the quoted IP header checksums to zero
    assert q[16:20] == sent[30:34]  # the remote it went to is kept


def host_error(got: bytes, kind: int, quote: int, router: bool) -> bytes:
    """The inside host's ICMP error (or an inside router's) about ``got``, a frame the NAT
    delivered to it, quoting its IP header and ``quote`` more bytes, built by scapy."""
    ip_end = 14 + (got[14] & 0xF) * 4
    quoted = got[14 : ip_end + quote]
    src = "10.0.1.254" if router else str(IPv4Address(got[30:34]))
    err = IP(src=src, dst=str(IPv4Address(got[26:30]))) / ICMP(type=kind, code=3)
    return bytes(Ether() / err / Raw(quoted))


def check_translated_host_error(out: bytes, came_in: bytes) -> None:
    """scapy's view: valid checksums; the error's source and the quoted destination are
    the public address the remote sent to, the quoted port its public port."""
    assert_checksums_valid(out)
    outer = Ether(out)[IP]
    q = bytes(outer[ICMP].payload)
    ihl = (q[0] & 0xF) * 4
    assert bytes(outer)[12:16] == came_in[30:34] == q[16:20]  # public, as the remote knows
    assert checksum_of(q[:ihl]) == 0
    assert q[12:16] == came_in[26:30]  # the remote
    at = ihl + (4 if q[9] == 1 else 2)  # the echo identifier, or the destination port
    want = 34 + (4 if came_in[23] == 1 else 2)
    assert q[at : at + 2] == came_in[want : want + 2]


@given(setups(), EVENTS)
def test_nat_matches_twin(setup, events):
    nat, model = build(setup)
    now, sent, received = S, [], []
    for ev in events:
        if ev[0] == "out":
            _, t, host, sport, proto, remote, dport, flags = ev
            frame = build_frame(1, 2, host, remote, proto, sport, dport, 80, flags, len(sent))
            hairpins = int(nat.stats[2])
            v, out = run_one(nat, model, frame, t, now, inbound=False)
            if nat.stats[2] > hairpins:
                event("hairpinned")
            if v == 0:
                assert_checksums_valid(out)
                sent.append(out)
        elif ev[0] == "in" and sent:
            _, k, remote, flags, wrong_port = ev
            o = sent[k % len(sent)]
            proto = o[23]
            pub = int.from_bytes(o[26:30], "big")
            port = int.from_bytes(
                o[34 + (4 if proto == 1 else 0) : 36 + (4 if proto == 1 else 0)], "big"
            )
            port = port ^ 1 if wrong_port else port
            if proto == 1:  # an echo reply to the translated identifier
                frame = echo_reply(build_frame(3, 4, remote, pub, 1, port, port, 80, 0, 7))
            else:
                frame = build_frame(3, 4, remote, pub, proto, 53, port, 80, flags, 7)
            v, got = run_one(nat, model, frame, -1, now, inbound=True)
            if v == 0:
                received.append((frame, got, int(model.slots[model.outside[
                    ({17: 0, 6: 1, 1: 2}[proto], pub, port)]].tenant)))  # fmt: skip
        elif ev[0] == "syn":
            _, remote, pub, port = ev
            frame = build_frame(3, 4, remote, pub, 6, 443, port, 80, 0x02, 7)
            run_one(nat, model, frame, -1, now, inbound=True)
        elif ev[0] == "err" and sent:
            _, k, kind, quote, elsewhere = ev
            o = sent[k % len(sent)]
            to = int.from_bytes(o[26:30], "big") ^ (1 if elsewhere else 0)
            frame = icmp_error(o, kind, quote, to)
            v, back = run_one(nat, model, frame, -1, now, inbound=True)
            event(f"ICMP error {kind}: {Verdict(v).name}")
            if v == 0:
                check_translated_error(back, o)
        elif ev[0] == "oerr" and received:
            _, k, kind, quote, router = ev
            came_in, got, t = received[k % len(received)]
            v, out = run_one(nat, model, host_error(got, kind, quote, router), t, now, False)
            event(f"host ICMP error {kind}: {Verdict(v).name}")
            if v == 0:
                check_translated_host_error(out, came_in)
        elif ev[0] == "wait":
            now += ev[1] * S
        elif ev[0] == "expire":
            freed = nat.expire(now)
            assert freed == model.expire(now)
            event("expired some" if freed else "expired none")
        assert set(nat.mappings()) == model.mappings()
        check_invariants(nat, setup)
    assert nat.stats.tolist() == [model.created, model.expired_count, model.hairpinned]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from(HOSTS),
            st.integers(1024, 1030),
            st.sampled_from([17, 6, 1]),
            st.sampled_from(REMOTES[:2]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_reply_restores_the_original_packet(flows):
    """A translated packet's reply, translated back, carries the original endpoints."""
    nat, _ = build(
        {
            "capacity": 64,
            "filtering": "address-dependent",
            "quota": None,
            "pools": [[PUB], [PUB], [PUB + 1]],
            "static": False,
        }
    )
    for t, host, sport, proto, remote in flows:
        frame = build_frame(1, 2, host, remote, proto, sport, 53, 80, 0x02, 1)
        b = batch_of([frame], rd=[t], time=[S])
        nat.outbound(b, new_counts())
        o = b.frame(0)
        pub = int.from_bytes(o[26:30], "big")
        at = 38 if proto == 1 else 34
        port = int.from_bytes(o[at : at + 2], "big")
        if proto == 1:
            reply = echo_reply(build_frame(3, 4, remote, pub, 1, port, port, 80, 0, 7))
        else:
            reply = build_frame(3, 4, remote, pub, proto, 53, port, 80, 0x12, 7)
        r = batch_of([reply], time=[2 * S])
        nat.inbound(r, new_counts())
        assert r.verdict[0] == 0 and r.rd[0] == t
        back = r.frame(0)
        assert int.from_bytes(back[30:34], "big") == host
        to = 38 if proto == 1 else 36  # the reply's destination port (echo: identifier)
        assert int.from_bytes(back[to : to + 2], "big") == sport
        assert int.from_bytes(back[26:30], "big") == remote
        assert_checksums_valid(back)
    # Endpoint-independent: one mapping per (tenant, host, port, proto) whatever remote.
    assert len(nat.mappings()) == len({(t, h, p, pr) for t, h, p, pr, _ in flows})
