"""`nvbench sweep --dask`: an unreachable scheduler is a clear error."""

from __future__ import annotations

import pytest

from nvbench.cli import main
from tests.sweep.files import _file


@pytest.mark.slow  # waits for a connection timeout
def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    f = _file(tmp_path)
    assert main(["sweep", str(f), "--dask", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--dask tcp://127.0.0.1:9" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
