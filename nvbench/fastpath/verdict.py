"""Verdict codes: every packet carries one, every drop reason has a counter.

A kernel never raises. It writes a verdict into the batch's ``verdict`` column and adds
one to ``counts[verdict]``; packets whose verdict is not ``OK`` are skipped by every
later kernel. The codes are plain module integers so numba freezes them as constants.
"""

from __future__ import annotations

import enum

import numpy as np


class Verdict(enum.IntEnum):
    OK = 0
    # framing and IPv4 validation
    TRUNCATED = 1
    BAD_ETHERTYPE = 2
    BAD_IP_VERSION = 3
    BAD_IHL = 4
    BAD_TOTAL_LENGTH = 5
    BAD_IP_CHECKSUM = 6
    BAD_PROTOCOL = 7
    FRAGMENT = 8
    # NVGRE / GRE
    BAD_GRE_FLAGS = 9
    BAD_GRE_VERSION = 10
    BAD_GRE_PROTOCOL = 11
    RESERVED_VSID = 12
    UNKNOWN_VSID = 13
    # HNV policy and forwarding
    NO_MAPPING = 14
    TOO_BIG = 15
    NO_HEADROOM = 16
    # NAT44
    NAT_PORTS_EXHAUSTED = 17
    NAT_QUOTA_EXCEEDED = 18
    NAT_STATE_FULL = 19
    NAT_NO_SESSION = 20
    NAT_FILTERED = 21
    NAT_UNSUPPORTED = 22
    BAD_L4 = 23
    # ESP
    ESP_UNKNOWN_SA = 24
    ESP_REPLAY = 25
    ESP_BAD_TRAILER = 26
    ESP_SEQ_OVERFLOW = 27
    NO_TAILROOM = 28
    ESP_BAD_ICV = 29
    # the simulator's elements
    BUFFER_FULL = 30
    LINK_LOSS = 31
    ELEMENT_DOWN = 32
    NO_ROUTE = 33
    GATEWAY_FAILOVER = 34
    # IPv4 reassembly
    BAD_FRAGMENT = 35
    REASSEMBLY_TIMEOUT = 36
    REASSEMBLY_FULL = 37
    # NAT44, continued: an unsolicited inbound SYN the NAT holds (RFC 5382 REQ-4)
    NAT_SYN_HELD = 38


N_VERDICTS = len(Verdict)

OK = int(Verdict.OK)
TRUNCATED = int(Verdict.TRUNCATED)
BAD_ETHERTYPE = int(Verdict.BAD_ETHERTYPE)
BAD_IP_VERSION = int(Verdict.BAD_IP_VERSION)
BAD_IHL = int(Verdict.BAD_IHL)
BAD_TOTAL_LENGTH = int(Verdict.BAD_TOTAL_LENGTH)
BAD_IP_CHECKSUM = int(Verdict.BAD_IP_CHECKSUM)
BAD_PROTOCOL = int(Verdict.BAD_PROTOCOL)
FRAGMENT = int(Verdict.FRAGMENT)
BAD_GRE_FLAGS = int(Verdict.BAD_GRE_FLAGS)
BAD_GRE_VERSION = int(Verdict.BAD_GRE_VERSION)
BAD_GRE_PROTOCOL = int(Verdict.BAD_GRE_PROTOCOL)
RESERVED_VSID = int(Verdict.RESERVED_VSID)
UNKNOWN_VSID = int(Verdict.UNKNOWN_VSID)
NO_MAPPING = int(Verdict.NO_MAPPING)
TOO_BIG = int(Verdict.TOO_BIG)
NO_HEADROOM = int(Verdict.NO_HEADROOM)
NAT_PORTS_EXHAUSTED = int(Verdict.NAT_PORTS_EXHAUSTED)
NAT_QUOTA_EXCEEDED = int(Verdict.NAT_QUOTA_EXCEEDED)
NAT_STATE_FULL = int(Verdict.NAT_STATE_FULL)
NAT_NO_SESSION = int(Verdict.NAT_NO_SESSION)
NAT_FILTERED = int(Verdict.NAT_FILTERED)
NAT_UNSUPPORTED = int(Verdict.NAT_UNSUPPORTED)
BAD_L4 = int(Verdict.BAD_L4)
ESP_UNKNOWN_SA = int(Verdict.ESP_UNKNOWN_SA)
ESP_REPLAY = int(Verdict.ESP_REPLAY)
ESP_BAD_TRAILER = int(Verdict.ESP_BAD_TRAILER)
ESP_SEQ_OVERFLOW = int(Verdict.ESP_SEQ_OVERFLOW)
NO_TAILROOM = int(Verdict.NO_TAILROOM)
ESP_BAD_ICV = int(Verdict.ESP_BAD_ICV)
BUFFER_FULL = int(Verdict.BUFFER_FULL)
LINK_LOSS = int(Verdict.LINK_LOSS)
ELEMENT_DOWN = int(Verdict.ELEMENT_DOWN)
NO_ROUTE = int(Verdict.NO_ROUTE)
GATEWAY_FAILOVER = int(Verdict.GATEWAY_FAILOVER)
BAD_FRAGMENT = int(Verdict.BAD_FRAGMENT)
REASSEMBLY_TIMEOUT = int(Verdict.REASSEMBLY_TIMEOUT)
REASSEMBLY_FULL = int(Verdict.REASSEMBLY_FULL)
NAT_SYN_HELD = int(Verdict.NAT_SYN_HELD)


# Not a verdict of the packet: its row was copied to another batch and is left behind as a
# husk that everyone skips. Never counted anywhere.
MOVED = 255


def new_counts() -> np.ndarray:
    """A zeroed counter array, one int64 per verdict code."""
    return np.zeros(N_VERDICTS, dtype=np.int64)


def named_counts(counts: np.ndarray) -> dict[str, int]:
    """The non-zero counters by verdict name."""
    return {Verdict(i).name: int(c) for i, c in enumerate(counts) if c}
