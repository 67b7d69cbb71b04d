"""The queueing formulas of the capacity estimate, against closed forms from elsewhere."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nvbench.plan import estimate as analytic
from tests.oracle.queueing import mm1k_blocking


def test_erlang_c_textbook_value():
    # M/M/2 at a = 1 Erlang: B(2,1) = 0.5/2.5 = 0.2, so C = 0.4/1.2 = 1/3.
    assert analytic.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert analytic.erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert analytic.erlang_c(4, 4.0) == 1.0  # unstable: everyone waits


@given(st.floats(0.01, 0.99), st.integers(1, 60))
def test_one_server_blocking_is_mm1k(rho, k):
    """M/M/c/K with c = 1 is M/M/1/K, whose closed form is (1-r)r^K/(1-r^(K+1))."""
    assert analytic.mmck_blocking(1, rho, k) == pytest.approx(mm1k_blocking(rho, 1.0, k), rel=1e-9)


@given(st.integers(1, 40), st.floats(0.01, 80))
def test_no_waiting_room_is_erlang_b(c, a):
    """M/M/c/c is Erlang's loss system: blocking = Erlang B, computed by its own recursion."""
    direct = (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))
    assert analytic.mmck_blocking(c, a, c) == pytest.approx(direct, rel=1e-9)


def test_blocking_survives_large_buffers():
    """A gateway VM holds 4096 packets a core: no overflow, tiny below saturation, about
    1 - c/a above it (the carried load is c servers' worth)."""
    assert analytic.mmck_blocking(8, 4.0, 8 * 4096) < 1e-300
    assert analytic.mmck_blocking(8, 16.0, 8 * 4096) == pytest.approx(0.5, rel=1e-6)


@given(st.floats(0.05, 0.95), st.floats(0.5, 0.999))
def test_one_server_wait_quantile(rho, q):
    """M/M/1: P(W > t) = rho e^{-(mu-lam)t}, so the q-quantile is ln(rho/(1-q))/(mu-lam)."""
    mu = 1e6
    t = analytic.wait_quantile(1, rho * mu, mu, q)
    expected = max(0.0, math.log(rho / (1 - q)) / (mu - rho * mu))
    assert t == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_wait_quantile_grows_with_load_and_is_infinite_past_saturation():
    ts = [analytic.wait_quantile(4, lam, 1.0, 0.99) for lam in (1.0, 2.0, 3.0, 3.9)]
    assert ts == sorted(ts) and ts[-1] > 10 * ts[1]
    assert analytic.wait_quantile(4, 4.0, 1.0, 0.99) == math.inf


def test_each_sites_traffic_is_costed_by_its_own_suite():
    """Two sites, one on AES-CBC + HMAC-SHA1: the estimate costs each site's traffic by
    its own suite (at main, every stream by the first site's)."""
    from nvbench.model import profiles
    from nvbench.scenario.loader import loads
    from tests.patterns.test_two_way import S2S_ONE_CONNECTION

    text = S2S_ONE_CONNECTION.replace(
        'peer = "198.51.100.11",', 'peer = "198.51.100.11", suite = "aes-cbc-hmac-sha1-96",'
    )
    n = loads(text).vm_networks[0]
    profile, clock = profiles.default(), 2.6e9
    got = [s.service_s for s in analytic.streams(n, profile, clock)]
    want = []
    for t, fn in zip(n.traffic, ("esp_encap:aes-gcm-128", "esp_decap:aes-gcm-128",
                                 "esp_encap:aes-cbc-hmac-sha1-96"), strict=True):  # fmt: skip
        c = profile.costs[fn]
        want.append((c.cycles_per_packet + c.cycles_per_byte * analytic.sizes_of(t).mean) / clock)
    assert got == pytest.approx(want)
    assert got[2] > 1.5 * got[0]  # the suites really differ in cost
