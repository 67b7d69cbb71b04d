"""The NAT's timers give the same results at every quantum: mappings that time out,
ports in hold-down and the idle timer's ticks all follow the packets' own times.

Timers far below the RFC minimums (a warning, not an error) make flows of the double-NAT
scenario (64 flows a traffic, one packet a flow every ~3 ms) time out and reopen all the
time, at the gateway's NAT, and its idle timer ticks (1 s) inside the run. At main before
this test, decisions used a clock the latest packet of either direction had moved, and
the gateway swept at the simulation's clock, up to a quantum ahead of the packets still
to come.
"""

from __future__ import annotations

import pytest

from nvbench import runner
from nvbench.scenario.loader import loads
from tests.helpers import SHIPPED
from tests.patterns.quanta import differences, figures

TIMERS = "udp_timeout = 0.003, tcp_transitory_timeout = 0.003, port_hold_down = 0.004"


def _scenario():
    text = (SHIPPED / "double_nat.toml").read_text()
    return loads(text.replace("[[gateways]]", f"[[gateways]]\nnat = {{ {TIMERS} }}", 1))


def _nat_books(s, quantum_ms: float) -> dict[str, int]:
    runs = s.run.model_copy(update={"quantum_ms": quantum_ms})
    r = runner.run(s.model_copy(update={"run": runs}), duration_s=1.05).result
    gw = r.element("mtgw01")
    return {k: gw[k] for k in ("nat_sessions", "nat_sessions_created", "nat_sessions_expired")}


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
def test_nat_timers_give_the_same_results_at_every_quantum():
    s = _scenario()
    books = {q: _nat_books(s, q) for q in (1.0, 10.0, 50.0)}
    assert books[1.0]["nat_sessions_expired"] > 1000  # the timers really ran
    assert books[10.0] == books[1.0] and books[50.0] == books[1.0]
    base = figures(s, 1.0, 1.05)
    for q in (10.0, 50.0):
        assert differences(base, figures(s, q, 1.05)) == [], f"quantum {q} ms"
