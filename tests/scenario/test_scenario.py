"""Good scenarios: defaults filled, frozen, the connection string parsed, the schema."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nvbench.scenario import connection, rules
from nvbench.scenario.loader import load
from tests.helpers import DEFAULT


def test_default_scenario_loads_with_defaults_filled_and_frozen():
    s = load(DEFAULT)
    assert {n.pattern for n in s.vm_networks} == {
        "s2s",
        "mpls",
        "nat",
        "public_ip",
        "remote_access",
    }
    assert s.hosts[0].offload is True and s.gateways[0].vcpus == 8  # defaults
    assert s.vm_networks[0].site.suite == "aes-gcm-128"
    with pytest.raises(ValidationError):
        s.run.seed = 2  # frozen


def test_connection_string_as_scvmm_takes_it():
    text = (
        "VMHost=EdgeCluster01.contoso.com;GatewayVM=GWCluster01.contoso.com;"
        'BackEndSwitch="ESU Switch";DirectRoutingMode=true;FrontEndServerAddress=10.10.0.4'
    )
    c, problems = connection.parse(text)
    assert problems == [] and c is not None
    assert (c.vm_host, c.gateway_vm, c.back_end_switch) == (
        "EdgeCluster01.contoso.com",
        "GWCluster01.contoso.com",
        "ESU Switch",
    )
    assert c.direct_routing and c.front_end_address == "10.10.0.4"
    assert c.max_vm_networks == 50  # the default [S16]


@pytest.mark.parametrize("text,fragment", [
    ("VMHost=a;GatewayVM=b;MaxVMNetworksSupported=101", "must be 1..100"),
    ("VMHost=a;GatewayVM=b;MaxVMNetworksSupported=100", None),
    ("VMHost=a", "GatewayVM is required"),
    ("VMHost=a;GatewayVM=b;DirectRoutingMode=maybe", "true or false"),
    ("VMHost=a;GatewayVM=b;VPNServerAddress=300.1.1.1", "must be an IPv4 address"),
    ("vmhost=a;GATEWAYVM=b;vmhost=c", "VMHost is given twice"),
])  # fmt: skip
def test_connection_string_rules(text, fragment):
    c, problems = connection.parse(text)
    if fragment is None:
        assert problems == [] and c is not None and c.max_vm_networks == 100
    else:
        assert c is None and any(fragment in p for p in problems), problems


def test_gateway_limits_follow_the_published_table():
    assert rules.LIMITS[False] == {
        "s2s_connections": 200,
        "routing_domains": 100,
        "virtual_subnets": 500,
    }
    assert rules.LIMITS[True] == {
        "s2s_connections": 0,
        "routing_domains": 1,
        "virtual_subnets": 500,
    }


def test_cipher_suites_match_the_fast_path():
    from typing import get_args

    from nvbench.fastpath.sa import SUITES
    from nvbench.scenario.schema import Suite

    assert set(get_args(Suite)) == {s.name for s in SUITES}
