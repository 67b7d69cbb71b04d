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


# A field named with a unit says the unit in its description too.
UNITS = {"_s": "second", "_ms": "millisecond", "_gbps": "Gbit/s", "_ghz": "GHz",
         "_pps": "per second", "_timeout": "Seconds"}  # fmt: skip


def test_every_scenario_field_is_described_with_its_unit(capsys):
    """`nvbench schema`: each key of a scenario file has words (for an editor's hover), a
    key named with a unit says it, and the [S..] sources it cites are in docs/sources.md
    (tests/unit/test_sources_doc.py)."""
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    models = {"Scenario": schema, **schema["$defs"]}
    checked = 0
    for model, body in models.items():
        for name, field in body.get("properties", {}).items():
            words = field.get("description", "")
            assert words, f"{model}.{name} has no description"
            for suffix, unit in UNITS.items():
                if name.endswith(suffix):
                    assert unit.lower() in words.lower(), f"{model}.{name}: {words!r}"
                    checked += 1
    assert checked >= 15
