"""Gateway placements: the same tenants, the multi-tenant gateways laid out differently."""

from __future__ import annotations

import math

import pytest

from nvbench.patterns import placement
from nvbench.scenario.loader import ScenarioError, load
from nvbench.scenario.schema import Placement
from tests.helpers import SHIPPED


@pytest.mark.parametrize(
    "p",
    [Placement(name="a"), Placement(name="b", gateway_vms_per_host=4, vcpus=4),
     Placement(name="c", tenants_per_gateway=100), Placement(name="d", clustered=True),
     Placement(name="e", tenants_per_gateway=30, gateway_vms_per_host=1, shared_nics=False)],
    ids=lambda p: p.name,
)  # fmt: skip
def test_counts_follow_from_the_placement(p):
    s = load(SHIPPED / "hosting.toml")
    tenants = sum(n.pattern in placement.MULTI_TENANT for n in s.vm_networks)
    v = placement.apply(s, p)
    active = math.ceil(tenants / p.tenants_per_gateway)
    sides = 2 if p.clustered else 1
    assert len(v.gateways) == active * sides
    assert placement.gateway_hosts_used(v) == math.ceil(active / p.gateway_vms_per_host) * sides
    per_gateway = [sum(n.gateway == g.name for n in v.vm_networks) for g in v.gateways
                   if g.role == "active"]  # fmt: skip
    assert max(per_gateway) <= p.tenants_per_gateway and sum(per_gateway) == tenants
    new_hosts = [h for h in v.gateway_hosts if h.name.startswith(f"{p.name}-")]
    assert {h.shared_nics for h in new_hosts} == {p.shared_nics}


def test_a_placement_may_not_overcommit_the_host():
    s = load(SHIPPED / "hosting.toml")
    with pytest.raises(ScenarioError) as e:
        placement.apply(s, Placement(name="x", gateway_vms_per_host=4, vcpus=8))
    assert any("32 vCPUs, more than its 16 cores" in p for p in e.value.problems)
