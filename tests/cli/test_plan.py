"""`nvbench plan`: its tables, files and errors."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from nvbench.cli import default_scenario, main


def test_plan_command_writes_its_tables(tmp_path, capsys):
    out = tmp_path / "p"
    code = main(["plan", str(default_scenario()), "--slo", "p99_latency_ms<=5,loss<=0.001",
                 "--analytic-only", "--patterns", "nat,s2s", "--out", str(out)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "nat" in text and "s2s" in text and "mpls" not in text
    rows = pq.read_table(out / "plan.parquet").to_pylist()
    assert [r["pattern"] for r in rows] == ["s2s", "nat"]
    assert all(r["gateway_vms_analytic"] == 1 and r["gateway_vms"] is None for r in rows)
    frontier = pq.read_table(out / "frontier.parquet").to_pylist()
    assert {r["pattern"] for r in frontier} == {"s2s", "nat"}
    meta = pq.read_schema(out / "plan.parquet").metadata
    assert meta[b"slo"] == b"p99_latency_ms<=5,loss<=0.001"


@pytest.mark.parametrize("args,fragment", [
    (["--slo", "p99<=5"], "METRIC one of"),
    (["--slo", "loss<=0.01", "--patterns", "nat,carrier-pigeon"], "carrier-pigeon not among"),
])  # fmt: skip
def test_plan_command_errors(tmp_path, capsys, args, fragment):
    out = tmp_path / "p"
    assert main(["plan", str(default_scenario()), "--out", str(out), *args]) == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists()


def test_plan_command_bad_scenario(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    assert main(["plan", str(bad), "--slo", "loss<=0.01", "--out", str(tmp_path / "p")]) == 2
    assert "hosts" in capsys.readouterr().err and not (tmp_path / "p").exists()


def test_json_has_no_infinities(tmp_path, capsys):
    doc = tmp_path / "quiet.toml"
    text = default_scenario().read_text().replace("traffic = [{ rate_pps = 20000 }]\n", "")
    doc.write_text(text)
    code = main(["plan", str(doc), "--slo", "loss<=0.01", "--analytic-only", "--json",
                 "--patterns", "nat", "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 0
    import json

    (a,) = json.loads(capsys.readouterr().out, parse_constant=lambda c: 1 / 0)["answers"]
    assert a["note"].startswith("no traffic") and a["max_load_analytic"] is None
