"""NAT44 behaviour, one requirement per test (FACTS.md NAT44 checklist)."""

from ipaddress import ip_address

import numpy as np
import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether

from nvbench.fastpath import nat as K
from nvbench.fastpath.nat import RING
from nvbench.fastpath.nat_config import NatConfig
from nvbench.fastpath.nat_table import NatTable
from nvbench.fastpath.verdict import Verdict as V
from nvbench.fastpath.verdict import new_counts
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames
from tests.helpers import assert_checksums_valid

VM = 0x0A000105  # 10.0.1.5 in every tenant
PUB = 0xC6336401  # 198.51.100.1
REMOTE = 0x08080808
S = 1_000_000_000


def packets(
    n=1, *, src=VM, dst=REMOTE, sport=5555, dport=53, proto=17, flags=0x10, rd=0, t=0, size=80
):
    b = PacketBatch(n, max_frame=128)
    build_frames(
        b,
        n,
        src_ip=src,
        dst_ip=dst,
        proto=proto,
        sport=sport,
        dport=dport,
        size=size,
        tcp_flags=flags,
    )
    b.rd[:n] = rd
    b.time[:n] = t
    return b


def nat(tenants=1, pool=(PUB,), **cfg):
    quota = cfg.pop("quota", None)
    capacity = cfg.pop("capacity", 1000)
    n = NatTable(capacity, NatConfig(**cfg), seed=3)
    for t in range(tenants):
        n.add_tenant(t, list(pool), quota)
    return n


def out(n, b):
    c = new_counts()
    n.outbound(b, c)
    return c


def inb(n, b):
    c = new_counts()
    n.inbound(b, c)
    return c


def src_of(b, i=0):
    p = Ether(b.frame(i))
    l4 = p[IP].payload
    return p[IP].src, (l4.id if ICMP in p else l4.sport)


def reply_to(b, i=0, *, flags=0x10, src=REMOTE, t=1):
    """The remote's answer to packet ``i`` of ``b`` (after translation)."""
    p = Ether(b.frame(i))
    if ICMP in p:
        echo = Ether() / IP(src=str(ip_address(src)), dst=p[IP].src) / ICMP(type=0, id=p[ICMP].id)
        r = PacketBatch(1, max_frame=128)
        r.load([bytes(echo)], time_ns=np.array([t]))
        return r
    dst = int(ip_address(p[IP].src))
    port = p[IP].payload.sport
    return packets(src=src, dst=dst, sport=53, dport=port, proto=p[IP].proto, flags=flags, t=t)


@pytest.mark.parametrize("proto", [17, 6, 1])
def test_outbound_translates_source_with_valid_checksums(proto):
    n = nat()
    b = packets(proto=proto, flags=0x02)
    assert out(n, b)[V.OK] == 1
    addr, port = src_of(b)
    assert addr == "198.51.100.1" and 1024 <= port <= 65535
    assert_checksums_valid(b.frame(0))
    assert n.mappings() == [(0, proto, VM, 5555, PUB, port)]


@pytest.mark.parametrize("proto", [17, 6, 1])
def test_reply_is_translated_back_to_the_vm(proto):
    n = nat(tenants=2)
    b = packets(proto=proto, flags=0x02)
    before = b.frame(0)
    out(n, b)
    r = reply_to(b, flags=0x12)
    r.rd[0] = -1
    assert inb(n, r)[V.OK] == 1
    p = Ether(r.frame(0))
    assert p[IP].dst == "10.0.1.5"
    assert (p[ICMP].id if proto == 1 else p[IP].payload.dport) == 5555
    assert r.rd[0] == 0
    assert_checksums_valid(r.frame(0))
    assert Ether(before)[IP].src == "10.0.1.5"


def test_endpoint_independent_mapping():  # RFC 4787 REQ-1, RFC 5382 REQ-1
    n = nat()
    b = packets(2, dst=np.array([REMOTE, 0x01010101]), dport=np.array([53, 443]))
    out(n, b)
    assert src_of(b, 0) == src_of(b, 1)
    assert len(n.mappings()) == 1


