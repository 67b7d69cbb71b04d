"""docs/sources.md resolves every [S..] id that the code, the profiles, the shipped
scenarios and the docs cite (issue 15: the schema's citations pointed to nothing shipped)."""

from __future__ import annotations

import json
import re

from nvbench.scenario.schema import Scenario
from tests.helpers import ROOT

CITED = re.compile(r"\[(S\d+)\]")


def _listed() -> set[str]:
    text = (ROOT / "docs" / "sources.md").read_text()
    return set(re.findall(r"^\| (S\d+) \|", text, flags=re.MULTILINE))


def test_every_cited_source_is_listed():
    files = [*(ROOT / "nvbench").rglob("*.py"), *(ROOT / "nvbench").rglob("*.toml"),
             *(ROOT / "docs").glob("*.md"), ROOT / "README.md"]  # fmt: skip
    cited = {(m, f.relative_to(ROOT).as_posix()) for f in files
             for m in CITED.findall(f.read_text())}  # fmt: skip
    missing = sorted(where for s, where in cited if s not in _listed())
    assert cited and missing == []


def test_the_schemas_citations_are_listed():
    cited = set(CITED.findall(json.dumps(Scenario.model_json_schema())))
    assert cited <= _listed()


def test_a_source_has_an_address():
    for line in (ROOT / "docs" / "sources.md").read_text().splitlines():
        if re.match(r"^\| S\d+ \|", line):
            assert re.search(r"https?://|doi:|RFC \d+|MicrosoftDocs/|TechNet", line), line
