import numpy as np
import pytest

from nvbench.fastpath.lookup import PolicyTable, VsidTable

CA = 0x0A000105  # 10.0.1.5, used by every tenant


def test_exact_then_wildcard_then_miss():
    t = PolicyTable(8)
    t.add(1, CA, 0xC0A80002, 0x00155D000005, 5001)
    t.add(1, 0, 0xC0A80063, 0x00155D0000AA, 5002)  # GatewayWildcard of domain 1
    r = t.lookup([1, 1, 2], [CA, 0x08080808, CA])
    assert t.pa[r[0]] == 0xC0A80002
    assert t.pa[r[1]] == 0xC0A80063  # unknown CA goes to the gateway
    assert r[2] == -1  # domain 2 has neither record nor wildcard


def test_identical_customer_spaces_stay_apart():
    t = PolicyTable(16)
    for d in range(4):
        t.add(d, CA, 0xC0A80000 + d, 0x00155D000000 + d, 6000 + d)
    r = t.lookup(np.arange(4), CA)
    assert t.pa[r].tolist() == [0xC0A80000 + d for d in range(4)]
    assert t.vsid[r].tolist() == [6000 + d for d in range(4)]


def test_replace_keeps_one_record():
    t = PolicyTable(4)
    t.add(1, CA, 1, 1, 5000)
    t.add(1, CA, 2, 2, 5001)  # live migration: the VM moved to another host
    assert len(t) == 1
    assert t.pa[t.lookup(1, CA)[0]] == 2


@pytest.mark.parametrize("vsid", [0, 4095, 0xFFFFFF, 1 << 24])
def test_reserved_vsids_are_refused(vsid):
    with pytest.raises(ValueError, match="vsid"):
        PolicyTable(2).add(1, CA, 1, 1, vsid)
    with pytest.raises(ValueError, match="vsid"):
        VsidTable().add(vsid, 1)


def test_full_table_is_an_error():
    t = PolicyTable(2)
    t.add(1, [1, 2], 1, 1, 5000)
    with pytest.raises(ValueError, match="full"):
        t.add(1, 3, 1, 1, 5000)


@pytest.mark.slow  # a million inserts: too many for the pass without the JIT
def test_a_million_records_in_48_bytes_each():
    n = 1_000_000
    t = PolicyTable(n)
    domain = np.arange(n) // 1000
    ca = 0x0A000000 + np.arange(n) % 1000  # every domain reuses the same 1,000 CAs
    t.add(domain, ca, 0xC0A80000 + np.arange(n) % 64, np.arange(n), 4096 + domain)
    assert len(t) == n
    probe = np.random.default_rng(1).integers(0, n, 10_000)
    r = t.lookup(domain[probe], ca[probe])
    assert (t.vsid[r] == 4096 + domain[probe]).all()
    assert (t.pa[r] == 0xC0A80000 + probe % 64).all()
    assert t.nbytes / n <= 48
