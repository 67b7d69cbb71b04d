"""Bad scenario files: each problem named by key path, value and what is allowed; all at
once; exit status 2 from the command line; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from nvbench.cli import main
from nvbench.scenario.loader import ScenarioError, load

BAD = sorted((Path(__file__).parent / "bad").glob("*.toml"))


def _expected(path: Path) -> list[str]:
    return [line.removeprefix("# expect: ").rstrip("\n") for line in path.open()
            if line.startswith("# expect: ")]  # fmt: skip


def test_there_are_at_least_25_bad_files():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_reports_each_problem(path):
    with pytest.raises(ScenarioError) as e:
        load(path)
    problems = e.value.problems
    for want in _expected(path):
        assert any(want in p for p in problems), f"{want!r} not among {problems}"


@pytest.mark.parametrize("path", BAD[:8], ids=[p.stem for p in BAD[:8]])
def test_check_exits_2_and_writes_nothing(path, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    for want in _expected(path):
        assert want in err
    assert list(tmp_path.iterdir()) == []


def test_every_problem_at_once():
    path = Path(__file__).parent / "bad" / "s2s_on_forwarding_gateway.toml"
    with pytest.raises(ScenarioError) as e:
        load(path)
    assert len(e.value.problems) >= 3


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
