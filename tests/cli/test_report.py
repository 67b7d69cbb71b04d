"""nvbench report: a run, a sweep and a plan directory each become one self-contained
report.html plus PNG plots; a directory with none of them is a clear error."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from matplotlib.image import imread
from PIL import Image

from nvbench.cli import default_scenario, main
from nvbench.report import curves, figures
from nvbench.report.sources import read

# Scenario runs: minutes with the kernels as plain Python (CI's NUMBA_DISABLE_JIT pass
# skips slow cases; the compiled pass runs them).
pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n"


def _check_page(root: Path, expected: set[str]) -> str:
    page = (root / "report.html").read_text()
    srcs = re.findall(r'<img alt="(\w+)" src="([^"]+)"', page)
    assert {name for name, _ in srcs} == expected
    for name, src in srcs:  # embedded, and the same bytes as the PNG file beside it
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png.startswith(PNG) and png == (root / f"{name}.png").read_bytes()
        assert imread(root / f"{name}.png").shape[0] > 100  # a real image, decoded
    assert not re.search(r'(src|href)="(http|/|\.\./)', page)  # nothing outside the file
    return page


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main(["run", str(default_scenario()), "--duration", "0.2", "--out", str(out)]) == 0
    return out


def _png(path: Path) -> dict:
    """What a PNG says of itself (its text chunks): title and panels, read back from the
    file."""
    text = Image.open(path).text
    return {"title": text["Title"], **json.loads(text["Description"])}


def test_a_run(run_dir, capsys):
    assert main(["report", str(run_dir)]) == 0
    page = _check_page(run_dir, {"throughput", "latency", "ipv4"})
    assert "Not in this directory: it needs a plan directory" in page  # no frontier
    for p in figures.PATTERNS:
        assert f"<td>{p}</td>" in page


def test_the_ipv4_bill_is_the_scenarios(run_dir):
    """From default.toml itself: S2S and remote access share mtgw01's front end (1 each),
    MPLS none, the NAT pool 1 address, public IP 2 VMs with an address each."""
    ax = figures.ipv4(read(run_dir)).axes[0]
    bars = zip(ax.get_xticklabels(), ax.patches, strict=True)
    heights = {t.get_text(): p.get_height() for t, p in bars}
    assert heights == {"s2s": 1, "mpls": 0, "nat": 1, "public_ip": 2, "remote_access": 1}


def test_a_runs_bars_have_the_replications_intervals(run_dir):
    """One bar per VM network (p50 and p99), each with its 95 % interval over the five
    replications, on linear axes with units; the PNG says so of itself."""
    assert main(["report", str(run_dir)]) == 0
    png = _png(run_dir / "latency.png")
    (panel,) = png["panels"]
    assert png["title"] == "Latency per VM network (5 replications)"
    assert (panel["ylabel"], panel["yscale"], panel["series"]) == ("latency (ms)", "linear", 2)
    fig = figures.latency(read(run_dir))
    (p99,) = [c for c in fig.axes[0].containers if c.get_label() == "p99"]
    assert len(p99.patches) == 5
    rows = pq.read_table(run_dir / "patterns_ci.parquet").to_pylist()
    tops = sorted(b.get_height() for b in p99.patches)
    assert tops == pytest.approx(sorted(r["latency_p99_ms"] for r in rows))
    assert p99.errorbar is not None  # the intervals drawn


def test_a_sweep_over_load_and_vcpus_shows_both_with_error_bars(tmp_path):
    """The sweep's rate on x, one panel per vCPU count, one line per VM network with the
    interval over its two replications; nothing averaged away."""
    sweep = tmp_path / "s.toml"
    sweep.write_text('scenario = "default"\nseed = 2\nreplications = 2\nduration_s = 0.1\n'
                     '[[grid]]\npath = "vm_networks[0].traffic[0].rate_pps"\n'
                     'values = [20000, 150000]\n[[grid]]\npath = "gateways[0].vcpus"\n'
                     'values = [2, 8]\n')  # fmt: skip
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--workers", "2", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    _check_page(out, {"throughput", "latency", "loss", "ipv4"})
    for name in ("throughput", "latency", "loss"):
        png = _png(out / f"{name}.png")
        assert [p["title"] for p in png["panels"]] == ["gateways[0].vcpus = 2",
                                                       "gateways[0].vcpus = 8"]  # fmt: skip
        for panel in png["panels"]:
            assert panel["xlabel"] == "vm_networks[0].traffic[0].rate_pps (kpackets/s)"
            assert panel["xscale"] == panel["yscale"] == "linear"
            # five VM networks (and the diagonal delivered = offered on the throughput)
            assert panel["series"] == 5 + (name == "throughput")
    # At 150 kpps of IMIX the S2S tunnel's one core (~300 Mbit/s [S21]) delivers less than
    # is offered; at 20 kpps everything: the plotted line says so, with its interval.
    src = read(out)
    axes = curves.layout(src.tenants, src.swept)
    rows = [r for r in src.tenants if r["gateways_0_vcpus"] == 8]
    (s2s,) = [ln for ln in curves.lines(rows, axes.x, lambda r: r["delivered_pps"])
              if ln.pattern == "s2s"]  # fmt: skip
    (low, high) = s2s.points
    assert (low.x, high.x) == (20000, 150000)
    assert low.mean == pytest.approx(20000, rel=0.1) and high.mean < 120000
    assert low.low is not None and low.low < low.mean < low.high  # two replications
    fig = figures.throughput(src)
    bars = [c for c in fig.axes[0].containers if c.get_label().startswith("s2s")]
    assert bars and bars[0].has_yerr


def test_a_timeline_marks_the_failure_and_the_takeover(tmp_path):
    doc = tmp_path / "fo.toml"
    text = (default_scenario().parent / "failover.toml").read_text()
    doc.write_text(text.replace("[run]\n", "[run]\nseries_interval_ms = 100\n", 1))
    out = tmp_path / "out"
    args = ["run", str(doc), "--duration", "8", "--replications", "1", "--out", str(out)]
    assert main(args) == 0
    assert main(["report", str(out)]) == 0
    png = _png(out / "timeline.png")
    assert png["title"] == "Over time: each gateway VM (the first replication)"
    assert [p["ylabel"] for p in png["panels"]] == ["delivered (Mbit/s)", "dropped (packets/s)",
                                                    "inside (packets)"]  # fmt: skip
    assert png["panels"][-1]["xlabel"] == "simulated time (s)"
    gateways = {e["name"] for e in pq.read_table(out / "elements.parquet").to_pylist()
                if e["kind"] == "gateway"}  # fmt: skip
    assert all(p["series"] == len(gateways) == 4 for p in png["panels"])  # passive one too
    ax = figures.timeline(read(out)).axes[0]
    marks = {round(x, 3) for ln in ax.get_lines() if ln.get_label().startswith("_")
             for x in ln.get_xdata()}  # fmt: skip
    events = pq.read_table(out / "events.parquet").to_pylist()
    assert {"down", "takeover"} <= {e["kind"] for e in events}
    assert marks == {round(e["t_ns"] / 1e9, 3) for e in events}
    # mtgw01 delivers until it fails, its partner after the takeover
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    down = next(e["t_ns"] for e in events if e["kind"] == "down") / 1e9
    t, mbps = lines["mtgw01"].get_data()
    assert max(m for s, m in zip(t, mbps, strict=True) if s > down + 0.2) == 0
    t, mbps = lines["mtgw02"].get_data()
    assert mbps[-1] > 100


def test_a_plan(tmp_path):
    out = tmp_path / "plan"
    assert main(["plan", str(default_scenario()), "--slo", "p99_latency_ms<=5",
                 "--analytic-only", "--out", str(out)]) == 0  # fmt: skip
    assert main(["report", str(out)]) == 0
    page = _check_page(out, {"latency", "loss", "ipv4", "frontier"})
    assert "p99_latency_ms&lt;=5" in page  # the SLO, from the files' provenance


def test_nothing_to_report(tmp_path, capsys):
    (tmp_path / "junk.txt").write_text("x")
    assert main(["report", str(tmp_path)]) == 2
    assert "holds no nvbench run" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.txt"]
    assert main(["report", str(tmp_path / "absent")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_compare_placements_are_tabled(tmp_path):
    doc = tmp_path / "two.toml"
    doc.write_text(default_scenario().read_text() + '\n[[placements]]\nname = "packed"\n'
                   'gateway_vms_per_host = 2\n[[placements]]\nname = "clustered"\n'
                   "clustered = true\n")  # fmt: skip
    out = tmp_path / "out"
    assert main(["compare", str(doc), "--duration", "0.1", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = _check_page(out, {"throughput", "latency", "ipv4"})
    table = page.split("Gateway placements")[1]
    assert "<td>packed</td>" in table and "<td>clustered</td>" in table
    # 3 multi-tenant VM networks fit one gateway VM, beside the 2 forwarding gateways;
    # clustered, that gateway gets a passive partner
    rows = {r["placement"]: r for r in read(out).placements}
    assert (rows["packed"]["gateway_vms"], rows["clustered"]["gateway_vms"]) == (3, 4)


def test_a_sweeps_failed_points_are_named(tmp_path):
    from nvbench.records.dataset import Dataset

    sweep = tmp_path / "s.toml"
    sweep.write_text('scenario = "nat"\nduration_s = 0.05\n[[grid]]\n'
                     'path = "vm_networks[0].traffic[0].rate_pps"\nvalues = [1000]\n')  # fmt: skip
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--workers", "1", "--out", str(out)]) == 0
    Dataset(out).write_failure("deadbeef", {"vm_networks[0].traffic[0].rate_pps": 9}, "boom")
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "1 failed run(s)" in page and "<td>deadbeef</td>" in page and "boom" in page


def test_a_validation(tmp_path, capsys):
    """nvbench validate's table: each row's verdict in the page, and the bars of simulated
    over published (a PASS, a FAIL, a calibrated row; no bar without a figure)."""
    from nvbench import validate as V

    rows = [V.Row("a", "one", "Mbit/s", 290, "S21/x", 300, "calibration", "gw saturated"),
            V.Row("b", "two", "Mbit/s", 5200, "S22/y", 5000, "validation", "gw limit"),
            V.Row("c", "three", "Mbit/s", 9000, "S22/z", 5000, "validation", "nic"),
            V.Row("d", "four", "Mbit/s", 9566)]  # fmt: skip
    V.write("ws2019", rows, tmp_path)
    assert main(["report", str(tmp_path)]) == 0
    page = _check_page(tmp_path, {"validation"})
    for verdict in ("PASS", "FAIL", "calibrated: reproduces its input", "no published figure"):
        assert f"<td>{verdict}</td>" in page
    assert "nvbench validation report: ws2019" in page
    ax = figures.validation(read(tmp_path)).axes[0]
    widths = [round(p.get_width(), 3) for p in ax.patches if p.get_height() < 1]
    assert sorted(widths) == sorted([round(290 / 300, 3), 1.04, 1.8])
