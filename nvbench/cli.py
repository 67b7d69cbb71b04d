"""The nvbench command line: a thin shell over the library."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from nvbench import __version__, calibrate, workloads
from nvbench.patterns.table import NAMES

PATTERNS = NAMES


def _calibrate(args: argparse.Namespace) -> int:
    say = None if args.json else (lambda f: print(calibrate.table([f]).splitlines()[1], flush=True))
    if not args.json:
        print(calibrate.table([]), flush=True)
    figures = calibrate.run(
        kernels=args.kernel or workloads.KERNELS,
        batch=args.batch,
        repeats=args.repeats,
        progress=say,
    )
    if args.write_profile:
        hz = args.clock_hz or calibrate.clock_hz()
        if hz is None:
            print("nvbench: the core clock is unknown here; give --clock-hz", file=sys.stderr)
            return 2
        cpb = calibrate.aes_gcm_cycles_per_byte(hz)
        profile = calibrate.profile_from(figures, hz, cpb)
        Path(args.write_profile).write_text(profile.to_json() + "\n")
        if not args.json:
            print(f"wrote the cost profile to {args.write_profile}")
    if args.pcap:
        count = calibrate.write_samples(args.pcap)
        if not args.json:
            print(f"wrote {count} sample frames to {args.pcap}")
    if args.json:
        doc = {
            "nvbench": __version__,
            "machine": platform.machine(),
            "processor": platform.processor(),
            "python": platform.python_version(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "kernels": [f.as_dict() for f in figures],
        }
        json.dump(doc, sys.stdout, indent=2)
        print()
    return 0


def _check(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario)
    if scenario is None:
        return 2
    if args.json:
        json.dump(scenario.model_dump(mode="json"), sys.stdout, indent=2)
        print()
    else:
        nets = ", ".join(f"{n.name} ({n.pattern})" for n in scenario.vm_networks)
        print(f"{args.scenario}: ok: {len(scenario.hosts)} hosts, "
              f"{len(scenario.gateways)} gateway VMs, VM networks: {nets}")  # fmt: skip
    return 0


def _stderr():
    """A rich console on stderr: rich draws on stdout by default, which holds the results."""
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def _progress(enabled: bool):
    """A rich progress bar on stderr (simulated time) when it is a terminal; else nothing."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("simulating"), BarColumn(), TextColumn("{task.fields[at]}"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=_stderr(), transient=True) as bar:
        task = bar.add_task("run", total=1.0, at="")

        def tick(now_ns: int, duration_ns: int) -> None:
            bar.update(task, completed=now_ns / duration_ns,
                       at=f"{now_ns / 1e9:.2f} / {duration_ns / 1e9:.2f} s")  # fmt: skip

        yield tick


def _load(path: str):
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
    return Path(__file__).resolve().parent / "scenarios" / "default.toml"


def _run(args: argparse.Namespace) -> int:
    from nvbench import run

    scenario = _load(args.scenario or str(default_scenario()))
    if scenario is None:
        return 2
    with _progress(enabled=not args.json and sys.stderr.isatty()) as tick:
        sr = run.run(scenario, seed=args.seed, duration_s=args.duration, progress=tick)
    if args.pattern:
        sr.rows = [r for r in sr.rows if r["pattern"] == args.pattern]
    places = None
    if args.command == "compare" and scenario.placements:
        places = run.compare_placements(scenario, seed=args.seed, duration_s=args.duration)
    out = Path(args.out or Path("results") / f"{scenario.name}-seed{sr.result.seed_entropy}")
    written = run.write(sr, out, places)
    if args.json:
        doc = {"nvbench": __version__, "scenario": scenario.name, "patterns": sr.rows,
               "placements": places or [], "summary": sr.result.summary,
               "profile": run.profile_for(scenario).name, "out": str(out)}  # fmt: skip
        json.dump(doc, sys.stdout, indent=2, default=str)
        print()
    else:
        print(run.table(sr.rows))
        print(run.profile_line(scenario))
        if places:
            print("\nGateway placements, the same tenants on each:")
            print(run.placement_table(places))
        print(f"\n{len(written)} Parquet tables in {out}/")
    return 0


