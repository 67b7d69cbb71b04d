"""docs/data.md documents every column of every typed table nvbench writes, and every
figure an element of the shipped scenarios reports."""

from __future__ import annotations

import re

import pytest

from nvbench import runner, sensitivity, validate
from nvbench.model.result import SCHEMAS
from nvbench.records import schema
from nvbench.scenario.loader import load
from tests.helpers import ROOT

DOC = (ROOT / "docs" / "data.md").read_text()
NAMED = set(re.findall(r"`([a-z_0-9]+)`", DOC))
TYPED = {
    "run": schema.runs({}), "patterns": schema.tenants({}), "series": schema.series({}),
    "plan": schema.fixed(schema.PLAN_COLUMNS),
    "plan_points": schema.fixed(schema.PLAN_POINT_COLUMNS),
    "frontier": schema.fixed(schema.FRONTIER_COLUMNS),
    "patterns_ci": schema.with_intervals(schema.TENANT_COLUMNS, schema.TENANT_MEASURED),
    "placements": schema.with_intervals(schema.PLACEMENT_COLUMNS, schema.PLACEMENT_MEASURED),
    "placement_runs": schema.placement_runs(),
    "validation": validate.SCHEMA, "sensitivity": sensitivity.SCHEMA, **SCHEMAS,
}  # fmt: skip


@pytest.mark.parametrize("table", sorted(TYPED))
def test_every_column_of_a_typed_table_is_documented(table):
    missing = [c for c in TYPED[table].names if c not in NAMED]
    assert missing == [], f"{table}: document {missing} in docs/data.md"


@pytest.mark.slow  # two scenario runs
@pytest.mark.parametrize("scenario", ["double_nat", "failover"])
def test_every_element_figure_is_documented(scenario):
    s = load(scenario)
    tables = runner.run(s, duration_s=0.3 if scenario != "failover" else 2.5).result.to_arrow()
    missing = [c for c in tables["elements"].column_names if c not in NAMED]
    assert missing == [], f"document {missing} in docs/data.md"
