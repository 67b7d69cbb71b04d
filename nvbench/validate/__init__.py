"""``nvbench validate``: a profile's simulated capacities beside the published figures.

For each measure it simulates the pattern at rising offered load and finds the saturation
knee by bisection: the largest load that the network sustains, its loss at or under 0.1 %
and no server on the way busy all the time (a server at utilization 1 has a queue that
grows, say the one vCPU of the busiest of unevenly spread tunnels: it would lose packets
later, however long the warm-up). What it reports is the tenants' throughput at that load,
Mbit/s of frames delivered.

Each row pairs a measure with the published figure for the profile's Windows version, and
says what the figure is to this profile:

- ``validation``: the figure checks the result; pass within ±15 % (``PASS`` / ``FAIL``);
- ``calibration``: the figure set a cost, so the row only shows that the costs reproduce
  their own input (never a pass);
- no figure: "no published figure".

Queueing-theory rows check the engine itself against closed forms (M/M/1, M/D/1), with
the same ±15 % rule (they come out far closer); one more runs the engine and the
packet-by-packet SimPy reference on the same six-station tandem: every departure equal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa

from nvbench import runner
from nvbench.model import costs, profiles
from nvbench.records import schema
from nvbench.records.dataset import write_tables
from nvbench.scenario.loader import loads
from nvbench.validate.rows import TOLERANCE, Measure, Published, Row
from nvbench.validate.scenarios import FRAME, SCENARIOS
from nvbench.validate.theory import reference_row, theory_rows

LOSS = 0.001  # the knee: the largest load with at most this loss...
SATURATED = 0.995  # ... and no server busier than this (busy time counts the work queued)
QUEUE = 4096  # the gateway's queue (packets): the warm-up fills it at the excess rate


S21_16 = Published("S21/ws2016-ipsec-connection", 300, "WS2016: one IPsec connection ~300 Mbit/s")
S21_19 = Published("S21/ws2019-ipsec-connection", 1800,
                   "WS2019: one IPsec connection ~1.8 Gbit/s (GCM-AES-256)")  # fmt: skip
S22_IPSEC = Published("S22/ws2019-ipsec-max", 5000, "WS2019: a gateway's IPsec at most 5 Gbit/s")
S22_L3 = Published("S22/ws2019-l3-max", 5000, "WS2019: a gateway's L3 forwarding at most 5 Gbit/s")
# WS2016 shares the gateway's capacity out; the measures' gateways have 10 Gbit/s [S22].
S22_16_IPSEC = Published("S22/ws2016-allocation", 1500,
                         "WS2016: IPsec at most 3/20 of a 10 Gbit/s gateway capacity")  # fmt: skip
S22_16_L3 = Published("S22/ws2016-allocation", 5000,
                      "WS2016: L3 at most 1/2 of a 10 Gbit/s gateway capacity")  # fmt: skip

IPSEC_GW = (S22_IPSEC, S22_16_IPSEC)
L3_GW = (S22_L3, S22_16_L3)
MEASURES = (
    Measure("ipsec_connection", "one S2S IPsec connection", "Mbit/s", (S21_16, S21_19)),
    Measure("ipsec_gateway", "a gateway's IPsec, one connection per vCPU", "Mbit/s", IPSEC_GW),
    Measure("ipsec_tenants", "50 S2S tenants on a gateway, a connection each", "Mbit/s", ()),
    Measure("l3_gateway", "a forwarding gateway's L3 throughput (MPLS)", "Mbit/s", L3_GW),
    Measure("nat_gateway", "a gateway's NAT throughput", "Mbit/s", ()),
    Measure("remote_access_gateway", "a gateway's remote access, 64 clients", "Mbit/s", ()),
    Measure("public_per_vm", "public IP per VM: forwarding gateway and 1:1 NAT", "Mbit/s", ()),
)


def validate(profile: str, measures: tuple[str, ...] | None = None, theory: bool = True,
             say: Callable[[str], None] | None = None) -> list[Row]:  # fmt: skip
    """The rows of ``nvbench validate`` for ``profile`` (a name or a path)."""
    p = profiles.load(profile)
    rows = []
    for m in MEASURES:
        if measures is not None and m.key not in measures:
            continue
        if say:
            say(f"{m.what} ...")
        rows.append(_row(p, m, *knee(m.key, profile, _suite(p, m))))
    if theory:
        rows += [*theory_rows(), reference_row()]
    return rows


def _suite(p: costs.Profile, m: Measure) -> str:
    """The cipher suite of the profile's published IPsec figure (GCM-AES-256 for WS2019)."""
    figures = {f.figure for f in (*p.calibration, *p.validation)}
    return (
        "aes-gcm-256" if S21_19.figure in figures and m.key.startswith("ipsec") else "aes-gcm-128"
    )


