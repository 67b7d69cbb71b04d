"""NatConfig: a NAT44's behaviour and timers, checked against the RFC minimums, as the
tuple its kernels read (positions ``CFG_*`` of :mod:`nvbench.fastpath.nat_sessions`)."""

from __future__ import annotations

from dataclasses import dataclass

from nvbench.fastpath.nat_sessions import NS as S

# The RFC minimums of the NAT timers, s: RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508, RFC 6888
# REQ-8.
MINIMUMS = {
    "udp_timeout": 120.0,
    "tcp_established_timeout": 7440.0,
    "tcp_transitory_timeout": 240.0,
    "icmp_timeout": 60.0,
    "port_hold_down": 120.0,
}


@dataclass(frozen=True)
class NatConfig:
    """NAT44 behaviour. Timeouts in seconds; minimums per the RFCs.

    Parameters
    ----------
    filtering : {"endpoint-independent", "address-dependent"}
        RFC 4787 REQ-8.
    udp_timeout : float
        >= 120 s (RFC 4787 REQ-5); 300 s by default (REQ-5c).
    tcp_established_timeout : float
        >= 7,440 s, 2 h 4 min (RFC 5382 REQ-5).
    tcp_transitory_timeout : float
        >= 240 s (RFC 5382 REQ-5; RFC 7857: 4 min after a RST).
    icmp_timeout : float
        >= 60 s (RFC 5508).
    port_hold_down : float
        A freed port is not reused for this long: 120 s (RFC 6888 REQ-8).
    strict : bool
        Refuse timers below the RFC minimums (True), or take them as given (a device such
        as Windows' NAT may run shorter ones; the scenario rules warn about them).
    sweep_every : float
        The idle timer's tick: a mapping dead since the last tick is freed at this one
        (its port held down from then). 1 s, assumed (Windows' is NOT FOUND); a dead
        mapping never carries a packet, whenever it is freed.
    hold_syn : bool
        An unsolicited inbound SYN (no mapping, or filtered) gets NAT_SYN_HELD, for the
        gateway to hold and answer later (RFC 5382 REQ-4, :mod:`nvbench.model.syn_hold`),
        instead of NAT_NO_SESSION or NAT_FILTERED.
    """

    filtering: str = "endpoint-independent"
    udp_timeout: float = 300.0
    tcp_established_timeout: float = 7440.0
    tcp_transitory_timeout: float = 240.0
    icmp_timeout: float = 60.0
    port_hold_down: float = 120.0
    strict: bool = True
    sweep_every: float = 1.0
    hold_syn: bool = False

    def __post_init__(self) -> None:
        if self.filtering not in ("endpoint-independent", "address-dependent"):
            raise ValueError(
                f"filtering: {self.filtering!r} is not one of "
                "'endpoint-independent', 'address-dependent'"
            )
        for name, floor in MINIMUMS.items():
            value = getattr(self, name)
            if value < 0 or (self.strict and value < floor):
                raise ValueError(f"{name}: {value} s is below the {floor} s minimum")
        if not self.sweep_every * S >= 1:
            raise ValueError(f"sweep_every: {self.sweep_every} s must be at least 1 ns")

    def as_tuple(self) -> tuple[int, ...]:
        adf = int(self.filtering == "address-dependent")  # a tenant's default
        return (
            adf,
            int(self.udp_timeout * S),
            int(self.icmp_timeout * S),
            int(self.tcp_established_timeout * S),
            int(self.tcp_transitory_timeout * S),
            int(self.port_hold_down * S),
            int(self.sweep_every * S),
            int(self.hold_syn),
        )
