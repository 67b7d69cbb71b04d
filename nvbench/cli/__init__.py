"""The nvbench command line: a thin shell over the library."""

from __future__ import annotations

import argparse
import os
import sys

from nvbench import __version__, workloads
from nvbench.cli.common import COUNT, POSITIVE, SEED, default_scenario
from nvbench.cli.simulate import pcap, plan_command, run_command, sweep_command
from nvbench.cli.tools import (
    calibrate_command,
    check,
    init_command,
    profile_command,
    report_command,
    schema,
)
from nvbench.patterns.table import NAMES as PATTERNS

DEFAULT_REPLICATIONS = 5  # nvbench.replicate.DEFAULT, without loading numba for --help

__all__ = ["default_scenario", "main", "parser"]


def _simulation_options(p: argparse.ArgumentParser, duration: str) -> None:
    """The options of every command that runs a scenario and writes Parquet tables."""
    p.add_argument("--seed", type=SEED, help="override the scenario's seed")
    p.add_argument("--duration", type=POSITIVE, help=duration)
    p.add_argument("--out", help="directory for the Parquet tables (default: a new folder "
                   "results/<scenario>-...-<time>)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="replace the files of an earlier "
                   "run in --out")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON document")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nvbench", description=__doc__)
    p.add_argument("--version", action="version", version=f"nvbench {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("calibrate", help="measure the fast-path kernels on this machine")
    c.add_argument("--json", action="store_true", help="print one JSON document")
    c.add_argument("--pcap", metavar="FILE", help="also write sample frames of every kind")
    c.add_argument("--write-profile", metavar="FILE", help="also write a cost profile (JSON)")
    c.add_argument(
        "--clock-hz", type=POSITIVE, help="core clock for the profile (default: cpuinfo)"
    )
    c.add_argument("--batch", type=COUNT, default=4096, help="packets per batch (default 4096)")
    c.add_argument("--repeats", type=COUNT, default=15, help="timed repetitions (default 15)")
    c.add_argument(
        "--kernel", action="append", choices=workloads.KERNELS, help="only this kernel (repeatable)"
    )
    c.set_defaults(fn=calibrate_command)
    k = sub.add_parser("check", help="validate a scenario file (exit status 2 if it is bad)")
    k.add_argument("scenario", help="a scenario TOML file")
    k.add_argument("--json", action="store_true", help="print the scenario with its defaults")
    k.set_defaults(fn=check)
    it = sub.add_parser("init", help="write a commented starter scenario to edit")
    it.add_argument("file", nargs="?", default="my.toml", help="the file (default my.toml)")
    it.add_argument("--pattern", action="append", choices=PATTERNS, help="a tenant of this "
                    "pattern (repeatable; default: one of each)")  # fmt: skip
    it.add_argument("--force", action="store_true", help="replace the file if it exists")
    it.set_defaults(fn=init_command)
    for name, text in (("run", "run a scenario and report each VM network"),
                       ("compare", "run the default scenario (or one given) and compare the "
                                   "access patterns side by side")):  # fmt: skip
        r = sub.add_parser(name, help=text)
        r.add_argument("scenario", nargs="?" if name == "compare" else None,
                       help="a scenario TOML file")  # fmt: skip
        r.add_argument("--pattern", choices=PATTERNS, help="report only this pattern")
        r.add_argument("--replications", type=COUNT, default=DEFAULT_REPLICATIONS,
                       help="runs with independent seeds; each figure is their mean with its "
                       f"95 %% interval (default {DEFAULT_REPLICATIONS})")  # fmt: skip
        r.add_argument("--workers", type=COUNT, help="processes for the replications "
                       "(default: every core; the results do not depend on it)")  # fmt: skip
        _simulation_options(r, "simulated seconds (override)")
        r.set_defaults(fn=run_command)
    pc = sub.add_parser("pcap", help="write the frames of a scenario's run to a pcapng file, "
                        "each frame on the interface named after its capture point")  # fmt: skip
    pc.add_argument("scenario", help="a scenario TOML file")
    pc.add_argument("out", help="the pcapng file to write (Wireshark, tshark: "
                    "frame.interface_name is the capture point)")  # fmt: skip
    pc.add_argument("--pattern", choices=PATTERNS, help="only this pattern's VM networks")
    pc.add_argument("--packets", type=COUNT, default=1000, help="frames to write (default 1000)")
    pc.add_argument("--duration", type=POSITIVE, help="simulated seconds (override)")
    pc.add_argument("--seed", type=SEED, help="override the scenario's seed")
    pc.add_argument("--force", action="store_true", help="replace the file if it exists")
    pc.set_defaults(fn=pcap)
    sw = sub.add_parser("sweep", help="run a parameter sweep into a Parquet dataset")
    sw.add_argument("sweep", help="a sweep TOML file")
    sw.add_argument("--workers", type=COUNT, help="processes (default: every core)")
    sw.add_argument("--out", help="dataset directory (default results/<sweep name>)")
    sw.add_argument("--resume", action="store_true", help="skip the runs already done")
    where = "on dask.distributed: tcp://HOST:8786, or local:N (N workers)"
    sw.add_argument("--dask", metavar="ADDRESS", help=where)
    sw.set_defaults(fn=sweep_command)
    pl = sub.add_parser("plan", help="size the gateways of each pattern for an SLO")
    pl.add_argument("scenario", help="a scenario TOML file")
    bounds = 'bounds on the worst tenant, e.g. "p99_latency_ms<=5,loss<=0.001"'
    pl.add_argument("--slo", required=True, help=bounds)
    pl.add_argument("--patterns", help="comma-separated patterns (default: every one present)")
    pl.add_argument("--analytic-only", action="store_true", help="the estimate, no simulation")
    pl.add_argument("--replications", type=COUNT, default=3, help="runs of each simulated "
                    "layout or load (independent seeds, the same for each); the SLO is judged "
                    "on the upper end of their 95 %% interval (default 3)")  # fmt: skip
    pl.add_argument(
        "--workers", type=COUNT, help="processes, one pattern each (default: every core)"
    )
    _simulation_options(pl, "simulated seconds per run (override)")
    pl.set_defaults(fn=plan_command)
    rp = sub.add_parser("report", help="write report.html and PNG plots for a run, sweep, plan "
                        "or validation")  # fmt: skip
    rp.add_argument("dir", help="a directory written by run, compare, sweep or plan")
    rp.set_defaults(fn=report_command)
    sc = sub.add_parser("schema", help="print the JSON Schema of scenario files (or of "
                        "sweep files)")  # fmt: skip
    sc.add_argument("--sweep", action="store_true", help="the sweep files' schema: grid, zip "
                    "and random axes, replications, seed")  # fmt: skip
    sc.set_defaults(fn=schema)
    va = sub.add_parser("validate", help="a profile's simulated capacities beside the "
                        "published figures (exit 1 if one fails)")  # fmt: skip
    va.add_argument("--profile", default="ws2012r2", help="a profile's name or file")
    va.add_argument("--json", action="store_true", help="print one JSON document")
    va.add_argument("--out", help="directory for the Parquet tables (default: a new folder "
                    "results/validate-<profile>-<time>)")  # fmt: skip
    va.add_argument("--force", action="store_true", help="replace an earlier run's files")
    va.add_argument(
        "--sensitivity",
        action="store_true",
        help="also move each assumed cost by -/+20 %% and show what moves",
    )
    va.set_defaults(fn=profile_command)
    fp = sub.add_parser("fit-profile", help="fit a profile to throughput measured on a gateway")
    fp.add_argument("measurements", help="CSV: function,frame_bytes,mbps,cores,clock_ghz")
    fp.add_argument("--out", required=True, help="the profile file to write (TOML)")
    fp.add_argument("--base", default="ws2012r2", help="the profile the rest comes from")
    fp.add_argument("--name", help="the profile's name (default: the file's)")
    fp.set_defaults(fn=profile_command)
    pf = sub.add_parser("profiles", help="list the gateway profiles, or print one's costs")
    pf.add_argument("profile", nargs="?", help="a profile's name or file")
    pf.set_defaults(fn=profile_command)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except BrokenPipeError:  # the reader went away (`nvbench schema | head`): not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:  # Ctrl-C: one line, not a traceback
        again = " (the same command with --resume goes on from the runs written)"
        print("\nnvbench: interrupted" + (again if args.command == "sweep" else ""),
              file=sys.stderr)  # fmt: skip
        return 130
    except Exception as e:  # a bug: one line for the user, the traceback on request
        if os.environ.get("NVBENCH_DEBUG"):
            raise
        print(f"nvbench: internal error: {type(e).__name__}: {str(e)[:200]} (a bug, please "
              "report it; NVBENCH_DEBUG=1 shows where it happened)", file=sys.stderr)  # fmt: skip
        return 70  # EX_SOFTWARE
