from hypothesis import given
from hypothesis import strategies as st

from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import build_frames
from tests.helpers import assert_checksums_valid
from tests.property.strategies import frame_fields, frame_from


@given(st.lists(frame_fields(), min_size=1, max_size=6))
def test_builder_matches_twin_and_scapy(fields):
    b = PacketBatch(len(fields))
    cols = {k: [f[k] for f in fields] for k in fields[0]}
    cols["size"], cols["tcp_flags"] = cols.pop("size"), cols.pop("tcp_flags")
    build_frames(b, len(fields), **cols)
    for i, f in enumerate(fields):
        assert b.frame(i) == frame_from(f)
        assert_checksums_valid(b.frame(i))
