"""Capacity planning: the SLO syntax, the smallest fleet by estimate and by simulation, the
load a fleet carries, and the command's files and errors."""

from __future__ import annotations

import copy
import math

import pytest

from nvbench import plan
from nvbench.cli import default_scenario
from nvbench.plan.estimate import Figures
from nvbench.plan.search import _Judge
from nvbench.scenario.loader import from_dict, load

SLO = plan.Slo(p99_latency_ms=5.0, loss=0.001)


def nat_tenants(count: int = 6, rate: float = 100_000) -> dict:
    """The default scenario's NAT tenant, ``count`` times, on gateway VMs of one vCPU: the
    gateway is the bottleneck (NAT 14/5.9 x 2500 cycles a packet [S35] at 2.6 GHz: 438 kpps a
    vCPU), the vSwitches get cores enough not to be."""
    doc = load(default_scenario()).model_dump(mode="json")
    nat = next(n for n in doc["vm_networks"] if n["pattern"] == "nat")
    nets = []
    for k in range(count):
        n = copy.deepcopy(nat)
        n["name"] = f"nat{k}"
        n["subnets"][0]["vsid"] = 7000 + k
        n["gateway_subnet"]["vsid"] = 7100 + k
        n["public_addresses"] = [f"203.0.113.{100 + k}"]
        for i, vm in enumerate(n["vms"]):
            vm |= {"name": f"nat{k}-vm{i}", "subnet": 7000 + k}
        n["traffic"] = [{"rate_pps": rate, "sizes": 64}]
        nets.append(n)
    doc["vm_networks"] = nets
    doc["gateways"] = [g for g in doc["gateways"] if g["name"] == "mtgw01"]
    doc["gateways"][0]["vcpus"] = 1
    doc["gateway_hosts"] = [h for h in doc["gateway_hosts"] if h["name"] == "gwhost01"]
    for h in doc["hosts"] + doc["gateway_hosts"]:
        h["vswitch_cores"] = 8
    doc["run"] |= {"duration_s": 0.05, "warmup_s": 0.01}
    return doc


@pytest.mark.parametrize("text,expected", [
    ("p99_latency_ms<=5,loss<=0.001", plan.Slo(p99_latency_ms=5, loss=0.001)),
    (" loss <= 0 ", plan.Slo(loss=0.0)),
    ("p50_latency_ms<=1.5e0", plan.Slo(p50_latency_ms=1.5)),
])  # fmt: skip
def test_slo_strings(text, expected):
    assert plan.parse_slo(text) == expected


@pytest.mark.parametrize("text,fragment", [
    ("p99<=5", "METRIC one of p99_latency_ms"),
    ("p99_latency_ms<5", "is not METRIC<=NUMBER"),
    ("loss<=2", "loss is a fraction"),
    ("p99_latency_ms<=-1", "must be a finite number >= 0"),
    ("p99_latency_ms<=nan", "is not METRIC<=NUMBER"),
    ("", "no bound given"),
])  # fmt: skip
def test_bad_slo_strings(text, fragment):
    with pytest.raises(plan.SloError, match=fragment):
        plan.parse_slo(text)


def test_slo_meets():
    assert SLO.meets(1.0, 5.0, 0.001) and not SLO.meets(1.0, 5.01, 0.0)
    assert not SLO.meets(1.0, 1.0, 0.002) and not SLO.meets(0.0, math.inf, 0.0)


