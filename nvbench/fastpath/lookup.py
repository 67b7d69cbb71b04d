"""HNV policy lookup: (routing domain, customer address) -> (provider address, MAC, VSID).

WS2012 R2 HNV keeps one lookup record per (VM network, CA) and sends traffic that has
no record of its own to the gateway through a "GatewayWildcard" record whose CA is
0.0.0.0 [S6][S11]. The table does the same: an exact miss falls back to the domain's
wildcard record. Keys carry the routing domain, so tenants whose customer address
spaces are identical never see each other's records.

Memory: 16 bytes of columns + 8 of key per record, plus 4-byte slots at a load factor
of at most 0.7: 29.7 bytes per record at one million records.
"""

from __future__ import annotations

import numpy as np

from nvbench.config import kernel
from nvbench.fastpath import hashtable

WILDCARD_CA = 0  # 0.0.0.0, the GatewayWildcard record [S11]
VSID_MIN = 4096  # HNV's first usable VSID [S6]; RFC 7637 reserves 0..0xFFF [S1]
VSID_MAX = 0xFFFFFE  # 0xFFFFFF is reserved [S1]
MAX_DOMAIN = (1 << 31) - 1


@kernel
def policy_key(domain, ca):
    return (np.int64(domain) << 32) | (np.int64(ca) & 0xFFFFFFFF)


@kernel
def policy_find(slots, keys, domain, ca):
    """Record number for ``ca`` in ``domain``, else the domain's wildcard record, else -1."""
    r = hashtable.find(slots, keys, policy_key(domain, ca))
    if r < 0:
        r = hashtable.find(slots, keys, policy_key(domain, WILDCARD_CA))
    return r


@kernel
def _lookup_many(slots, keys, domain, ca, out):
    for i in range(ca.shape[0]):
        out[i] = policy_find(slots, keys, domain[i], ca[i])


class PolicyTable:
    """HNV lookup records held in arrays.

    Parameters
    ----------
    capacity : int
        Largest number of records (1 million and more is fine).
    """

    def __init__(self, capacity: int) -> None:
        self.index = hashtable.Index(capacity)
        self.pa = np.zeros(capacity, dtype=np.uint32)
        self.mac = np.zeros(capacity, dtype=np.int64)
        self.vsid = np.zeros(capacity, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def nbytes(self) -> int:
        return self.index.nbytes + self.pa.nbytes + self.mac.nbytes + self.vsid.nbytes

    def copy(self) -> PolicyTable:
        """An independent copy (a later version of the policy starts from it)."""
        out = PolicyTable(self.pa.shape[0])
        out.index.keys[:], out.index.slots[:] = self.index.keys, self.index.slots
        out.index.count[:] = self.index.count
        out.pa[:], out.mac[:], out.vsid[:] = self.pa, self.mac, self.vsid
        return out

    def add(self, domain, ca, pa, mac, vsid) -> None:
        """Add or replace records; each argument an int or an array of equal length.

        ``ca`` = 0 adds the domain's gateway wildcard record. VSIDs must lie in
        4096..2^24-2 and domains in 0..2^31-1; ValueError otherwise.
        """
        domain, ca, pa, mac, vsid = (
            np.atleast_1d(np.asarray(x, np.int64)) for x in (domain, ca, pa, mac, vsid)
        )
        domain, ca, pa, mac, vsid = np.broadcast_arrays(domain, ca, pa, mac, vsid)
        if ((vsid < VSID_MIN) | (vsid > VSID_MAX)).any():
            raise ValueError(f"vsid must be in {VSID_MIN}..{VSID_MAX}")
        if ((domain < 0) | (domain > MAX_DOMAIN)).any():
            raise ValueError(f"routing domain must be in 0..{MAX_DOMAIN}")
        if ((ca < 0) | (ca > 0xFFFFFFFF) | (pa < 0) | (pa > 0xFFFFFFFF)).any():
            raise ValueError("addresses must be 32-bit unsigned integers")
        r = self.index.upsert((domain << 32) | ca)
        self.pa[r] = pa
        self.mac[r] = mac
        self.vsid[r] = vsid

    def lookup(self, domain, ca) -> np.ndarray:
        """Record numbers for arrays of (domain, ca); -1 where nothing matches."""
        domain, ca = np.broadcast_arrays(
            np.atleast_1d(np.asarray(domain, np.int64)), np.atleast_1d(np.asarray(ca, np.int64))
        )
        out = np.empty(ca.shape[0], dtype=np.int64)
        _lookup_many(
            self.index.slots,
            self.index.keys,
            np.ascontiguousarray(domain),
            np.ascontiguousarray(ca),
            out,
        )
        return out


class VsidTable:
    """VSID -> routing domain, for decapsulation: which tenant a virtual subnet belongs to."""

    def __init__(self, capacity: int = 4096) -> None:
        self.index = hashtable.Index(capacity)
        self.domain = np.zeros(capacity, dtype=np.int32)

    def add(self, vsid, domain) -> None:
        vsid, domain = np.broadcast_arrays(
            np.atleast_1d(np.asarray(vsid, np.int64)), np.atleast_1d(np.asarray(domain, np.int64))
        )
        if ((vsid < VSID_MIN) | (vsid > VSID_MAX)).any():
            raise ValueError(f"vsid must be in {VSID_MIN}..{VSID_MAX}")
        self.domain[self.index.upsert(vsid)] = domain
