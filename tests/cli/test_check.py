"""`nvbench check` and `nvbench schema`: exit codes and messages."""

from __future__ import annotations

import pytest

from nvbench.cli import main
from tests.scenario.files import BAD, _expected


@pytest.mark.parametrize("path", BAD[:8], ids=[p.stem for p in BAD[:8]])
def test_check_exits_2_and_writes_nothing(path, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    for want in _expected(path):
        assert want in err
    assert list(tmp_path.iterdir()) == []


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
