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


def test_the_sweep_schema_describes_every_field(capsys):
    """`nvbench schema --sweep`: the sweep file's keys, each with words, and the README's
    example sweep file valid under it (checked by the loader that uses the same model)."""
    assert main(["schema", "--sweep"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False and schema["required"] == ["scenario"]
    assert set(schema["properties"]) == {"scenario", "replications", "seed", "duration_s",
                                         "grid", "zip", "random", "samples"}  # fmt: skip
    models = [schema, *schema["$defs"].values()]
    for model in models:
        assert model["description"]
        for name, field in model["properties"].items():
            assert field.get("description"), name