def test_candidates_deal_tenants_evenly_within_the_limit():
    assert plan.candidates(6) == [1, 2, 3, 6]
    assert plan.candidates(250) == [3, 4, 5, 6, 7, 8, 9, 10] + plan.candidates(250)[8:]
    assert all(-(-250 // g) <= 100 for g in plan.candidates(250))


def test_the_estimate_is_the_smallest_fleet_it_accepts():
    s = from_dict(nat_tenants(), "t")
    p = plan.Planner(s, SLO).plan()
    (a,) = p.answers
    # 6 x 100 kpps = 600 kpps on one 438 kpps vCPU fails; two gateway VMs of 300 kpps hold.
    assert a.gateway_vms_analytic == 2 and a.gateway_vms is None  # no runs asked for
    est = [x for x in p.points if x.question == "gateways"]
    assert [(x.gateway_vms, x.meets) for x in est] == [(1, False), (2, True)]
    assert a.gateway_hosts == 1 and a.public_ipv4 == 6  # both fit one 16-core host; 6 pools


@pytest.mark.slow  # many runs: minutes with the kernels as plain Python
def test_simulation_confirms_and_bisects(tmp_path):
    """The simulated answer meets the SLO, the next smaller layout does not; the largest
    load the fleet carries meets it and 5 % more does not."""
    s = from_dict(nat_tenants(), "t")
    p = plan.Planner(s, SLO, plan.simulator(None, seed=1)).plan()
    (a,) = p.answers
    sims = [x for x in p.points if x.method == "simulated"]
    fleet = {x.gateway_vms: x.meets for x in sims if x.question == "gateways"}
    assert fleet[a.gateway_vms] and not fleet[1]
    load = sorted((x.load_factor, x.meets) for x in sims if x.question == "load")
    assert (a.max_load, True) in load
    above = [k for k, ok in load if not ok and k > a.max_load]
    assert above and min(above) <= a.max_load * 1.05 + 1e-9
    assert all(not ok for k, ok in load if k > a.max_load)  # monotone in what it saw
    # One vCPU of 1.15 Mpps at 1.5 Mpps offered: the fleet carries about x0.75 by formula,
    # and the simulation (RSS over one core: no imbalance) agrees within 10 %.
    assert a.max_load_analytic == pytest.approx(0.75, rel=0.1)
    assert a.max_load == pytest.approx(a.max_load_analytic, rel=0.1)


@pytest.mark.slow  # many runs: minutes with the kernels as plain Python
def test_the_ipsec_core_is_the_s2s_limit():
    """One S2S tunnel is confined to one core, ~300 Mbit/s on WS2016 [S21][S23]: the plan's
    largest load for the default S2S tenant is near 300 Mbit/s of its IMIX, both ways."""
    s = load(default_scenario())
    p = plan.Planner(s, SLO, plan.simulator(0.3, seed=1)).plan(["s2s"])
    (a,) = p.answers
    mean_bits = (7 * 64 + 4 * 576 + 1500) / 12 * 8  # the simple IMIX
    mbps = a.offered_pps * a.max_load * mean_bits / 1e6
    assert 150 < mbps < 300
    assert a.max_load == pytest.approx(a.max_load_analytic, rel=0.25)


def test_a_clustered_gateway_counts_its_passive_partner():
    """failover.toml clusters its multi-tenant gateway (active/passive on two hosts [S40]):
    the plan's gateway VMs and hosts count the partner, the frontier steps by pairs."""
    s = load(default_scenario().with_name("failover.toml"))
    p = plan.Planner(s, SLO).plan(["nat"])
    (a,) = p.answers
    assert (a.gateway_vms_analytic, a.gateway_hosts, a.fleet_gateway_vms) == (2, 2, 2)
    assert [r["gateway_vms"] for r in p.frontier][:3] == [2, 4, 6]


@pytest.mark.slow  # many runs: minutes with the kernels as plain Python
def test_patterns_in_parallel_give_the_same_plan():
    """Each pattern is planned apart, with the scenario's seed: a pool of two processes
    returns the very plan one process does, in the scenario's order of patterns. (The
    forwarding patterns: a multi-tenant pattern's frontier search takes minutes here.)"""
    s = load(default_scenario())
    args = dict(duration_s=0.1, seed=3, replications=2)
    one = plan.plan(s, SLO, ["public_ip", "mpls"], workers=1, **args)
    two = plan.plan(s, SLO, ["public_ip", "mpls"], workers=2, **args)
    assert [a.pattern for a in two.answers] == ["mpls", "public_ip"]
    assert two.answers == one.answers and two.points == one.points
    assert two.frontier == one.frontier


def test_the_slo_is_judged_on_the_upper_end_of_the_interval():
    """A simulated point whose mean p99 meets the bound but whose interval reaches past it
    does not meet the SLO; the point records the mean, the upper end and the runs."""
    s = from_dict(nat_tenants(2), "t")
    given = {"f": Figures(1.0, 4.5, 0.0, 1.2, 5.5, 0.0, 3)}
    out = plan.Plan(SLO)
    judge = _Judge(plan.Planner(s, SLO, lambda _: given["f"]), "nat", out)
    assert not judge.simulated(s, "load")  # mean 4.5 ms <= 5, upper end 5.5 ms > 5
    given["f"] = Figures(1.0, 4.5, 0.0, 1.2, 4.9, 0.0009, 3)
    assert judge.simulated(s, "load")
    first, second = out.points
    assert (first.meets, second.meets) == (False, True)
    assert (first.p99_ms, first.p99_ms_ci_high, first.replications) == (4.5, 5.5, 3)


@pytest.mark.slow  # three scenario runs
def test_the_simulator_gives_the_mean_and_upper_end_of_its_replications():
    s = from_dict(nat_tenants(2, rate=300_000), "t")  # 600 kpps on a 438 kpps vCPU: losses
    f = plan.simulator(None, seed=1, replications=3)(s)
    assert f.replications == 3
    assert f.loss > 0 and f.loss_high is not None and f.loss_high > f.loss
    assert f.p99_ms_high is not None and f.p99_ms_high >= f.p99_ms
    assert f.judged() == (f.p50_ms_high, f.p99_ms_high, f.loss_high)
    text = plan.table(plan.Plan(SLO, points=[plan.Point("nat", "load", "simulated", 1, 1, 1.0,
                                                        f.p50_ms, f.p99_ms, f.loss, False,
                                                        replications=3)]))  # fmt: skip
    assert "run 3 times, judged on the upper end of the 95 % interval" in text


@pytest.mark.slow  # simulated plan runs
def test_the_simulated_frontier_meets_the_slo_when_run_again():
    """Each simulated frontier point, run again on the same seeds, meets the SLO on the
    upper ends of its intervals, and one tenant more does not: the table's simulated "max
    tenants" is the fleet's point."""
    from nvbench.plan.copies import copies
    from nvbench.plan.search import layout, only

    s = from_dict(nat_tenants(2), "t")
    evaluate = plan.simulator(None, seed=1, replications=2)
    p = plan.Planner(s, SLO, evaluate).plan()
    (answer,) = p.answers
    simulated = [r for r in p.frontier if r["tenants"] is not None]
    assert [r["active_gateway_vms"] for r in simulated] == [1]
    for r in simulated:
        x = layout(copies(only(s, "nat"), r["tenants"]), r["active_gateway_vms"])
        assert SLO.meets(*evaluate(x).judged())
        more = layout(copies(only(s, "nat"), r["tenants"] + 1), r["active_gateway_vms"])
        assert not SLO.meets(*evaluate(more).judged())
    assert answer.max_tenants == simulated[0]["tenants"]
