"""What the commands share: loading a scenario (its problems printed), progress bars on
stderr, the default scenario."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


def stderr_console():
    """A rich console on stderr: rich draws on stdout by default, which holds the results."""
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def progress(enabled: bool):
    """A rich progress bar on stderr over a command's runs when it is a terminal; else
    nothing. ``tick(fraction done, what is running)``."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("simulating"), BarColumn(), TextColumn("{task.fields[at]}"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=stderr_console(), transient=True) as bar:
        task = bar.add_task("run", total=1.0, at="")

        def tick(fraction: float, what: str) -> None:
            bar.update(task, completed=fraction, at=what)

        yield tick


def say_if_compiling() -> None:
    """On a first run, say why nothing seems to happen for a minute or two."""
    from nvbench.config import kernels_cached

    if not kernels_cached():
        print("nvbench: compiling the fast-path kernels (first run only: numba keeps them "
              "on disk, later runs start in a second); this takes a minute or two",
              file=sys.stderr, flush=True)  # fmt: skip


def load(path: str):
    """The scenario, or None after printing every problem to stderr."""
    from nvbench.scenario.loader import ScenarioError, load
    from nvbench.scenario.rules import warnings

    try:
        scenario = load(path)
    except ScenarioError as e:
        print(f"nvbench: {e.source}: {len(e.problems)} problem(s)", file=sys.stderr)
        for problem in e.problems:
            print(f"  {problem}", file=sys.stderr)
        return None
    for key, message in warnings(scenario):
        print(f"nvbench: warning: {path}: {key}: {message}", file=sys.stderr)
    return scenario


def default_scenario() -> Path:
    return Path(__file__).resolve().parents[1] / "scenarios" / "default.toml"


@contextmanager
def sweep_progress(enabled: bool):
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[failed]} failed"), TimeRemainingColumn(),
                  console=stderr_console(), transient=True) as bar:  # fmt: skip
        task = bar.add_task("sweep", total=None, failed=0)

        def tick(done: int, failed: int, total: int) -> None:
            bar.update(task, completed=done, total=total, failed=failed)

        yield tick


# -- numeric options ---------------------------------------------------------------------


def number(kind: type, low: float, strict: bool) -> Callable[[str], float]:
    """An argparse type: a finite ``kind`` (int or float) at least ``low`` (above it if
    ``strict``); anything else is refused with exit status 2 and a message saying what is
    allowed."""
    bound = f"> {low:g}" if strict else f">= {low:g}"
    what = f"{'an integer' if kind is int else 'a finite number'} {bound}"

    def parse(text: str) -> float:
        try:
            x = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
        if not math.isfinite(x) or x < low or (strict and x == low):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return x

    return parse


POSITIVE = number(float, 0, strict=True)
COUNT = number(int, 1, strict=False)
SEED = number(int, 0, strict=False)


def usable(args: argparse.Namespace, scenario) -> bool:
    """Whether ``args`` can be run on ``scenario``: its ``--pattern`` is one of the
    scenario's, its ``--duration`` covers two quanta (one of warm-up at least, one measured).
    Prints what is wrong, and a warning when the warm-up must be cut to half the run."""
    ok = True
    pattern = getattr(args, "pattern", None)
    if pattern and pattern not in {n.pattern for n in scenario.vm_networks}:
        print(f"nvbench: --pattern {pattern}: no VM network of {scenario.name} uses it; "
              f"its patterns: {', '.join(sorted({n.pattern for n in scenario.vm_networks}))}",
              file=sys.stderr)  # fmt: skip
        ok = False
    duration = getattr(args, "duration", None)
    quantum_s = scenario.run.quantum_ms / 1e3
    if duration is not None and duration < 2 * quantum_s:
        print(f"nvbench: --duration {duration:g}: at least two quanta of the scenario "
              f"(run.quantum_ms = {scenario.run.quantum_ms:g}): {2 * quantum_s:g} s or more",
              file=sys.stderr)  # fmt: skip
        ok = False
    elif duration is not None and scenario.run.warmup_s > duration / 2:
        print(f"nvbench: warning: --duration {duration:g}: the warm-up (run.warmup_s = "
              f"{scenario.run.warmup_s:g} s) is cut to half the run, {duration / 2:g} s",
              file=sys.stderr)  # fmt: skip
    return ok


# -- where a command writes ----------------------------------------------------------------

ARTIFACTS = (".parquet", ".png", ".html", ".json")  # what run, compare, plan, validate and
# report write into a folder


def output_folder(out: str | None, default: str, force: bool) -> Path | None:
    """Where a command writes its tables: ``out``, or a new folder
    ``results/<default>-<UTC time>`` (never one of an earlier run). An ``out`` holding
    files is refused unless ``force``, which first removes nvbench's files from it (a folder
    holding anything else is refused even so: nothing but nvbench's files is deleted).
    None after saying why."""
    if out is None:
        base = Path("results") / f"{default}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
        folder, k = base, 1
        while folder.exists():  # two runs in one second
            k += 1
            folder = base.with_name(f"{base.name}-{k}")
        return folder
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        return _refuse(f"--out {out}: is a file, not a folder")
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    if entries and not force:
        return _refuse(f"--out {out}: holds {len(entries)} file(s) of an earlier run; give "
                       "another folder, or --force to replace them")  # fmt: skip
    foreign = [e.name for e in entries if e.is_dir() or e.suffix not in ARTIFACTS]
    if foreign:
        return _refuse(f"--out {out}: holds what nvbench does not write ({', '.join(foreign[:5])})"
                       "; --force deletes only nvbench's files: give another folder")  # fmt: skip
    for e in entries:
        e.unlink()
    return folder


def output_file(out: str, force: bool) -> Path | None:
    """A file a command writes (a capture): refused if it exists, unless ``force``."""
    path = Path(out)
    if path.is_dir():
        return _refuse(f"{out}: is a folder, not a file")
    if path.exists() and not force:
        return _refuse(f"{out}: exists; give another name, or --force to replace it")
    return path


def _refuse(message: str) -> Path | None:
    """None, after printing ``message``: what the output functions return for a refusal."""
    print(f"nvbench: {message}", file=sys.stderr)
    return None
