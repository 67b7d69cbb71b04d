"""Hypothesis strategies for frames and their fields."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.oracle.frames import build_frame

PROTOS = st.sampled_from([17, 6, 1])
TCP_FLAGS = st.sampled_from([0x02, 0x12, 0x10, 0x11, 0x04, 0x18])


@st.composite
def frame_fields(draw, max_size: int = 1514, addrs=None, ports=None):
    """Keyword arguments of ``build_frame``, sizes 60..max_size."""
    addr = addrs if addrs is not None else st.integers(1, 2**32 - 1)
    port = ports if ports is not None else st.integers(0, 65535)
    return {
        "src_mac": draw(st.integers(0, 2**48 - 1)),
        "dst_mac": draw(st.integers(0, 2**48 - 1)),
        "src_ip": draw(addr),
        "dst_ip": draw(addr),
        "proto": draw(PROTOS),
        "sport": draw(port),
        "dport": draw(port),
        "size": draw(st.integers(60, max_size)),
        "tcp_flags": draw(TCP_FLAGS),
        "ident": draw(st.integers(0, 65535)),
    }


def frame_from(fields: dict) -> bytes:
    return build_frame(**fields)
