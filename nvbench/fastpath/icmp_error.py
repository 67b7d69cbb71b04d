"""ICMP error messages a router sends about a packet it could not forward (RFC 792,
RFC 1812 4.3.2): Destination Unreachable, e.g. "fragmentation needed and DF set" with the
next-hop MTU (type 3, code 4, RFC 1191), "port unreachable" (code 3) or "communication
administratively prohibited" (code 13, RFC 1812 5.2.7.1).

The message goes back to the packet's source: Ethernet addresses swapped, IPv4 from the
router's own address on that side (TTL 64, DF clear, identification 0), and the ICMP
header (type, code, checksum, a 32-bit word: the next-hop MTU in its low 16 bits for code
4, zero otherwise) followed by the packet's IP header and its first 8 bytes after it, as
RFC 792 asks (RFC 1812 lets a router quote more; Windows' choice is NOT FOUND). Every
checksum is valid. The messages are written to the rows of another batch.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import verdict as V
from nvbench.fastpath.ipv4 import SRC, check_ipv4, l3_start
from nvbench.packet.batch import PacketBatch
from nvbench.packet.builders import write_ipv4
from nvbench.packet.checksum import checksum
from nvbench.packet.layouts import ETH_P_IPV4, IPPROTO_ICMP
from nvbench.packet.wire import ix, rd8, rd32, wr8, wr16, wr32

UNREACHABLE = 3
PORT_UNREACHABLE, FRAG_NEEDED, PROHIBITED = 3, 4, 13  # 13: administratively prohibited
HEADER = 8  # type, code, checksum, the 32-bit word
QUOTED = 8  # bytes quoted after the packet's IP header (RFC 792)


@kernel
def _errors(buf, offset, length, verdict, rows, kind, code, word, src, out_buf, out_offset,
            out_length, source):  # fmt: skip
    """An ICMP error about each packet of ``rows`` (from ``src[j]``, with ``word[j]``) into
    the rows of ``out_*``; a packet too mangled to quote gets none. Returns how many."""
    k = 0
    for j in range(rows.shape[0]):
        i = ix(rows[j])
        pkt, o = buf[i], offset[i]
        v, l3 = l3_start(pkt, o, length[i])
        if v != V.OK:
            continue
        v, ihl, total, proto = check_ipv4(pkt, l3, o + length[i] - l3)
        if v != V.OK and v != V.FRAGMENT:
            continue
        quote = ihl + min(QUOTED, total - ihl)
        q, w = out_buf[k], out_offset[k]
        for b in range(6):  # the Ethernet addresses, swapped
            wr8(q, w + b, rd8(pkt, o + 6 + b))
            wr8(q, w + 6 + b, rd8(pkt, o + b))
        wr16(q, w + 12, ETH_P_IPV4)
        ip, icmp = w + 14, w + 34
        write_ipv4(q, ip, 20 + HEADER + quote, 0, IPPROTO_ICMP, src[j], rd32(pkt, l3 + SRC), False)
        wr8(q, icmp, kind)
        wr8(q, icmp + 1, code)
        wr16(q, icmp + 2, 0)
        wr32(q, icmp + 4, word[j])
        for b in range(quote):
            wr8(q, icmp + HEADER + b, rd8(pkt, l3 + b))
        wr16(q, icmp + 2, checksum(q, icmp, HEADER + quote, 0))
        out_length[k] = 34 + HEADER + quote
        source[k] = i
        k += 1
    return k


def errors(b: PacketBatch, rows: np.ndarray, kind: int, code: int, word: np.ndarray,
           src: np.ndarray, new_batch) -> PacketBatch:  # fmt: skip
    """ICMP errors (``kind``, ``code``, per packet ``word`` and router address ``src``)
    about packets ``rows`` of ``b``, as a batch from ``new_batch(n)``: each at its packet's
    time, of its tenant, with its flow as ``-1 - flow`` (a packet the router originated,
    :class:`nvbench.model.metrics.Counters`)."""
    rows = np.ascontiguousarray(rows, np.int64)
    out = new_batch(max(1, rows.shape[0]))
    source = np.zeros(rows.shape[0], np.int64)
    word = np.ascontiguousarray(word, np.int64)
    src = np.ascontiguousarray(src, np.int64)
    n = _errors(b.buf, b.offset, b.length, b.verdict, rows, kind, code, word, src, out.buf,
                out.offset, out.length, source)  # fmt: skip
    out.n = int(n)
    for name in ("time", "born", "rd"):
        getattr(out, name)[: out.n] = getattr(b, name)[source[: out.n]]
    f = b.flow[source[: out.n]]
    out.flow[: out.n] = np.where(f >= 0, -1 - f, f)
    out.verdict[: out.n] = V.OK
    return out