def _row(p: costs.Profile, m: Measure, simulated: float, limit: str) -> Row:
    roles = {f.figure: "calibration" for f in p.calibration}
    roles.update({f.figure: "validation" for f in p.validation})
    for f in m.figures:
        if f.figure in roles:
            return Row(m.key, m.what, m.unit, simulated, f.figure, f.value, roles[f.figure],
                       limit)  # fmt: skip
    return Row(m.key, m.what, m.unit, simulated, limited_by=limit)


# -- the knee -------------------------------------------------------------------------------


def knee(measure: str, profile: str, suite: str = "aes-gcm-128",
         steps: int = 7) -> tuple[float, str]:  # fmt: skip
    """The throughput (Mbit/s) at the largest offered load sustained, and what
    limits it: the busiest element (or a gateway's tunnel limit) just over saturation."""
    first = _measure(measure, profile, suite, _line_rate_pps())
    capacity = first[1] / max(first[2], 1e-12)  # delivered pps at saturation
    lo, hi = 0.5 * capacity, 1.1 * capacity
    neck = _measure(measure, profile, suite, 1.05 * capacity)[4]  # what saturates first
    best = _measure(measure, profile, suite, lo)
    if not best[0]:  # even half the saturated rate is too much: report its throughput
        return best[3], neck
    for _ in range(steps):
        mid = (lo + hi) / 2
        got = _measure(measure, profile, suite, mid)
        if got[0]:
            lo, best = mid, got
        else:
            hi = mid
    return best[3], neck


def _line_rate_pps(gbps: float = 10.0) -> float:
    return gbps * 1e9 / ((FRAME + 24) * 8)  # preamble, FCS and gap: 24 bytes on the wire


def _measure(measure: str, profile: str, suite: str,
             pps: float) -> tuple[bool, float, float, float, str]:  # fmt: skip
    """(sustained, delivered packets, measured seconds, Mbit/s, the busiest element) of
    ``measure`` offered ``pps``."""
    warm = max(0.05, 2 * QUEUE / pps)
    text = SCENARIOS[measure](profile=profile, suite=suite, pps=pps, warm=warm)
    sr = runner.run(loads(text, "validate"), duration_s=warm + 0.2)
    offered = sum(r["offered"] for r in sr.rows)
    dropped = sum(r["dropped"] for r in sr.rows)  # not those still on their way at the end
    delivered = sum(r["delivered"] for r in sr.rows)
    seconds = sr.result.summary["duration_ns"] / 1e9
    mbps = sum(r["throughput_mbps"] for r in sr.rows)
    loss = dropped / offered if offered else 0.0
    util = _utilizations(sr)
    top = max(util, key=lambda k: util[k])
    sustained = loss <= LOSS and util[top] < SATURATED
    # Busy time counts the work queued at the end too: a saturated element shows a little
    # over 100 %; say "saturated" instead.
    neck = f"{top} " + ("saturated" if util[top] >= SATURATED else f"{util[top]:.0%}")
    return sustained, delivered, seconds, mbps, neck


def _utilizations(sr: runner.ScenarioRun) -> dict[str, float]:
    """The busiest server of each VM network's path, a gateway's tunnel limits among them."""
    util = {r["bottleneck"]: r["bottleneck_util"] for r in sr.rows}
    for g in {r["gateway"] for r in sr.rows}:
        for key, value in sr.result.element(g).items():
            if key.startswith("limit_") and key.endswith("_utilization"):
                util[f"{g} {key[6:-12]} limit"] = float(value)  # type: ignore[arg-type]
    return util


# -- output ------------------------------------------------------------------------------------


