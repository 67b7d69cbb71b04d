"""`nvbench sweep`: the errors a user sees for bad sweep files and Dask addresses."""

from __future__ import annotations

import pytest

from nvbench import sweep
from nvbench.cli import main
from nvbench.scenario.loader import ScenarioError
from tests.sweep.files import B, _file

TWO_ZIPS = B + '[[zip]]\npath = "gateways[0].queue_packets"\nvalues = [1, 2, 3]\n'


BAD = [
    (B.replace('rate_pps"', 'rate"'), "grid[0].path: 'vm_networks[2].traffic[0].rate'"),
    (B.replace("values = [10000, 40000]", "values = []"), "grid[0].values"),
    (B.replace("replications = 2", 'replications = "two"'), "replications: 'two'"),
    (TWO_ZIPS, "zip axes must have equal lengths"),
    (B.replace("seed = 7", "seed = 7\ncolour = 1"), "unknown key 'colour'"),
    (B.replace("values = [10000, 40000]", "values = [-5]"), "point 0"),
    (B + '[[random]]\npath = "run.seed"\nlow = 1\nhigh = 9\n', "random axes and samples"),
]


@pytest.mark.parametrize("text,fragment", BAD)
def test_bad_sweep_files(tmp_path, capsys, text, fragment):
    f = _file(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        sweep.load_sweep(f)
    assert any(fragment in p for p in e.value.problems), e.value.problems
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out)]) == 2
    assert fragment.split(":")[0] in capsys.readouterr().err
    assert not out.exists()


def test_bad_dask_addresses_are_clear_errors(tmp_path, capsys):
    f = _file(tmp_path)
    assert main(["sweep", str(f), "--dask", "local:many", "--out", str(tmp_path / "a")]) == 2
    assert "local:N needs a number" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
