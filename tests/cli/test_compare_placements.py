"""`nvbench compare` on a scenario with gateway placements."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from nvbench.cli import main
from nvbench.scenario.loader import loads
from tests.helpers import SHIPPED


@pytest.mark.slow  # a scenario run: slow with the kernels as plain Python
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
