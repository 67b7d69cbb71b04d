"""The plan agrees with itself (issue 15: its frontier said 40 S2S tenants per gateway VM
where its table said 4-5, and 100 NAT tenants where `check` refuses more than 50 a gateway):
one computation - copies of the typical tenant dealt to G gateway VMs, judged by the same
estimate and simulation - behind the table's "max tenants", the frontier and the checks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nvbench import plan
from nvbench.plan.carried import largest
from nvbench.plan.copies import copies, typical
from nvbench.plan.search import MAX_TENANTS_PER_GATEWAY, layout, only
from nvbench.scenario.loader import from_dict, load
from nvbench.scenario.rules import check
from tests.plan.test_plan import SLO, nat_tenants


@given(high=st.integers(1, 400), data=st.data())
def test_largest_finds_the_threshold_from_any_start(high, data):
    threshold = data.draw(st.integers(0, high))
    start = data.draw(st.none() | st.integers(-5, high + 5))
    asked: list[int] = []

    def ok(t: int) -> bool:
        assert 1 <= t <= high  # never asks outside the range
        asked.append(t)
        return t <= threshold

    assert largest(high, ok, start) == threshold
    if start == threshold and 0 < threshold < high:
        assert len(asked) == 2  # a right guess costs two evaluations


def test_copies_are_distinct_tenants_like_the_typical_one():
    s = only(load("default"), "nat")
    x = copies(s, 7)
    t = s.vm_networks[typical(s)]
    assert [n.name for n in x.vm_networks] == [f"{t.name}-{k}" for k in range(1, 8)]
    vsids = [v.vsid for n in x.vm_networks for v in [*n.subnets, n.gateway_subnet]]
    public = [str(a) for n in x.vm_networks for a in n.public_addresses]
    assert len(set(vsids)) == len(vsids) and len(set(public)) == len(public) == 7
    assert all(n.traffic == t.traffic and n.subnets[0].prefix == t.subnets[0].prefix
               for n in x.vm_networks)  # fmt: skip
    laid = layout(x, 2)
    assert check(laid) == [] and len(laid.gateways) == 2


def test_every_frontier_point_is_a_layout_the_checks_accept_and_the_estimate_meets():
    s = from_dict(nat_tenants(3), "t")  # 100 kpps NAT tenants, one-vCPU gateways
    p = plan.Planner(s, SLO).plan()
    (answer,) = p.answers
    rows = p.frontier
    assert [r["active_gateway_vms"] for r in rows] == [1, 2, 3, 4]
    for r in rows:
        g, t = r["active_gateway_vms"], r["tenants_analytic"]
        assert 0 < t <= g * MAX_TENANTS_PER_GATEWAY
        x = layout(copies(only(s, "nat"), t), g)
        assert check(x) == [] and len(x.vm_networks) == t
        assert all(sum(n.gateway == gw.name for n in x.vm_networks) <= MAX_TENANTS_PER_GATEWAY
                   for gw in x.gateways)  # fmt: skip
        planner = plan.Planner(s, SLO)
        assert SLO.meets(*planner.figures(x).judged())
        more = layout(copies(only(s, "nat"), t + 1), g)
        assert not SLO.meets(*planner.figures(more).judged())  # the largest: one more fails
    # The table's "max tenants" is the frontier at the scenario's own fleet (one gateway).
    assert answer.max_tenants_analytic == rows[0]["tenants_analytic"]
    # One vCPU of ~438 kpps [S35]: 4 tenants of 100 kpps fit, 5 do not.
    assert rows[0]["tenants_analytic"] == 4


def test_the_s2s_frontier_and_table_agree_on_the_default_scenario():
    """The contradiction of issue 15: 40 S2S tenants per gateway in the frontier, 4-5 in the
    table. Now the table's "max tenants" is the frontier's one-gateway value."""
    p = plan.Planner(load("default"), SLO).plan(["s2s", "nat"])
    for a in p.answers:
        one = next(r for r in p.frontier if r["pattern"] == a.pattern
                   and r["active_gateway_vms"] == 1)  # fmt: skip
        assert a.max_tenants_analytic == one["tenants_analytic"]
        assert one["tenants_analytic"] <= MAX_TENANTS_PER_GATEWAY
