import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nvbench.packet import checksum as C
from tests.oracle import checksum as O


@given(st.binary(max_size=300), st.integers(0, 0xFFFF))
def test_full_checksum_matches_twin(data, initial):
    a = np.frombuffer(data, np.uint8).copy() if data else np.zeros(0, np.uint8)
    s = O.ones_sum(data) + initial
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    assert C.checksum(a, 0, len(data), initial) == (~s & 0xFFFF)


@given(st.binary(min_size=4, max_size=64).filter(lambda b: len(b) % 2 == 0), st.data())
def test_incremental_update_equals_full_recompute(data, draw):
    words = len(data) // 2
    k = draw.draw(st.integers(0, words - 1))
    new = draw.draw(st.integers(0, 0xFFFF))
    old = int.from_bytes(data[2 * k : 2 * k + 2], "big")
    hc = O.checksum(data)
    changed = data[: 2 * k] + new.to_bytes(2, "big") + data[2 * k + 2 :]
    # RFC 1624 eq. 3 agrees with a full recompute, the 0x0000 / 0xffff cases included.
    assert C.update16(hc, old, new) == O.checksum(changed)
