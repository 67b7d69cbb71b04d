"""`nvbench check` and `nvbench schema` on the default scenario."""

from __future__ import annotations

import json

from nvbench.cli import main
from tests.helpers import DEFAULT


def test_check_and_schema_commands(capsys):
    assert main(["check", str(DEFAULT)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["check", "--json", str(DEFAULT)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["run"]["quantum_ms"] == 10 and len(doc["vm_networks"]) == 5
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert "vm_networks" in schema["required"]
    assert schema["$defs"]["Subnet"]["properties"]["vsid"]["minimum"] == 4096
