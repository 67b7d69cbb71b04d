"""IPsec security associations for the ESP kernels: the cipher suites' sizes and the SA
table (one direction each, with its sequence counter and anti-replay window), held in
arrays the kernels index by position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nvbench.fastpath import hashtable
from nvbench.packet.layouts import ESP, IPV4, NAT_T_PORT, UDP_ESP


@dataclass(frozen=True)
class CipherSuite:
    """Per-packet sizes of an ESP cipher suite."""

    name: str
    iv: int  # bytes of IV after the ESP header
    icv: int  # bytes of ICV after the trailer
    align: int  # the encrypted part (payload + padding + 2) is a multiple of this


SUITES: tuple[CipherSuite, ...] = (
    CipherSuite("aes-gcm-128", 8, 16, 4),  # RFC 4106 [S27]
    CipherSuite("aes-gcm-256", 8, 16, 4),  # RFC 4106 [S27]
    CipherSuite("aes-cbc-hmac-sha1-96", 16, 12, 16),  # RFC 3602, RFC 2404 [S28]
    CipherSuite("aes-cbc-hmac-sha256-128", 16, 16, 16),  # RFC 3602, RFC 4868 [S28]
)
SUITE_BY_NAME = {s.name: i for i, s in enumerate(SUITES)}
SA_SUITE = 2  # the SA column that holds the suite (an index into SUITES)
SA_NATT = 5  # the SA column that says whether it is UDP-encapsulated (NAT-T)
SUITE_TABLE = np.array([[s.iv, s.icv, s.align] for s in SUITES], dtype=np.int64)


def overhead(suite: str, inner_ip_bytes: int, nat_t: bool = False) -> int:
    """Bytes ESP tunnel mode adds to an inner IP packet (outer IP included, no Ethernet)."""
    s = SUITES[SUITE_BY_NAME[suite]]
    pad = -(inner_ip_bytes + 2) % s.align
    return IPV4.length + (UDP_ESP.length if nat_t else 0) + ESP.length + s.iv + pad + 2 + s.icv


def inner_mtu(suite: str, mtu: int, nat_t: bool = False) -> int:
    """The largest inner IP packet whose ESP tunnel packet fits a path MTU of ``mtu``:
    at 1500, 1446 for AES-GCM-128 (1438 with NAT-T), 1438 for AES-CBC (1422 with NAT-T;
    [S30] gives 1436 for AES-256-CBC + SHA-256)."""
    x = mtu
    while x > 0 and x + overhead(suite, x, nat_t) > mtu:
        x -= 1
    return x


class SaTable:
    """IPsec security associations (one direction each) held in arrays.

    Parameters
    ----------
    capacity : int
        Most SAs.
    """

    def __init__(self, capacity: int) -> None:
        self.spi_index = hashtable.Index(capacity)
        # spi, seq, suite, src, dst, nat_t, sport, dport, tenant, rx_top: int64; rx_win: uint64
        self.cols = (
            *(np.zeros(capacity, np.int64) for _ in range(10)),
            np.zeros(capacity, np.uint64),
        )
        # The connection each SA belongs to: its SAs (both directions, every child SA) run
        # on that connection's one vCPU [S23][S34]. Not a kernel column.
        # Connections are numbered in the order they are set up; the gateway deals them to
        # its vCPUs in turn (assumed: how Windows spreads tunnels over cores is NOT FOUND).
        self.pin = np.zeros(capacity, np.int64)
        self.connections = 0
        self.n = 0

    def add(
        self,
        spi: int,
        suite: str,
        src: int,
        dst: int,
        tenant: int = 0,
        nat_t: bool = False,
        sport: int = NAT_T_PORT,
        dport: int = NAT_T_PORT,
        pin: int | None = None,
    ) -> int:
        """Add an SA; returns its index (the value for a batch's ``sa`` column).

        ``pin``: the index of the SA whose connection this one belongs to (its vCPU is
        chosen by it); by default the SA starts a connection of its own.
        """
        if suite not in SUITE_BY_NAME:
            raise ValueError(f"suite {suite!r} is not one of {sorted(SUITE_BY_NAME)}")
        if not 256 <= spi <= 0xFFFFFFFF:  # RFC 4303: SPIs 1..255 are reserved by IANA
            raise ValueError(f"spi must be 256..0xFFFFFFFF, got {spi}")
        if self.spi_index.find(np.array([spi]))[0] >= 0:
            raise ValueError(f"spi {spi:#x} already in use")
        sa = int(self.spi_index.upsert(np.array([spi]))[0])
        values = (spi, 0, SUITE_BY_NAME[suite], src, dst, int(nat_t), sport, dport, tenant, 0, 0)
        for col, value in zip(self.cols, values, strict=True):
            col[sa] = value
        if pin is None:
            self.pin[sa] = self.connections
            self.connections += 1
        else:
            self.pin[sa] = self.pin[pin]
        self.n = max(self.n, sa + 1)
        return sa

    def _view(self) -> tuple:
        return tuple(c[: self.n] for c in self.cols)