def text(profile: str, rows: list[Row]) -> str:
    p = profiles.load(profile)
    lines = [f"Profile {p.name}: {p.title or p.name}",
             f"{'measure':<56}{'simulated':>11}{'published':>11}{'ratio':>7}  "
             f"{'figure':<30}{'verdict':<34}limited by"]  # fmt: skip
    for r in rows:
        pub = "-" if r.published is None else _num(r.published)
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        lines.append(f"{r.what + ' (' + r.unit + ')':<56}{_num(r.simulated):>11}{pub:>11}"
                     f"{ratio:>7}  {r.figure or '-':<30}{r.verdict:<34}{r.limited_by}")  # fmt: skip
    lines += ["", f"PASS/FAIL: within ±{TOLERANCE:.0%} of a figure that checks the profile; "
              "a figure that set a cost only shows that the costs reproduce it."]  # fmt: skip
    return "\n".join(lines)


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 10 else f"{x:,.0f}"


def command(profile: str, as_json: bool, sensitivity: bool,
            folder_for: Callable[[str], Path | None]) -> int:  # fmt: skip
    """``nvbench validate``: the table (or JSON) on stdout, progress on stderr, the
    Parquet tables in ``folder_for(default name)`` (None: refused, it said why); exit
    status 1 if a row fails, 2 for an unreadable profile (or, with ``sensitivity``, one
    that is no TOML file) or a refused folder."""
    from nvbench import sensitivity as sens

    try:
        p = profiles.load(profile)
        if sensitivity and not p.path.endswith(".toml"):
            raise profiles.ProfileError(f"{profile}: --sensitivity needs a TOML profile")
    except profiles.ProfileError as e:
        print(f"nvbench: {e}", file=sys.stderr)
        return 2
    folder = folder_for(f"validate-{p.name}")
    if folder is None:
        return 2
    say = None if as_json else (lambda t: print(f"  {t}", file=sys.stderr, flush=True))
    rows = validate(profile, say=say)
    swings = sens.sensitivity(profile, rows, say) if sensitivity else None
    written = write(profile, rows, folder)
    if swings is not None:
        written += sens.write(swings, folder, _meta(p))
    if as_json:
        print(to_json(p.name, rows, swings))
    else:
        print(text(profile, rows))
        if swings is not None:
            print("\n" + sens.text(swings))
        print(f"\n{len(written)} Parquet table(s) in {folder}/")
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


def profiles_command(profile: str | None) -> int:
    """``nvbench profiles [NAME]``: the shipped profiles, or one's costs and sources."""
    if profile is None:
        for name in profiles.NAMES:
            p = profiles.load(name)
            mark = " (the default)" if name == profiles.DEFAULT else ""
            print(f"{name:<10}{p.title}{mark}")
        print(
            "\nnvbench profiles NAME prints one's costs and sources; a scenario picks one "
            "with run.profile"
        )
        return 0
    try:
        print(profiles.table(profiles.load(profile)))
    except profiles.ProfileError as e:
        print(f"nvbench: {e}", file=sys.stderr)
        return 2
    return 0


def records(rows: list[Row]) -> list[dict[str, object]]:
    """The rows as plain records (JSON, Parquet): every field, the ratio and the verdict."""
    return [{**asdict(r), "ratio": r.ratio, "verdict": r.verdict} for r in rows]


def to_json(profile: str, rows: list[Row], swings: list | None = None) -> str:
    doc: dict[str, object] = {"profile": profile, "tolerance": TOLERANCE, "rows": records(rows)}
    if swings is not None:
        doc["sensitivity"] = [{**asdict(s), "swing": s.swing} for s in swings]
    return json.dumps(doc, indent=2)


def write(profile: str, rows: list[Row], out: Path) -> list[Path]:
    """``validation.parquet`` in ``out`` (atomically, with the provenance)."""
    p = profiles.load(profile)
    table = pa.Table.from_pylist(records(rows), schema=SCHEMA)
    return write_tables(out, {"validation": table}, _meta(p))


def _meta(p: costs.Profile) -> dict[str, str]:
    what = {"costs": p.to_json(), "limits": p.limits, "shares": p.shares, "spread": p.spread}
    meta = schema.provenance(what, profile=p.name)
    meta["profile_hash"] = meta.pop("scenario_hash")  # what it hashed: the profile
    return meta


SCHEMA = pa.schema([("measure", pa.string()), ("what", pa.string()), ("unit", pa.string()),
                    ("simulated", pa.float64()), ("figure", pa.string()),
                    ("published", pa.float64()), ("role", pa.string()),
                    ("limited_by", pa.string()), ("ratio", pa.float64()),
                    ("verdict", pa.string())])  # fmt: skip
