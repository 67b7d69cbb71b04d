import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nvbench.fastpath import nvgre
from nvbench.fastpath.lookup import PolicyTable, VsidTable
from nvbench.fastpath.verdict import new_counts
from tests.helpers import assert_checksums_valid, batch_of
from tests.oracle import nvgre as twin
from tests.property.strategies import frame_fields, frame_from

CAS = st.sampled_from([0x0A000104, 0x0A000105, 0x0A000106, 0x08080808])
RECORD = st.tuples(
    st.integers(0, 2),
    st.sampled_from([0, 0x0A000104, 0x0A000105]),
    st.integers(1, 2**32 - 1),
    st.integers(0, 2**48 - 1),
    st.sampled_from([4095, 4096, 5001, 0xFFFFFE]),
)
TUNNEL = st.builds(
    nvgre.Tunnel,
    st.integers(1, 2**32 - 1),
    st.integers(0, 2**48 - 1),
    st.integers(0, 2**48 - 1),
    st.sampled_from([-1, 0, 42, 4095]),
    st.sampled_from([1500, 1400, 9000]),
)


def policies(records):
    table, model = PolicyTable(16), twin.Policy()
    for d, ca, pa, mac, vsid in records:
        if 4096 <= vsid <= 0xFFFFFE:
            table.add(d, ca, pa, mac, vsid)
            model.add(d, ca, pa, mac, vsid)
    return table, model


@given(
    st.lists(st.tuples(frame_fields(addrs=CAS), st.integers(0, 3)), min_size=1, max_size=8),
    st.lists(RECORD, max_size=8),
    TUNNEL,
)
def test_encap_matches_twin(items, records, tunnel):
    table, model = policies(records)
    frames = [frame_from(f) for f, _ in items]
    # Every other packet is marked as a piece or a router's message (a negative flow).
    marked = [i % 2 == 1 for i in range(len(frames))]
    b = batch_of(frames, rd=[d for _, d in items], flow=[-5 if m else 0 for m in marked])
    ident = np.array([65530], np.int64)
    nvgre.encapsulate(b, table, tunnel, new_counts(), ident)
    seq = 65530
    for i, (frame, (_, d)) in enumerate(zip(frames, items, strict=True)):
        v, want, vsid, fid = twin.encap(
            frame,
            d,
            model,
            tunnel.local_pa,
            tunnel.local_mac,
            tunnel.next_hop_mac,
            tunnel.vlan,
            tunnel.mtu,
            seq + 1,
        )
        assert b.verdict[i] == v
        if v == 0:
            seq = (seq + 1) & 0xFFFF
            assert b.frame(i) == want
            assert (b.vsid[i], b.flow[i]) == (vsid, -1 - fid if marked[i] else fid)
            assert_checksums_valid(b.frame(i))
        else:
            assert b.frame(i) == frame  # a dropped packet is left as it was
    assert ident[0] == seq


@given(st.lists(frame_fields(addrs=CAS, max_size=1472), min_size=1, max_size=8), TUNNEL)
def test_decap_of_encap_is_identity(fields, tunnel):
    tunnel = nvgre.Tunnel(tunnel.local_pa, tunnel.local_mac, tunnel.next_hop_mac, tunnel.vlan)
    table = PolicyTable(8)
    for f in fields:  # the VM addressed its frame to the MAC the policy gives
        table.add(1, f["dst_ip"], 0xC0A80002, f["dst_mac"], 5001)
    frames = [frame_from(f) for f in fields]
    b = batch_of(frames, rd=1)
    nvgre.encapsulate(b, table, tunnel, new_counts(), np.zeros(1, np.int64))
    vs = VsidTable()
    vs.add(5001, 1)
    b.rd[:] = -1
    c = new_counts()
    nvgre.decapsulate(b, vs, c)
    # Frames to the same CA share one record: the last MAC written wins.
    for i, f in enumerate(fields):
        mac = int(table.mac[table.lookup(1, f["dst_ip"])[0]])
        assert b.frame(i) == mac.to_bytes(6, "big") + frames[i][6:]
    assert (b.rd[: len(fields)] == 1).all() and c[0] == len(fields)


@given(st.lists(frame_fields(addrs=CAS, max_size=600), min_size=1, max_size=4), st.data())
def test_decap_matches_twin_on_mutated_frames(fields, data):
    table = PolicyTable(8)
    for f in fields:
        table.add(
            1, f["dst_ip"], 0xC0A80002, f["dst_mac"], data.draw(st.sampled_from([5001, 6000]))
        )
    b = batch_of([frame_from(f) for f in fields], rd=1)
    nvgre.encapsulate(b, table, nvgre.Tunnel(0xC0A80001), new_counts(), np.zeros(1, np.int64))
    mutated = []
    for frame in b.frames():
        raw = bytearray(frame)
        for _ in range(data.draw(st.integers(0, 3))):
            raw[data.draw(st.integers(0, min(len(raw) - 1, 60)))] = data.draw(st.integers(0, 255))
        mutated.append(bytes(raw[: data.draw(st.integers(0, len(raw)))]))
    vs = VsidTable()
    vs.add(5001, 1)
    got = batch_of(mutated)
    c = new_counts()
    nvgre.decapsulate(got, vs, c)
    assert c.sum() == len(mutated)
    for i, frame in enumerate(mutated):
        v, inner, vsid, fid, dom = twin.decap(frame, {5001: 1})
        assert got.verdict[i] == v, f"frame {i}: {frame.hex()}"
        if v == 0:
            assert got.frame(i) == inner and (got.vsid[i], got.flow[i], got.rd[i]) == (
                vsid,
                fid,
                dom,
            )
