"""Gateway placements: the same tenants, the multi-tenant gateways laid out differently."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nvbench.cli import main
from nvbench.patterns import placement
from nvbench.scenario.loader import ScenarioError, load, loads
from nvbench.scenario.schema import Placement

SHIPPED = Path(__file__).resolve().parents[2] / "nvbench" / "scenarios"


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


def test_compare_shows_placements_side_by_side(tmp_path, capsys):
    text = (SHIPPED / "default.toml").read_text() + (
        '\n[[placements]]\nname = "one"\ntenants_per_gateway = 3\n'
        '\n[[placements]]\nname = "split"\ntenants_per_gateway = 1\ngateway_vms_per_host = 1\n'
    )
    path = tmp_path / "p.toml"
    path.write_text(text)
    loads(text)  # valid
    out = tmp_path / "res"
    assert main(["compare", str(path), "--duration", "0.05", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {r["placement"]: r for r in doc["placements"]}
    # 3 multi-tenant tenants (S2S, NAT, RA); the 2 forwarding gateways on gwhost02 stay.
    assert (rows["one"]["gateway_vms"], rows["one"]["gateway_hosts"]) == (1 + 2, 1 + 1)
    assert (rows["split"]["gateway_vms"], rows["split"]["gateway_hosts"]) == (3 + 2, 3 + 1)
    assert pq.read_table(out / "placements.parquet").num_rows == 2
