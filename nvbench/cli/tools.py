"""The commands that do not simulate a scenario: calibrate, check, report, schema, and the
gateway profiles' (profiles, validate, fit-profile)."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from nvbench import __version__, calibrate, workloads
from nvbench.cli.common import load, output_folder


def calibrate_command(args: argparse.Namespace) -> int:
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


def check(args: argparse.Namespace) -> int:
    scenario = load(args.scenario)
    if scenario is None:
        return 2
    if args.json:
        json.dump(scenario.model_dump(mode="json"), sys.stdout, indent=2)
        print()
    else:
        nets = ", ".join(f"{n.name} ({n.pattern})" for n in scenario.vm_networks)
        if len(scenario.vm_networks) > 10:  # a cloud: the count by pattern, not every name
            count = Counter(n.pattern for n in scenario.vm_networks)
            nets = f"{len(scenario.vm_networks)} (" + ", ".join(
                f"{k} {v}" for k, v in sorted(count.items())) + ")"  # fmt: skip
        print(f"{args.scenario}: ok: {len(scenario.hosts)} hosts, "
              f"{len(scenario.gateways)} gateway VMs, VM networks: {nets}")  # fmt: skip
    return 0


def report_command(args: argparse.Namespace) -> int:
    from nvbench import report

    root = Path(args.dir)
    try:
        written = report.write(root)
    except report.ReportError as e:
        print(f"nvbench: {e}", file=sys.stderr)
        return 2
    print(f"wrote {written[0]} and {len(written) - 1} PNG plot(s) in {root}/")
    return 0


def init_command(args: argparse.Namespace) -> int:
    """``nvbench init``: a commented starter scenario, refused over an existing file."""
    from nvbench.cli.common import output_file
    from nvbench.records.dataset import atomic_write_bytes
    from nvbench.scenario.starter import starter

    path = output_file(args.file, args.force)
    if path is None:
        return 2
    atomic_write_bytes(path, starter(args.pattern).encode())
    print(f"wrote {path}: {', '.join(args.pattern or ['every access pattern'])}, one tenant "
          f"each; next: nvbench check {path}, then nvbench compare {path}")  # fmt: skip
    return 0


def schema(args: argparse.Namespace) -> int:
    if args.sweep:
        from nvbench.sweep import SweepFile

        json.dump(SweepFile.model_json_schema(), sys.stdout, indent=2)
        print()
        return 0
    from nvbench.scenario.schema import Scenario

    json.dump(Scenario.model_json_schema(), sys.stdout, indent=2)
    print()
    return 0


def profile_command(args: argparse.Namespace) -> int:
    """``profiles``, ``validate`` and ``fit-profile``: the gateway profiles' commands."""
    from nvbench import fit, validate

    if args.command == "profiles":
        return validate.profiles_command(args.profile)
    if args.command == "fit-profile":
        return fit.command(args.measurements, args.out, args.base, args.name)
    return validate.command(
        args.profile,
        args.json,
        args.sensitivity,
        lambda name: output_folder(args.out, name, args.force),
    )