def _pcap(args: argparse.Namespace) -> int:
    from nvbench import run

    scenario = _load(args.scenario)
    if scenario is None:
        return 2
    if args.pattern and args.pattern not in {n.pattern for n in scenario.vm_networks}:
        print(f"nvbench: no VM network of {args.scenario} uses pattern {args.pattern!r}",
              file=sys.stderr)  # fmt: skip
        return 2
    n = run.capture(scenario, Path(args.out), args.pattern, args.packets, args.duration,
                    args.seed)  # fmt: skip
    print(f"wrote {n} frames to {args.out}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from nvbench import sweep
    from nvbench.scenario.loader import ScenarioError

    try:
        plan = sweep.load_sweep(args.sweep)
    except ScenarioError as e:
        print(f"nvbench: {e.source}: {len(e.problems)} problem(s)", file=sys.stderr)
        for problem in e.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    out = Path(args.out or Path("results") / Path(args.sweep).stem)
    workers = args.workers or os.cpu_count() or 1
    if args.dask and args.dask.startswith("local:") and not args.dask[6:].isdigit():
        print(f"nvbench: --dask local:N needs a number of workers, got {args.dask!r}",
              file=sys.stderr)  # fmt: skip
        return 2
    with _sweep_progress(enabled=sys.stderr.isatty()) as tick:
        try:
            outcome = sweep.execute(plan, out, workers=workers, resume=args.resume,
                                    progress=tick, dask=args.dask)  # fmt: skip
        except FileExistsError as e:
            print(f"nvbench: {e}", file=sys.stderr)
            return 2
        except OSError as e:  # the Dask scheduler cannot be reached
            print(f"nvbench: --dask {args.dask}: {e}", file=sys.stderr)
            return 2
    print(f"{len(plan.runs)} runs: {outcome.done} done now, {outcome.skipped} done before, "
          f"{outcome.failed} failed; tables runs/, tenants/ in {out}/")  # fmt: skip
    return 1 if outcome.failed else 0


@contextmanager
def _sweep_progress(enabled: bool):
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
                  console=_stderr(), transient=True) as bar:  # fmt: skip
        task = bar.add_task("sweep", total=None, failed=0)

        def tick(done: int, failed: int, total: int) -> None:
            bar.update(task, completed=done, total=total, failed=failed)

        yield tick


