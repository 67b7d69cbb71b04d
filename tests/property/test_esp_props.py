import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nvbench.fastpath import esp
from nvbench.fastpath.sa import SaTable
from nvbench.fastpath.verdict import new_counts
from tests.helpers import assert_checksums_valid, batch_of
from tests.oracle import esp as twin
from tests.property.strategies import frame_fields, frame_from

SA = st.tuples(
    st.sampled_from(sorted(twin.SUITES)),
    st.booleans(),
    st.integers(256, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 100),
    st.integers(1, 65535),
    st.just(4500),
)
# The receiver listens on 4500 (RFC 3948); the sender's port may be NAT-translated.
MACS = (0x00155D0000FE, 0x00155D0000FF)


def tables(params):
    suite, nat_t, spi, src, dst, tenant, sport, dport = params
    t = SaTable(2)
    sa = t.add(spi, suite, src, dst, tenant=tenant, nat_t=nat_t, sport=sport, dport=dport)
    model = twin.Sa(spi, suite, src, dst, tenant, nat_t, sport, dport)
    return t, sa, model


@given(
    st.lists(frame_fields(), min_size=1, max_size=6),
    SA,
    st.sampled_from([1500, 1400, 9000]),
    st.booleans(),
)
def test_encap_and_decap_match_twin(fields, params, mtu, clear_df):
    t, sa, model = tables(params)
    frames = [frame_from(f) for f in fields]
    b = batch_of(frames, sa=sa)
    esp.encapsulate(b, t, new_counts(), local_mac=MACS[0], next_hop_mac=MACS[1], mtu=mtu,
                    clear_df=clear_df)  # fmt: skip
    wire = []
    for i, frame in enumerate(frames):
        v, want = twin.encap(frame, model, MACS[0], MACS[1], mtu, clear_df)
        assert b.verdict[i] == v
        assert b.frame(i) == want
        if v == 0:
            assert_checksums_valid(b.frame(i))
            wire.append(b.frame(i))
    if not wire:
        return
    rx, _, rx_model = tables(params)
    got = batch_of(wire)
    c = new_counts()
    esp.decapsulate(got, rx, c, dst_mac=1, src_mac=2)
    for i, frame in enumerate(wire):
        v, inner, _ = twin.decap(frame, {rx_model.spi: rx_model}, 1, 2)
        assert got.verdict[i] == v == 0
        assert got.frame(i) == inner
        assert got.rd[i] == params[5]
    assert c[0] == len(wire)


@given(st.lists(frame_fields(max_size=1400), min_size=1, max_size=4), SA, st.data())
def test_decap_matches_twin_on_mutated_frames(fields, params, data):
    t, sa, _ = tables(params)
    b = batch_of([frame_from(f) for f in fields], sa=sa)
    esp.encapsulate(b, t, new_counts(), mtu=9000)
    mutated = []
    for frame in b.frames():
        raw = bytearray(frame)
        for _ in range(data.draw(st.integers(0, 2))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        mutated.append(bytes(raw[: data.draw(st.integers(0, len(raw)))]))
    rx, _, rx_model = tables(params)
    got = batch_of(mutated)
    c = new_counts()
    esp.decapsulate(got, rx, c)
    assert c.sum() == len(mutated)
    for i, frame in enumerate(mutated):
        v, inner, _ = twin.decap(frame, {rx_model.spi: rx_model}, 0x00155D000001, 0x00155D0000FE)
        assert got.verdict[i] == v, frame.hex()
        if v == 0:
            assert got.frame(i) == inner
    assert np.array_equal(rx.cols[9][:1], [rx_model.top])
