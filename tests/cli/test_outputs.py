"""Nothing overwritten silently: a command writes a new folder each time, or refuses an
earlier run's folder without --force (which deletes only nvbench's own files); a capture
is not written over; a sweep resumes only with the sweep file that began it."""

from __future__ import annotations

import pytest

from nvbench.cli import main
from tests.helpers import SHIPPED
from tests.sweep.files import _file


def _earlier_run(folder):
    folder.mkdir(parents=True)
    for name in ("run.parquet", "report.html", "run.png"):
        (folder / name).write_bytes(b"an earlier run's")


@pytest.mark.parametrize("argv", [
    ["compare", "--duration", "0.05"],
    ["plan", str(SHIPPED / "nat.toml"), "--slo", "loss<=0.01", "--analytic-only"],
    ["validate", "--profile", "ws2016"],
])  # fmt: skip
def test_an_earlier_runs_folder_is_refused_before_any_work(argv, tmp_path, capsys):
    out = tmp_path / "out"
    _earlier_run(out)
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds 3 file(s) of an earlier run" in err and "--force" in err
    assert sorted(p.read_bytes() for p in out.iterdir()) == [b"an earlier run's"] * 3


def test_force_deletes_only_nvbench_files(tmp_path, capsys):
    out = tmp_path / "out"
    _earlier_run(out)
    (out / "notes.txt").write_text("mine")
    argv = ["plan", str(SHIPPED / "nat.toml"), "--slo", "loss<=0.01", "--analytic-only"]
    assert main([*argv, "--out", str(out), "--force"]) == 2
    assert "holds what nvbench does not write (notes.txt)" in capsys.readouterr().err
    assert len(list(out.iterdir())) == 4  # nothing deleted
    (out / "notes.txt").unlink()
    assert main([*argv, "--out", str(out), "--force"]) == 0
    names = {p.name for p in out.iterdir()}
    assert "report.html" not in names and "run.png" not in names  # the old report is gone
    assert names == {"plan.parquet", "plan_points.parquet", "frontier.parquet"}


def test_without_out_each_run_gets_a_new_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["plan", str(SHIPPED / "nat.toml"), "--slo", "loss<=0.01", "--analytic-only"]
    assert main(argv) == 0 and main(argv) == 0
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert len(folders) == 2 and all(f.startswith("nat-plan-") for f in folders)
    assert all(any((tmp_path / "results" / f).glob("*.parquet")) for f in folders)


@pytest.mark.slow  # a capture run
def test_a_capture_is_not_written_over(tmp_path, capsys):
    path = tmp_path / "c.pcapng"
    path.write_bytes(b"mine")
    argv = ["pcap", str(SHIPPED / "nat.toml"), str(path), "--packets", "10"]
    assert main(argv) == 2
    assert "exists; give another name, or --force" in capsys.readouterr().err
    assert path.read_bytes() == b"mine"
    assert main([*argv, "--force"]) == 0 and path.read_bytes() != b"mine"


@pytest.mark.slow  # a sweep
def test_resume_refuses_another_sweep_file(tmp_path, capsys):
    out = tmp_path / "sweep"
    first = _file(tmp_path)
    assert main(["sweep", str(first), "--workers", "1", "--out", str(out)]) == 0
    edited = _file(tmp_path, first.read_text().replace("seed = 7", "seed = 8"), "t.toml")
    assert main(["sweep", str(edited), "--out", str(out), "--resume"]) == 2
    assert "holds the runs of another sweep file" in capsys.readouterr().err
    assert main(["sweep", str(first), "--out", str(out), "--resume"]) == 0  # its own: fine
