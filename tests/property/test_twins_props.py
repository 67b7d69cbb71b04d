"""The kernels the simulator runs every quantum, each equal to its slow twin in
``tests/oracle``: ECMP, the 1:1 NAT, the scans and copies, the latency sketch and the hash
index."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import GRE, IP, TCP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from nvbench.fastpath import hashtable, scan, sketch, vlan
from nvbench.fastpath.ecmp import choose
from nvbench.fastpath.gather import copy_back_heads, copy_packets, heads_batch
from nvbench.fastpath.nat1to1 import StaticNat
from nvbench.fastpath.tunnels import TunnelRoutes
from nvbench.fastpath.verdict import BUFFER_FULL, Verdict, new_counts
from tests.helpers import assert_checksums_valid, batch_of
from tests.oracle import ecmp as ecmp_twin
from tests.oracle import hashtable as hashtable_twin
from tests.oracle import nat1to1 as nat1to1_twin
from tests.oracle import scan as scan_twin
from tests.oracle import sketch as sketch_twin
from tests.oracle import tunnels as tunnels_twin
from tests.oracle import vlan as vlan_twin
from tests.property.test_nat_span_props import frames

ADDRS = (0x0A000104, 0x0A000105, 0xC0A8000A, 0xC0A8000B, 0x08080808)


@st.composite
def provider_frames(draw):
    """Outer frames on the provider network: NVGRE (GRE with a key) or plain, tagged or
    not, some cut short."""
    src, dst = draw(st.sampled_from(ADDRS)), draw(st.sampled_from(ADDRS))
    ip = IP(src=str(IPv4Address(src)), dst=str(IPv4Address(dst)))
    inner = GRE(key_present=1, key=draw(st.integers(0, 2**32 - 1)), proto=0x6558) / Ether()
    l4 = inner if draw(st.booleans()) else UDP(sport=draw(st.integers(1, 65535)))
    eth = Ether() / Dot1Q(vlan=3) if draw(st.booleans()) else Ether()
    frame = bytes(eth / ip / l4)
    return frame[: draw(st.integers(0, len(frame)))] if draw(st.integers(0, 5)) == 0 else frame


@given(st.lists(provider_frames(), min_size=1, max_size=12),
       st.dictionaries(st.sampled_from(ADDRS), st.lists(st.integers(0, 5), min_size=1,
                       max_size=4), max_size=4),
       st.one_of(st.none(), st.lists(st.integers(0, 5), min_size=1, max_size=3)))  # fmt: skip
def test_ecmp_equals_twin(fs, routes, default):
    b = batch_of(fs)
    dsts = sorted(routes)
    groups = [routes[d] for d in dsts] + ([default] if default else [])
    first = np.cumsum([0] + [len(g) for g in groups])[:-1].astype(np.int64)
    members = np.array([p for g in groups for p in g], np.int64)
    port = np.empty(b.n, np.int64)
    choose(b.buf, b.offset, b.length, b.verdict[: b.n], new_counts(), np.array(dsts, np.int64),
           first, np.array([len(g) for g in groups], np.int64),
           len(dsts) if default else -1, members, port)  # fmt: skip
    assert port.tolist() == [ecmp_twin.choose(f, routes, default) for f in fs]


PUBLIC = (0xC6336401, 0xC6336402)


@pytest.mark.robustness
@given(st.lists(frames(), min_size=1, max_size=10), st.lists(st.integers(0, 1), min_size=10,
       max_size=10), st.booleans())  # fmt: skip
def test_one_to_one_nat_equals_twin(fs, domains, inbound):
    fs = [f[:1514] for f in fs]
    rd = domains[: len(fs)]
    nat, twin = StaticNat(4), nat1to1_twin.OneToOne()
    for k, (inside, public) in enumerate(zip((0x0A000104, 0x0A000105), PUBLIC, strict=True)):
        nat.add(k, inside, public)
        twin.add(k, inside, public)
    if inbound:  # to our public addresses, as the Internet sends
        fs = [_redirect(f) for f in fs]
    b = batch_of(fs, rd=rd)
    (nat.inbound if inbound else nat.outbound)(b, new_counts())
    for i, f in enumerate(fs):
        v, want, to = (twin.inbound if inbound else twin.outbound)(f, rd[i])
        assert (b.verdict[i], b.frame(i), b.rd[i]) == (v, want, to)
        if v == 0 and IP in Ether(want) and not Ether(want)[IP].flags.MF:
            assert_checksums_valid(want)


def _redirect(frame: bytes) -> bytes:
    """The frame sent to the first public address instead (checksums rebuilt by scapy)."""
    if len(frame) < 34 or IP not in Ether(frame):
        return frame
    pkt = Ether(frame)
    pkt[IP].dst = "198.51.100.1"
    del pkt[IP].chksum
    for layer in (UDP, TCP):
        if layer in pkt:
            del pkt[layer].chksum
    return bytes(pkt)


@st.composite
def columns(draw):
    n = draw(st.integers(0, 20))
    time = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    verdict = draw(st.lists(st.sampled_from([0, 0, 0, 5, BUFFER_FULL]), min_size=n, max_size=n))
    length = draw(st.lists(st.integers(60, 1514), min_size=n, max_size=n))
    return (np.array(time, np.int64), np.array(verdict, np.uint8), np.array(length, np.int32))


@given(columns(), st.integers(0, 1000), st.integers(60, 1600))
def test_scans_equal_twins(cols, t, table_len):
    time, verdict, length = cols
    n = time.shape[0]
    assert scan.first_due(time, verdict, n, t) == scan_twin.first_due(time, verdict, n, t)
    assert tuple(scan.split_point(time, verdict, n, t)) == scan_twin.split_point(
        time, verdict, n, t
    )
    assert scan.count_ok(verdict, n) == len(scan_twin.live(verdict, n))
    rows = np.empty(n, np.int64)
    assert rows[: scan.live_rows(verdict, n, rows)].tolist() == scan_twin.live(verdict, n)
    assert tuple(scan.live_totals(verdict, length, n)) == scan_twin.live_totals(verdict, length, n)
    table = np.arange(table_len, dtype=np.int64) * 3 + 1
    a, size, s = (np.empty(n, np.int64) for _ in range(3))
    k = scan.gather_live(verdict, time, length, n, table, rows, a, size, s)
    want = scan_twin.gather_live(verdict, time, length, n, table)
    if want is None:
        assert k == -1
    else:
        assert (rows[:k].tolist(), a[:k].tolist(), size[:k].tolist(), s[:k].tolist()) == want


@given(columns(), st.integers(0, 5000), st.data())
def test_write_departures_equals_twin(cols, delay, data):
    time, verdict, _ = cols
    n = time.shape[0]
    rows = np.array(scan_twin.live(verdict, n), np.int64)
    a = time[rows]
    d = np.array([data.draw(st.sampled_from([-1, int(x) + data.draw(st.integers(0, 500))]))
                  for x in a], np.int64)  # fmt: skip
    want = scan_twin.write_departures(time.tolist(), verdict.tolist(), rows.tolist(),
                                      a.tolist(), d.tolist(), delay, BUFFER_FULL)  # fmt: skip
    hist, stats = np.zeros(sketch.N_BUCKETS, np.int64), np.zeros(3, np.int64)
    drops = scan.write_departures(time, verdict, rows, a, d, delay, BUFFER_FULL, hist, stats)
    assert (time.tolist(), verdict.tolist(), drops) == (want[0], want[1], want[3])
    assert stats[0] == len(want[2]) and stats[1] == sum(want[2])
    assert hist.tolist() == np.bincount([sketch_twin.bucket(v) for v in want[2]],
                                        minlength=sketch.N_BUCKETS).tolist()  # fmt: skip


@given(st.lists(frames(), min_size=1, max_size=8), st.data())
def test_ipv4_dst_equals_twin(fs, data):
    fs = [f[:1514] + bytes(max(0, 34 - len(f))) for f in fs]  # room for bytes 30..33
    verdict = data.draw(st.lists(st.sampled_from([0, 3]), min_size=len(fs), max_size=len(fs)))
    b = batch_of(fs, verdict=verdict)
    out = np.empty(b.n, np.int64)
    scan.ipv4_dst(b.buf, b.offset, b.verdict, b.n, out)
    assert out.tolist() == scan_twin.ipv4_dst(fs, verdict)


@pytest.mark.robustness
@given(st.lists(frames(), min_size=1, max_size=10), st.integers(14, 200), st.data())
def test_copies_equal_twin(fs, span, data):
    fs = [f[:1514] for f in fs]
    src = batch_of(fs, rd=list(range(len(fs))))
    idx = np.array(data.draw(st.permutations(range(len(fs)))), np.int64)
    heads = heads_batch(None, len(fs), int(src.offset[: src.n].max()), span)
    heads.buf[:] = 0xA5
    pos = np.arange(len(fs), dtype=np.int64)
    copy_packets(src, idx, heads, pos, span=span)
    heads.n = len(fs)
    want = scan_twin.copy_heads([fs[i] for i in idx], span)
    got = [bytes(heads.buf[p, heads.offset[p] : heads.offset[p] + min(heads.length[p], span)])
           for p in pos]  # fmt: skip
    assert got == want and heads.rd[: heads.n].tolist() == idx.tolist()
    heads.buf[pos, heads.offset[pos]] ^= 0xFF  # a header kernel changes the first byte
    heads.rd[pos] += 100
    copy_back_heads(heads, pos, src, idx, span)
    flipped = [bytes([f[0] ^ 0xFF]) + f[1:] if f else f for f in fs]
    assert src.frames() == flipped and src.rd[: src.n].tolist() == [i + 100 for i in range(len(fs))]


@given(st.lists(st.integers(-5, 2**40), min_size=1, max_size=300), st.floats(0, 1))
def test_sketch_equals_twin(values, q):
    s = sketch.LatencySketch()
    s.add(np.array(values, np.int64))
    clipped = [max(0, v) for v in values]
    assert [int(sketch.bucket(v)) for v in clipped[:50]] == [
        sketch_twin.bucket(v) for v in clipped[:50]
    ]
    assert s.count == len(values) and s.max == max(clipped) and s.stats[1] == sum(clipped)
    exact = sketch_twin.quantile(values, q)
    assert abs(s.quantile(q) - exact) <= sketch.RELATIVE_ERROR * exact + 0.5


@given(st.lists(st.tuples(st.sampled_from(["upsert", "find"]),
                          st.lists(st.integers(0, 2**62), max_size=8)), max_size=30),
       st.integers(1, 40))  # fmt: skip
def test_index_equals_twin(ops, capacity):
    index, twin = hashtable.Index(capacity), hashtable_twin.DictIndex(capacity)
    for op, keys in ops:
        if op == "find":
            assert index.find(np.array(keys, np.int64)).tolist() == twin.find(keys)
            continue
        want = twin.upsert(keys)
        if want is None:
            with pytest.raises(ValueError, match="index full"):
                index.upsert(np.array(keys, np.int64))
            return  # the index is left part-way, as documented: a full index is an error
        assert index.upsert(np.array(keys, np.int64)).tolist() == want


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=80))
def test_removal_keeps_every_other_key_findable(ops):
    """Insert and remove records (the NAT's use); every present key is found, no removed one."""
    keys = np.arange(31, dtype=np.int64) * 7919  # record r has key keys[r]
    slots = np.full(hashtable.slots_for(31), hashtable.EMPTY, np.int32)
    present: set[int] = set()
    for add, r in ops:
        if add and r not in present:
            hashtable.insert(slots, keys, r)
            present.add(r)
        elif not add and r in present:
            hashtable.remove(slots, keys, r)
            present.discard(r)
        found = {r for r in range(31) if hashtable.find(slots, keys, keys[r]) == r}
        assert found == present


@st.composite
def tunnel_routes(draw):
    """Sites' prefixes (one SA each) and client pools (an SA per address) of a few routing
    domains, overlapping at will."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        rd = draw(st.integers(0, 3))
        if draw(st.booleans()):
            plen = draw(st.integers(8, 32))
            net = draw(st.integers(0, 2**32 - 1)) >> (32 - plen) << (32 - plen) if plen else 0
            out.append((rd, net, net + (1 << (32 - plen)) - 1, [draw(st.integers(0, 99))], plen))
        else:
            first, n = draw(st.integers(0, 2**32 - 9)), draw(st.integers(1, 8))
            sas = draw(st.lists(st.integers(0, 99), min_size=n, max_size=n))
            out.append((rd, first, first + n - 1, sas, None))
    return out


PACKETS = st.tuples(st.integers(0, 4), st.integers(0, 2**32 - 1), st.integers(0, 40))


@given(tunnel_routes(), st.lists(PACKETS, min_size=1, max_size=10))
def test_tunnel_routes_equal_twin(routes, packets):
    table = TunnelRoutes(4)
    for rd, lo, _, sas, plen in routes:
        if plen is None:
            table.add_pool(rd, lo, np.array(sas))
        else:
            table.add_prefix(rd, IPv4Network((lo, plen)), sas[0])
    routes = [r[:4] for r in routes]
    ok_rd = [min(rd, 3) for rd, _, _ in packets]
    frames = [bytes(Ether() / IP(src="10.0.0.1", dst=str(IPv4Address(dst))) / UDP())[: 34 + cut]
              if cut < 30 else bytes(Ether() / IP(dst=str(IPv4Address(dst))))[:cut]
              for _, dst, cut in packets]  # fmt: skip
    b = batch_of(frames, rd=ok_rd)
    counts = new_counts()
    table.assign(b, counts)
    for i, (f, rd) in enumerate(zip(frames, ok_rd, strict=True)):
        want = tunnels_twin.choose(f, rd, routes)
        got = int(b.sa[i]) if b.verdict[i] == 0 else Verdict(int(b.verdict[i])).name
        assert got == want, (i, rd, f.hex())


@given(st.lists(st.tuples(st.binary(min_size=14, max_size=80), st.integers(0, 3)), min_size=1,
                max_size=8), st.lists(st.integers(0, 4094), min_size=4, max_size=4))  # fmt: skip
def test_vlan_push_and_pop_equal_twin_and_scapy(frames, vids):
    vid_of = np.array(vids, np.int64)
    b = batch_of([f for f, _ in frames], rd=[t for _, t in frames])
    vlan.push(b, vid_of, new_counts())
    for i, (f, t) in enumerate(frames):
        got = b.frame(i)
        assert got == vlan_twin.push(f, vids[t])
        if vids[t]:
            assert Ether(got)[Dot1Q].vlan == vids[t]  # scapy reads the tag
    vlan.pop(b, vid_of[::-1].copy(), new_counts())  # other VLANs expected: most are refused
    for i, (f, t) in enumerate(frames):
        want = vlan_twin.pop(vlan_twin.push(f, vids[t]), vids[::-1][t])
        got = b.frame(i) if b.verdict[i] == 0 else Verdict(int(b.verdict[i])).name
        assert got == want
