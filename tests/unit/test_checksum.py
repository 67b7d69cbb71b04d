import numpy as np
import pytest

from nvbench.packet import checksum as C
from tests.oracle import checksum as O


def arr(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).copy()


def test_rfc1071_worked_example():
    # RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 -> checksum 0x220d
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert C.fold(C.sum16(arr(data), 0, len(data))) == 0xDDF2
    assert C.checksum(arr(data), 0, len(data), 0) == 0x220D


def test_odd_length_pads_with_zero():
    data = bytes.fromhex("0001f203f4f5f6")
    assert C.checksum(arr(data), 0, 7, 0) == O.checksum(data)


def test_rfc1624_minus_zero_example():
    # RFC 1624 section 4: HC=0xdd2f, m=0x5555 -> m'=0x3285 gives 0x0000 by eq. 3,
    # where the RFC 1141 form HC + m - m' gives the -0 (0xffff).
    assert C.update16(0xDD2F, 0x5555, 0x3285) == 0x0000
    assert O.update16(0xDD2F, 0x5555, 0x3285) == 0x0000


def test_unchanged_field_leaves_checksum_alone():  # RFC 1624 erratum 4782
    for hc in (0x0000, 0xFFFF, 0x1234):
        assert C.update16(hc, 0xABCD, 0xABCD) == hc
        assert C.update32(hc, 0x0A000001, 0x0A000001) == hc


def test_udp_checksum_zero_means_none():
    pkt = arr(bytes(8))
    C.patch16_udp(pkt, 6, 0x1234, 0x4321)
    assert pkt[6] == 0 and pkt[7] == 0


@pytest.mark.parametrize("seed", range(5))
def test_incremental_equals_full_recompute(seed):
    rng = np.random.default_rng(seed)
    data = bytearray(rng.integers(0, 256, 40, dtype=np.uint8).tobytes())
    data[10:12] = b"\0\0"
    hc = O.checksum(bytes(data))
    old = int.from_bytes(data[4:8], "big")
    new = int(rng.integers(0, 2**32))
    data[4:8] = new.to_bytes(4, "big")
    assert C.update32(hc, old, new) == O.checksum(bytes(data))


def test_udp_incremental_never_writes_zero():
    # Words 0x1234 | checksum | 0x0000; changing the last word to 0xedcb makes the
    # one's-complement sum 0xffff, so the correct checksum is 0: UDP must send 0xffff.
    before = bytes.fromhex("1234") + bytes(4)
    pkt = arr(bytes.fromhex("1234") + O.checksum(before).to_bytes(2, "big") + bytes(2))
    C.patch16_udp(pkt, 2, 0x0000, 0xEDCB)
    assert O.checksum(bytes.fromhex("1234") + bytes(2) + bytes.fromhex("edcb")) == 0
    assert bytes(pkt[2:4]) == b"\xff\xff"