def test_no_port_overloading_and_paired_pooling():  # RFC 4787 REQ-2, REQ-3
    pool = [PUB + k for k in range(4)]
    n = nat(pool=pool)
    b = packets(200, src=VM + np.arange(200) // 10, sport=1000 + np.arange(200))
    out(n, b)
    pubs = [src_of(b, i) for i in range(200)]
    assert len(set(pubs)) == 200  # no two mappings share a public (address, port)
    for host in range(20):  # each inside address keeps one public address
        assert len({pubs[i][0] for i in range(host * 10, host * 10 + 10)}) == 1
    assert len({p[0] for p in pubs}) > 1  # and the pool is used
    assert all(1024 <= p[1] <= 65535 for p in pubs)


def test_tenants_with_identical_addresses_never_share_mappings():
    n = nat(tenants=3)
    b = packets(3, rd=np.arange(3))  # same VM address and port in three tenants
    out(n, b)
    assert len({src_of(b, i) for i in range(3)}) == 3
    m = n.mappings()
    assert sorted(x[0] for x in m) == [0, 1, 2]
    r = reply_to(b, 1)
    inb(n, r)
    assert r.rd[0] == 1  # the reply reaches the tenant that sent, not another


@pytest.mark.parametrize("filtering", ["endpoint-independent", "address-dependent"])
def test_filtering(filtering):  # RFC 4787 REQ-8
    n = nat(filtering=filtering)
    b = packets()
    out(n, b)
    stranger = reply_to(b, src=0x01020304)
    c = inb(n, stranger)
    if filtering == "endpoint-independent":
        assert c[V.OK] == 1
    else:
        assert c[V.NAT_FILTERED] == 1
        assert inb(n, reply_to(b))[V.OK] == 1  # the remote we sent to is let in


def test_unsolicited_inbound_has_no_session():
    n = nat()
    c = inb(n, packets(src=REMOTE, dst=PUB, dport=4000))
    assert c[V.NAT_NO_SESSION] == 1


def test_static_port_mapping_publishes_a_service():
    n = nat()
    n.add_static(0, 6, (VM, 80), (PUB, 8080))
    b = packets(src=0x01020304, dst=PUB, sport=33000, dport=8080, proto=6, flags=0x02)
    assert inb(n, b)[V.OK] == 1
    p = Ether(b.frame(0))
    assert p[IP].dst == "10.0.1.5" and p[TCP].dport == 80 and b.rd[0] == 0
    o = packets(src=VM, dst=0x01020304, sport=80, dport=33000, proto=6, flags=0x12)
    out(n, o)
    assert src_of(o) == ("198.51.100.1", 8080)
    assert n.expire(10**6 * S) == 0  # static mappings never expire
    with pytest.raises(ValueError, match="taken"):
        nat_two = nat()
        nat_two.add_static(0, 6, (VM, 80), (PUB, 8080))
        nat_two.add_static(0, 6, (VM, 81), (PUB, 8080))


def test_hairpinning_uses_the_external_source():  # RFC 4787 REQ-9, 9a
    n = nat(tenants=2, pool=(PUB,))
    server = packets(src=VM, sport=7000, rd=1)
    out(n, server)
    pub_addr, pub_port = src_of(server)
    client = packets(src=0x0A000109, dst=PUB, sport=6000, dport=pub_port, rd=0)
    c = out(n, client)
    assert c[V.OK] == 1
    p = Ether(client.frame(0))
    assert (p[IP].dst, p[UDP].dport) == ("10.0.1.5", 7000)  # reached the server inside
    assert p[IP].src == "198.51.100.1" and p[UDP].sport != 6000  # seen as external
    assert client.rd[0] == 1 and n.stats[2] == 1
    assert_checksums_valid(client.frame(0))


def test_quota_drops_without_evicting():  # RFC 6888 REQ-4, REQ-11
    n = nat(tenants=2, quota=5)
    b = packets(8, sport=1000 + np.arange(8))
    c = out(n, b)
    assert c[V.OK] == 5 and c[V.NAT_QUOTA_EXCEEDED] == 3
    assert b.verdict[:8].tolist() == [0] * 5 + [V.NAT_QUOTA_EXCEEDED] * 3
    again = packets(5, sport=1000 + np.arange(5))
    assert out(n, again)[V.OK] == 5  # the live mappings are still there
    assert out(n, packets(rd=1))[V.OK] == 1  # another tenant is not affected


def test_state_limit():  # RFC 6888 REQ-5
    n = nat(capacity=3)
    c = out(n, packets(4, sport=1000 + np.arange(4)))
    assert c[V.OK] == 3 and c[V.NAT_STATE_FULL] == 1


def test_pool_exhaustion_and_port_hold_down():  # 64,512 ports [S38]; RFC 6888 REQ-8
    n = nat(capacity=RING + 10)
    flows = RING + 1
    b = packets(flows, src=VM + np.arange(flows) // 60000, sport=1024 + np.arange(flows) % 60000)
    c = out(n, b)
    assert c[V.OK] == RING and c[V.NAT_PORTS_EXHAUSTED] == 1
    assert n.ports_in_use(PUB) == RING
    # Every UDP mapping idles out after 300 s; the ports then wait 120 s.
    freed = n.expire(301 * S)
    assert freed == RING
    late = packets(src=0x0A0000FF, t=301 * S + 119 * S)
    assert out(n, late)[V.NAT_PORTS_EXHAUSTED] == 1
    ok = packets(src=0x0A0000FF, t=301 * S + 121 * S)
    assert out(n, ok)[V.OK] == 1


def tracked(n, b):
    """outbound() asked for the mapping each packet used and whether it opened it."""
    session, opened = np.full(b.n, -7, np.int64), np.zeros(b.n, np.bool_)
    n.outbound(b, new_counts(), session, opened)
    return session, opened


def test_outbound_reports_the_mapping_each_packet_used():
    n = nat(quota=2)
    b = packets(5, sport=np.array([1000, 1001, 1000, 1002, 1001]))
    session, opened = tracked(n, b)
    assert opened.tolist() == [True, True, False, False, False]
    assert session[0] == session[2] and session[1] == session[4] and session[0] != session[1]
    assert session[3] == -1 and b.verdict[3] == V.NAT_QUOTA_EXCEEDED
    in_key = n._sessions[0]
    assert [int(in_key[s]) & 0xFFFF for s in session[[0, 1]]] == [1000, 1001]


def test_unopen_gives_back_quota_and_leaves_static_mappings():
    n = nat(quota=2)
    n.add_static(0, 17, (VM + 1, 80), (PUB, 8080))
    session, _ = tracked(n, packets(2, sport=np.array([1000, 1001])))
    created = int(n.stats[0])
    assert out(n, packets(sport=1002))[V.NAT_QUOTA_EXCEEDED] == 1
    assert n.unopen(session[:1]) == 1 and n.unopen(session[:1]) == 0  # once only
    assert int(n.stats[0]) == created - 1 and n.active() == 2  # one dynamic + the static
    assert out(n, packets(sport=1002))[V.OK] == 1  # the quota came back
    static = [s for s in range(n._sessions[3].shape[0]) if n._sessions[3][s] & 0x80]
    assert n.unopen(np.array(static)) == 0 and n.active() == 3


@pytest.mark.slow  # opens 64,512 mappings: slow with the kernels as plain Python
def test_an_unopened_port_is_free_at_once():  # no hold-down: it was never seen outside
    n = nat(capacity=RING + 10)
    flows = RING
    b = packets(flows, src=VM + np.arange(flows) // 60000, sport=1024 + np.arange(flows) % 60000)
    session, opened = tracked(n, b)
    assert opened.all() and n.ports_in_use(PUB) == RING
    assert out(n, packets(src=0x0A0000FF))[V.NAT_PORTS_EXHAUSTED] == 1
    n.unopen(session[:1])
    assert out(n, packets(src=0x0A0000FF))[V.OK] == 1  # same instant: no 120 s wait
    assert n.ports_in_use(PUB) == RING


@pytest.mark.parametrize(
    ("proto", "flags", "alive_s", "dead_s"),
    [
        (17, 0, 300, 301),  # UDP: 5 min default, RFC 4787 REQ-5c
        (1, 0, 60, 61),  # ICMP query: 60 s, RFC 5508
        (6, 0x02, 240, 241),  # TCP transitory (SYN only): 4 min, RFC 5382 REQ-5
    ],
)
def test_idle_timeouts(proto, flags, alive_s, dead_s):
    n = nat()
    out(n, packets(proto=proto, flags=flags))
    assert n.expire(alive_s * S) == 0
    assert n.expire(dead_s * S) == 1


def test_tcp_established_lives_2h4min():
    n = nat()
    syn = packets(proto=6, flags=0x02)
    out(n, syn)
    inb(n, reply_to(syn, flags=0x12))  # SYN-ACK: established
    assert n.expire(7440 * S) == 0
    assert n.expire(7441 * S + S) == 1


def test_tcp_fin_both_ways_shortens_to_transitory():
    n = nat()
    syn = packets(proto=6, flags=0x02)
    out(n, syn)
    inb(n, reply_to(syn, flags=0x12))
    out(n, packets(proto=6, flags=0x11, t=10 * S))
    inb(n, reply_to(syn, flags=0x11, t=10 * S))
    assert n.expire(10 * S + 241 * S) == 1


def test_traffic_refreshes_the_timer():  # RFC 4787 REQ-6
    n = nat()
    out(n, packets(t=0))
    out(n, packets(t=200 * S))
    assert n.expire(450 * S) == 0
    assert n.expire(501 * S) == 1


def test_lazy_expiry_on_lookup_gives_a_new_port():
    n = nat()
    first = packets(t=0)
    out(n, first)
    later = packets(t=1000 * S)
    out(n, later)
    assert src_of(first) != src_of(later)
    assert n.stats[1] == 1  # expired


def test_each_packet_is_decided_at_its_own_time_whatever_the_handling_order():
    """A gateway handles a quantum's outbound packets before its inbound ones: an answer
    that came 1 ms before the mapping ran out is delivered even though a later packet of
    another flow was handled first (at main, that packet had moved a shared clock past
    the timeout: NAT_NO_SESSION)."""
    n = nat()
    first = packets(sport=5555, t=0)
    out(n, first)
    out(n, packets(sport=6666, t=300 * S + 5_000_000))  # handled first, 5 ms past the end
    answer = reply_to(first, t=300 * S - 1_000_000)
    assert inb(n, answer)[V.OK] == 1
    late = reply_to(first, t=600 * S)  # the answer refreshed it until 600 s - 1 ms
    assert inb(n, late)[V.NAT_NO_SESSION] == 1  # dead from the instant it runs out


def test_an_earlier_packet_handled_later_never_moves_the_timer_back():
    n = nat()
    first = packets(t=0)
    out(n, first)
    out(n, packets(t=200 * S))
    inb(n, reply_to(first, t=100 * S))  # arrives before the refresh, handled after
    assert n.expire(500 * S) == 0  # the refresh at 200 s still holds until 500 s
    assert n.expire(501 * S) == 1


def test_an_inbound_lookup_frees_nothing_and_the_idle_timer_does_at_its_tick():
    """A dead mapping is freed at the idle timer's first tick after it ran out (1 s
    ticks), its port held down from that tick, never by an inbound packet."""
    n = nat(port_hold_down=120)
    first = packets(t=0)
    out(n, first)
    assert inb(n, reply_to(first, t=300 * S + S // 2))[V.NAT_NO_SESSION] == 1
    assert n.active() == 1  # still there, dead
    assert n.expire(300 * S + S // 2) == 0  # the next tick is at 301 s
    assert n.expire(301 * S) == 1
    st = n.state  # the UDP ring of the one public address: the port went to its tail
    tail = (st[K.RING_HEAD][0] + st[K.RING_COUNT][0] - 1) % RING
    assert st[K.RING_AVAIL][0, tail] == 301 + 120  # s: held down from the tick


def test_udp_without_checksum_stays_without():
    n = nat()
    b = packets()
    b.buf[0, b.offset[0] + 40 : b.offset[0] + 42] = 0
    out(n, b)
    assert Ether(b.frame(0))[UDP].chksum == 0


def test_unsupported_and_fragments_are_counted():
    n = nat()
    frags = bytes(Ether() / IP(src="10.0.1.5", dst="8.8.8.8", flags="MF") / UDP())
    redirect = bytes(Ether() / IP(src="10.0.1.5", dst="8.8.8.8") / ICMP(type=5, code=1))
    gre = bytes(Ether() / IP(src="10.0.1.5", dst="8.8.8.8", proto=47) / bytes(8))
    no_quote = bytes(Ether() / IP(src="10.0.1.5", dst="8.8.8.8") / ICMP(type=3, code=3))
    b = PacketBatch(4)
    b.load([frags, redirect, gre, no_quote])
    c = out(n, b)
    assert b.verdict[:4].tolist() == [V.FRAGMENT, V.NAT_UNSUPPORTED, V.NAT_UNSUPPORTED,
                                      V.BAD_L4]  # fmt: skip
    assert c.sum() == 4


def test_a_hosts_icmp_error_goes_out_about_the_packet_the_remote_sent():
    """RFC 5508: a VM's port unreachable about a datagram the NAT delivered to it leaves
    from the public address, quoting the datagram as the remote sent it (at main it was
    dropped as NAT_UNSUPPORTED)."""
    n = nat()
    first = packets(sport=5555)
    out(n, first)
    pub, pport = src_of(first)
    answer = reply_to(first)
    inb(n, answer)
    got = Ether(answer.frame(0))[IP]  # as the VM received it
    err = Ether() / IP(src=got.dst, dst=got.src) / ICMP(type=3, code=3) / bytes(got)[:28]
    b = PacketBatch(1, max_frame=256)
    b.load([bytes(err)])
    assert out(n, b)[V.OK] == 1
    assert_checksums_valid(b.frame(0))
    sent = Ether(b.frame(0))
    assert sent[IP].src == pub and sent[IP].dst == "8.8.8.8"
    quoted = sent[ICMP].payload  # scapy decodes the quote as IPerror / UDPerror
    assert (quoted.src, quoted.dst) == ("8.8.8.8", pub)
    assert (quoted.payload.sport, quoted.payload.dport) == (53, pport)
    assert n.mappings()[0][3] == 5555  # the mapping is the one the VM opened


def test_tenant_without_pool():
    n = nat(tenants=1)
    assert out(n, packets(rd=5))[V.NO_MAPPING] == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"udp_timeout": 119},
        {"tcp_established_timeout": 7439},
        {"tcp_transitory_timeout": 239},
        {"icmp_timeout": 59},
        {"port_hold_down": 60},
        {"filtering": "port-dependent"},
    ],
)
def test_config_below_rfc_minimums_is_refused(bad):
    with pytest.raises(ValueError):
        NatConfig(**bad)


def test_setup_errors():
    n = nat()
    with pytest.raises(ValueError, match="at least one"):
        n.add_tenant(1, [])
    with pytest.raises(ValueError):
        n.add_tenant(5000, [PUB])
    with pytest.raises(ValueError, match="proto"):
        n.add_static(0, 47, (VM, 1), (PUB, 2000))
    out(n, packets())
    with pytest.raises(RuntimeError):
        n.add_static(0, 17, (VM, 1), (PUB, 2000))


def _hosts_flows(n_hosts: int, flows: int):
    """UDP from ``n_hosts`` inside hosts (10.0.1.10 on), ``flows`` source ports each."""
    host = np.repeat(np.arange(n_hosts, dtype=np.int64), flows)
    port = np.tile(np.arange(flows, dtype=np.int64), n_hosts) % 60000 + 1024
    b = PacketBatch(host.shape[0], max_frame=128)
    build_frames(b, host.shape[0], src_ip=0x0A00010A + host, dst_ip=REMOTE, sport=port,
                 dport=53, size=80)  # fmt: skip
    b.rd[: b.n] = 0
    return b, host


def test_a_pool_is_used_evenly_and_a_host_keeps_its_address():
    """Least-loaded at a host's first mapping: 2 hosts on 4 addresses use 2 of them, 8 hosts
    use each address for 2 (at main, a hash put both of 2 hosts on one address)."""
    pool = [PUB + k for k in range(4)]
    for hosts, per_address in ((2, {0: 1, 1: 1}), (8, {0: 2, 1: 2, 2: 2, 3: 2})):
        n = nat(pool=pool)
        b, host = _hosts_flows(hosts, 50)
        counts = new_counts()
        n.outbound(b, counts)
        assert counts[V.OK] == b.n
        m = np.array(n.mapping_array())
        by_host = {h: set(m[m[:, 2] == 0x0A00010A + h, 4].tolist()) for h in range(hosts)}
        assert all(len(a) == 1 for a in by_host.values())  # paired (RFC 4787 REQ-2)
        used = {}
        for a in by_host.values():
            k = pool.index(a.pop())
            used[k] = used.get(k, 0) + 1
        assert used == per_address


@pytest.mark.slow  # 640,000 packets: a minute and a half as plain Python
def test_four_addresses_carry_four_times_the_sessions_of_one():
    """8 hosts x 40,000 flows: one address runs out at 64,512 ports; four take 4 x 64,512."""
    created = {}
    for size in (1, 4):
        n = nat(pool=[PUB + k for k in range(size)], capacity=400_000)
        b, _ = _hosts_flows(8, 40_000)
        counts = new_counts()
        n.outbound(b, counts)
        created[size] = n.active()
        assert counts[V.NAT_PORTS_EXHAUSTED] == b.n - created[size]
    assert created[1] == RING and created[4] == 4 * RING


def test_a_pairing_ends_with_the_hosts_last_mapping():
    n = nat(pool=[PUB, PUB + 1], udp_timeout=120)
    b, _ = _hosts_flows(1, 10)
    n.outbound(b, new_counts())
    first = {row[4] for row in n.mappings()}
    n.expire(1000 * S)  # every mapping idle past 120 s
    assert n.active() == 0
    b, _ = _hosts_flows(2, 10)  # host 0 again, and host 1
    n.outbound(b, new_counts())
    m = n.mapping_array()
    assert len(first) == 1 and len(set(m[:, 4].tolist())) == 2
