"""Bad scenario files: each problem named by key path, value and what is allowed; all at
once; exit status 2 from the command line; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from nvbench.scenario.loader import ScenarioError, load
from tests.scenario.files import BAD, _expected


def test_there_are_at_least_25_bad_files():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_reports_each_problem(path):
    with pytest.raises(ScenarioError) as e:
        load(path)
    problems = e.value.problems
    for want in _expected(path):
        assert any(want in p for p in problems), f"{want!r} not among {problems}"


def test_every_problem_at_once():
    path = Path(__file__).parent / "bad" / "s2s_on_forwarding_gateway.toml"
    with pytest.raises(ScenarioError) as e:
        load(path)
    assert len(e.value.problems) >= 3
