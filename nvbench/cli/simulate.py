"""The commands that simulate: run, compare, pcap, sweep, plan."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from nvbench import __version__
from nvbench.cli.common import (
    default_scenario,
    load,
    output_file,
    output_folder,
    progress,
    say_if_compiling,
    sweep_progress,
    usable,
)
from nvbench.patterns.table import NAMES as PATTERNS
from nvbench.records.intervals import LEVEL


def run_command(args: argparse.Namespace) -> int:
    from nvbench import replicate, runner
    from nvbench.report import text

    scenario = load(args.scenario or str(default_scenario()))
    if scenario is None or not usable(args, scenario):
        return 2
    seed = scenario.run.seed if args.seed is None else args.seed
    out = output_folder(args.out, f"{scenario.name}-seed{seed}", args.force)
    if out is None:
        return 2
    say_if_compiling()
    places = args.command == "compare" and bool(scenario.placements)
    with progress(enabled=not args.json and sys.stderr.isatty()) as tick:
        rep = replicate.replicate(scenario, args.replications, seed, args.duration,
                                  workers=args.workers or os.cpu_count() or 1, progress=tick,
                                  placements=places)  # fmt: skip
    if args.pattern:
        rep.only(args.pattern)
    written = replicate.write(rep, out)
    if args.json:
        doc = {"nvbench": __version__, "scenario": scenario.name, "seed": seed,
               "replications": rep.replications, "confidence_level": LEVEL,
               "patterns": rep.rows, "placements": rep.placements,
               "runs": [runner.summary(sr) for sr in rep.runs],
               "profile": runner.profile_for(scenario).name, "out": str(out)}  # fmt: skip
        json.dump(doc, sys.stdout, indent=2, default=str)
        print()
    else:
        print(text.patterns(rep.rows, rep.replications, seed))
        print(runner.profile_line(scenario))
        if rep.placements:
            print("\nGateway placements, the same tenants and seeds on each:")
            print(text.placements(rep.placements))
        print(f"\n{len(written)} Parquet tables in {out}/")
    return 0


def pcap(args: argparse.Namespace) -> int:
    from nvbench import runner

    scenario = load(args.scenario)
    path = output_file(args.out, args.force)
    if scenario is None or not usable(args, scenario) or path is None:
        return 2
    say_if_compiling()
    n = runner.capture(scenario, path, args.pattern, args.packets, args.duration, args.seed)
    print(f"wrote {n} frames to {args.out}")
    return 0


def sweep_command(args: argparse.Namespace) -> int:
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
    with sweep_progress(enabled=sys.stderr.isatty()) as tick:
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


def plan_command(args: argparse.Namespace) -> int:
    from nvbench import plan, runner

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
    scenario = load(args.scenario)
    if scenario is None or not usable(args, scenario):
        return 2
    missing = sorted(set(patterns or []) - {n.pattern for n in scenario.vm_networks})
    if missing:
        print(f"nvbench: {args.scenario} has no VM network of pattern {', '.join(missing)}",
              file=sys.stderr)  # fmt: skip
        return 2
    out = output_folder(args.out, f"{scenario.name}-plan", args.force)
    if out is None:
        return 2
    say_if_compiling()
    say = None if args.json else (lambda text: print(f"  {text}", file=sys.stderr, flush=True))
    result = plan.plan(scenario, slo, patterns, simulate=not args.analytic_only,
                       duration_s=args.duration, seed=args.seed,
                       replications=args.replications,
                       workers=args.workers or os.cpu_count() or 1, progress=say)  # fmt: skip
    written = plan.write(result, scenario, out)
    if args.json:
        doc = {"nvbench": __version__, "scenario": scenario.name, "slo": str(slo),
               "replications": 0 if args.analytic_only else args.replications,
               "answers": [vars(a) for a in result.answers],
               "profile": runner.profile_for(scenario).name, "out": str(out)}  # fmt: skip
        json.dump(doc, sys.stdout, indent=2, default=str)
        print()
    else:
        print(plan.table(result))
        print(runner.profile_line(scenario))
        print(f"\n{len(written)} Parquet tables in {out}/")
    return 0
