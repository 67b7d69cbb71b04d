"""docs/tutorial.md runs as written: every `nvbench` command of its shell blocks, in order,
in a new folder, each file its TOML blocks name written first where the page shows it."""

from __future__ import annotations

import re
import shlex

import pytest

from nvbench.cli import main
from tests.helpers import ROOT

BLOCK = re.compile(r"```(sh|toml)\n(.*?)```", re.DOTALL)


def steps() -> list[tuple[str, str]]:
    return BLOCK.findall((ROOT / "docs" / "tutorial.md").read_text())


def test_the_tutorial_has_commands_and_files():
    kinds = [kind for kind, _ in steps()]
    assert kinds.count("toml") == 1 and kinds.count("sh") >= 5


@pytest.mark.slow  # two comparisons, an 18-run sweep, a plan, four reports
def test_the_tutorial_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ran = []
    for kind, body in steps():
        if kind == "toml":
            name = re.match(r"# (\S+\.toml)\n", body).group(1)
            (tmp_path / name).write_text(body)
            continue
        for line in body.splitlines():
            if line.startswith("nvbench "):
                assert main(shlex.split(line)[1:]) == 0, line
                ran.append(line)
    capsys.readouterr()
    assert len(ran) == 9
    for folder in ("first", "load", "plan"):
        assert (tmp_path / "results" / folder / "report.html").exists()
    assert {p.name for p in (tmp_path / "results" / "load").glob("*.png")} >= {
        "throughput.png", "latency.png", "loss.png"}  # fmt: skip