def _plan(args: argparse.Namespace) -> int:
    from nvbench import plan, run

    try:
        slo = plan.parse_slo(args.slo)
    except plan.SloError as e:
        print(f"nvbench: {e}", file=sys.stderr)
        return 2
    patterns = args.patterns.split(",") if args.patterns else None
    unknown = sorted(set(patterns or []) - set(PATTERNS))
    if unknown:
        print(f"nvbench: --patterns: {', '.join(unknown)} not among {', '.join(PATTERNS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    scenario = _load(args.scenario)
    if scenario is None:
        return 2
    missing = sorted(set(patterns or []) - {n.pattern for n in scenario.vm_networks})
    if missing:
        print(f"nvbench: {args.scenario} has no VM network of pattern {', '.join(missing)}",
              file=sys.stderr)  # fmt: skip
        return 2
    say = None if args.json else (lambda text: print(f"  {text}", file=sys.stderr, flush=True))
    result = plan.plan(scenario, slo, patterns, simulate=not args.analytic_only,
                       duration_s=args.duration, seed=args.seed,
                       workers=args.workers or os.cpu_count() or 1, progress=say)  # fmt: skip
    out = Path(args.out or Path("results") / f"{scenario.name}-plan")
    written = plan.write(result, scenario, out)
    if args.json:
        doc = {"nvbench": __version__, "scenario": scenario.name, "slo": str(slo),
               "answers": [vars(a) for a in result.answers],
               "profile": run.profile_for(scenario).name, "out": str(out)}  # fmt: skip
        json.dump(doc, sys.stdout, indent=2, default=str)
        print()
    else:
        print(plan.table(result))
        print(run.profile_line(scenario))
        print(f"\n{len(written)} Parquet tables in {out}/")
    return 0


def _report(args: argparse.Namespace) -> int:
    from nvbench import report

    root = Path(args.dir)
    try:
        written = report.write(root)
    except report.ReportError as e:
        print(f"nvbench: {e}", file=sys.stderr)
        return 2
    print(f"wrote {written[0]} and {len(written) - 1} PNG plot(s) in {root}/")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from nvbench.scenario.schema import Scenario

    json.dump(Scenario.model_json_schema(), sys.stdout, indent=2)
    print()
    return 0


def _profile_command(args: argparse.Namespace) -> int:
    """``profiles``, ``validate`` and ``fit-profile``: the gateway profiles' commands."""
    from nvbench import fit, validate

    if args.command == "profiles":
        return validate.profiles_command(args.profile)
    if args.command == "fit-profile":
        return fit.command(args.measurements, args.out, args.base, args.name)
    return validate.command(args.profile, args.json, args.out, args.sensitivity)


def _simulation_options(p: argparse.ArgumentParser, duration: str) -> None:
    """The options of every command that runs a scenario and writes Parquet tables."""
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument("--duration", type=float, help=duration)
    p.add_argument("--out", help="directory for the Parquet tables (default results/...)")
    p.add_argument("--json", action="store_true", help="print one JSON document")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nvbench", description=__doc__)
    p.add_argument("--version", action="version", version=f"nvbench {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("calibrate", help="measure the fast-path kernels on this machine")
    c.add_argument("--json", action="store_true", help="print one JSON document")
    c.add_argument("--pcap", metavar="FILE", help="also write sample frames of every kind")
    c.add_argument("--write-profile", metavar="FILE", help="also write a cost profile (JSON)")
    c.add_argument("--clock-hz", type=float, help="core clock for the profile (default: cpuinfo)")
    c.add_argument("--batch", type=int, default=4096, help="packets per batch (default 4096)")
    c.add_argument("--repeats", type=int, default=15, help="timed repetitions (default 15)")
    c.add_argument(
        "--kernel", action="append", choices=workloads.KERNELS, help="only this kernel (repeatable)"
    )
    c.set_defaults(fn=_calibrate)
    k = sub.add_parser("check", help="validate a scenario file (exit status 2 if it is bad)")
    k.add_argument("scenario", help="a scenario TOML file")
    k.add_argument("--json", action="store_true", help="print the scenario with its defaults")
    k.set_defaults(fn=_check)
    for name, text in (("run", "run a scenario and report each VM network"),
                       ("compare", "run the default scenario (or one given) and compare the "
                                   "access patterns side by side")):  # fmt: skip
        r = sub.add_parser(name, help=text)
        r.add_argument("scenario", nargs="?" if name == "compare" else None,
                       help="a scenario TOML file")  # fmt: skip
        r.add_argument("--pattern", choices=PATTERNS, help="report only this pattern")
        _simulation_options(r, "simulated seconds (override)")
        r.set_defaults(fn=_run)
    pc = sub.add_parser("pcap", help="write the frames of a scenario's run to a pcapng file, "
                        "each frame on the interface named after its capture point")  # fmt: skip
    pc.add_argument("scenario", help="a scenario TOML file")
    pc.add_argument("out", help="the pcapng file to write (Wireshark, tshark: "
                    "frame.interface_name is the capture point)")  # fmt: skip
    pc.add_argument("--pattern", choices=PATTERNS, help="only this pattern's VM networks")
    pc.add_argument("--packets", type=int, default=1000, help="frames to write (default 1000)")
    pc.add_argument("--duration", type=float, help="simulated seconds (override)")
    pc.add_argument("--seed", type=int, help="override the scenario's seed")
    pc.set_defaults(fn=_pcap)
    sw = sub.add_parser("sweep", help="run a parameter sweep into a Parquet dataset")
    sw.add_argument("sweep", help="a sweep TOML file")
    sw.add_argument("--workers", type=int, help="processes (default: every core)")
    sw.add_argument("--out", help="dataset directory (default results/<sweep name>)")
    sw.add_argument("--resume", action="store_true", help="skip the runs already done")
    where = "on dask.distributed: tcp://HOST:8786, or local:N (N workers)"
    sw.add_argument("--dask", metavar="ADDRESS", help=where)
    sw.set_defaults(fn=_sweep)
    pl = sub.add_parser("plan", help="size the gateways of each pattern for an SLO")
    pl.add_argument("scenario", help="a scenario TOML file")
    bounds = 'bounds on the worst tenant, e.g. "p99_latency_ms<=5,loss<=0.001"'
    pl.add_argument("--slo", required=True, help=bounds)
    pl.add_argument("--patterns", help="comma-separated patterns (default: every one present)")
    pl.add_argument("--analytic-only", action="store_true", help="the estimate, no simulation")
    pl.add_argument("--workers", type=int, help="processes, one pattern each (default: every core)")
    _simulation_options(pl, "simulated seconds per run (override)")
    pl.set_defaults(fn=_plan)
    rp = sub.add_parser("report", help="write report.html and PNG plots for a run, sweep, plan "
                        "or validation")  # fmt: skip
    rp.add_argument("dir", help="a directory written by run, compare, sweep or plan")
    rp.set_defaults(fn=_report)
    sc = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sc.set_defaults(fn=_schema)
    va = sub.add_parser("validate", help="a profile's simulated capacities beside the "
                        "published figures (exit 1 if one fails)")  # fmt: skip
    va.add_argument("--profile", default="ws2012r2", help="a profile's name or file")
    va.add_argument("--json", action="store_true", help="print one JSON document")
    va.add_argument("--out", help="directory for the Parquet table (default results/...)")
    va.add_argument(
        "--sensitivity",
        action="store_true",
        help="also move each assumed cost by -/+20 %% and show what moves",
    )
    va.set_defaults(fn=_profile_command)
    fp = sub.add_parser("fit-profile", help="fit a profile to throughput measured on a gateway")
    fp.add_argument("measurements", help="CSV: function,frame_bytes,mbps,cores,clock_ghz")
    fp.add_argument("--out", required=True, help="the profile file to write (TOML)")
    fp.add_argument("--base", default="ws2012r2", help="the profile the rest comes from")
    fp.add_argument("--name", help="the profile's name (default: the file's)")
    fp.set_defaults(fn=_profile_command)
    pf = sub.add_parser("profiles", help="list the gateway profiles, or print one's costs")
    pf.add_argument("profile", nargs="?", help="a profile's name or file")
    pf.set_defaults(fn=_profile_command)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except BrokenPipeError:  # the reader went away (`nvbench schema | head`): not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
