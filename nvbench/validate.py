"""``nvbench validate``: a profile's simulated capacities beside the published figures.

For each measure it simulates the pattern at rising offered load and finds the saturation
knee by bisection: the largest load whose loss stays at or under 0.1 % once the queues have
filled (the warm-up lasts long enough for a full queue of excess packets). What it reports
is the tenants' throughput at that load, Mbit/s of frames delivered.

Each row pairs a measure with the published figure for the profile's Windows version, and
says what the figure is to this profile:

- ``validation``: the figure checks the result; pass within ±15 % (``PASS`` / ``FAIL``);
- ``calibration``: the figure set a cost, so the row only shows that the costs reproduce
  their own input (never a pass);
- no figure: "no published figure".

Queueing-theory rows check the engine itself against closed forms (M/M/1, M/D/1), with
the same ±15 % rule (they come out far closer).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa

from nvbench import run
from nvbench.model import costs, profiles
from nvbench.model.endpoints import Sink
from nvbench.model.server import Server
from nvbench.model.simulation import Simulation
from nvbench.model.traffic import Flows, PacketSource, Sizes
from nvbench.patterns import table
from nvbench.records import schema
from nvbench.records.dataset import write_tables
from nvbench.scenario.loader import loads

TOLERANCE = 0.15
LOSS = 0.001  # the knee: the largest load with at most this loss
QUEUE = 4096  # the gateway's queue (packets): the warm-up fills it at the excess rate
FRAME = 1514  # iperf-like bulk traffic: full-size frames (tunnels cap them to their MTU)


@dataclass(frozen=True)
class Published:
    """A published figure a measure can be compared with."""

    figure: str  # the id the profiles' calibration and validation lists use
    value: float
    says: str


@dataclass(frozen=True)
class Measure:
    key: str
    what: str
    unit: str
    figures: tuple[Published, ...]  # at most one applies to a profile


S21_16 = Published("S21/ws2016-ipsec-connection", 300, "WS2016: one IPsec connection ~300 Mbit/s")
S21_19 = Published("S21/ws2019-ipsec-connection", 1800,
                   "WS2019: one IPsec connection ~1.8 Gbit/s (GCM-AES-256)")  # fmt: skip
S22_IPSEC = Published("S22/ws2019-ipsec-max", 5000, "WS2019: a gateway's IPsec at most 5 Gbit/s")
S22_L3 = Published("S22/ws2019-l3-max", 5000, "WS2019: a gateway's L3 forwarding at most 5 Gbit/s")

MEASURES = (
    Measure("ipsec_connection", "one S2S IPsec connection", "Mbit/s", (S21_16, S21_19)),
    Measure("ipsec_gateway", "a gateway's IPsec, one connection per vCPU", "Mbit/s", (S22_IPSEC,)),
    Measure("l3_gateway", "a forwarding gateway's L3 throughput (MPLS)", "Mbit/s", (S22_L3,)),
    Measure("nat_gateway", "a gateway's NAT throughput", "Mbit/s", ()),
)


@dataclass
class Row:
    measure: str
    what: str
    unit: str
    simulated: float
    figure: str | None = None  # its id, e.g. "S21/ws2016-ipsec-connection"
    published: float | None = None
    role: str = ""  # "validation", "calibration" or "" (no figure)
    limited_by: str = ""  # what saturates first, with its utilization

    @property
    def ratio(self) -> float | None:
        return None if self.published is None else self.simulated / self.published

    @property
    def verdict(self) -> str:
        if self.published is None:
            return "no published figure"
        if self.role == "calibration":
            return "calibrated: reproduces its input"
        assert self.ratio is not None
        return "PASS" if abs(self.ratio - 1) <= TOLERANCE else "FAIL"


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
        rows += theory_rows()
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
    """The throughput (Mbit/s) at the largest offered load with loss <= 0.1 %, and what
    limits it: the busiest element (or a gateway's tunnel limit) just over saturation."""
    first = _measure(measure, profile, suite, _line_rate_pps())
    capacity = first[1] / max(first[2], 1e-12)  # delivered pps at saturation
    lo, hi = 0.5 * capacity, 1.1 * capacity
    neck = _measure(measure, profile, suite, 1.05 * capacity)[4]  # what saturates first
    best = _measure(measure, profile, suite, lo)
    if best[0] > LOSS:  # even half the saturated rate loses: report that rate's throughput
        return best[3], neck
    for _ in range(steps):
        mid = (lo + hi) / 2
        got = _measure(measure, profile, suite, mid)
        if got[0] <= LOSS:
            lo, best = mid, got
        else:
            hi = mid
    return best[3], neck


def _line_rate_pps(gbps: float = 10.0) -> float:
    return gbps * 1e9 / ((FRAME + 24) * 8)  # preamble, FCS and gap: 24 bytes on the wire


def _measure(measure: str, profile: str, suite: str,
             pps: float) -> tuple[float, float, float, float, str]:  # fmt: skip
    """(loss, delivered packets, measured seconds, Mbit/s, the busiest element) of
    ``measure`` offered ``pps``."""
    warm = max(0.05, 2 * QUEUE / pps)
    text = SCENARIOS[measure](profile=profile, suite=suite, pps=pps, warm=warm)
    sr = run.run(loads(text, "validate"), duration_s=warm + 0.2)
    offered = sum(r["offered"] for r in sr.rows)
    dropped = sum(r["dropped"] for r in sr.rows)  # not those still on their way at the end
    delivered = sum(r["delivered"] for r in sr.rows)
    seconds = sr.result.summary["duration_ns"] / 1e9
    mbps = sum(r["throughput_mbps"] for r in sr.rows)
    return (dropped / offered if offered else 0.0), delivered, seconds, mbps, _busiest(sr)


def _busiest(sr: run.ScenarioRun) -> str:
    """The busiest element on the measured paths, a gateway's tunnel limits among them."""
    util = {r["bottleneck"]: r["bottleneck_util"] for r in sr.rows}
    for g in {r["gateway"] for r in sr.rows}:
        for key, value in sr.result.element(g).items():
            if key.startswith("limit_") and key.endswith("_utilization"):
                util[f"{g} {key[6:-12]} limit"] = float(value)  # type: ignore[arg-type]
    name = max(util, key=lambda k: util[k])
    # Busy time counts the work queued at the end too: a saturated element shows a little
    # over 100 %; say "saturated" instead.
    return f"{name} " + ("saturated" if util[name] >= 0.995 else f"{util[name]:.0%}")


# -- the scenarios ---------------------------------------------------------------------------

FABRIC = (
    """name = "validate"
[run]
duration_s = 1.0
warmup_s = {warm}
quantum_ms = 10
seed = 1
profile = "{profile}"
"""
    + "".join(f'[[hosts]]\nname = "hv0{k}"\npa = "192.168.0.1{k}"\n' for k in range(1, 5))
    + '[[gateway_hosts]]\nname = "gwhost01"\npa = "192.168.0.2"\n'
)
MT = ('VMHost=Edge.contoso.com;GatewayVM=GW.contoso.com;BackEndSwitch="ESU Switch";'
      "DirectRoutingMode=false")  # fmt: skip
FWD = ('VMHost=Edge.contoso.com;GatewayVM=FWD.contoso.com;BackEndSwitch="ESU Switch";'
       "DirectRoutingMode=true;FrontEndServerAddress=131.107.0.20")  # fmt: skip
VMS = ", ".join(f'{{ name = "vm{k}", host = "hv0{k}", subnet = 5001, address = "10.0.1.{k + 3}" }}'
                for k in range(1, 5))  # fmt: skip
NETWORK = """[[vm_networks]]
name = "t"
gateway = "gw"
pattern = "{pattern}"
subnets = [{{ vsid = 5001, prefix = "10.0.1.0/24" }}]
gateway_subnet = {{ vsid = 6001, prefix = "10.254.0.0/29", address = "10.254.0.2" }}
vms = [{vms}]
"""


def _gateway(connection: str, front: str) -> str:
    """The gateway; its Internet WAN at 100 Gbit/s, never what limits a measure."""
    return (f'[[gateways]]\nname = "gw"\nhost = "gwhost01"\nfront_end = "{front}"\n'
            f"connection = '{connection}'\ninternet = {{ gbps = 100.0 }}\n")  # fmt: skip


def _ipsec(profile: str, suite: str, pps: float, warm: float, sites: int) -> str:
    """One S2S VM network with ``sites`` sites (a connection each), 10 Gbit/s WANs."""
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(MT, "131.107.0.10")
    out += NETWORK.format(pattern=table.named(tunnel_ends=table.SITES)[0], vms=VMS)
    out += "sites = [\n" + "".join(
        f'  {{ name = "s{k}", peer = "198.51.100.{10 + k}", prefix = "10.{100 + k}.0.0/16", '
        f'suite = "{suite}", wan = {{ gbps = 10.0 }} }},\n' for k in range(sites)
    ) + "]\ntraffic = [\n" + "".join(
        f'  {{ rate_pps = {pps / sites:.3f}, process = "cbr", sizes = {FRAME}, flows = 64, '
        f'destination = "10.{100 + k}.0.5" }},\n' for k in range(sites)
    ) + "]\n"  # fmt: skip
    return out


def _l3(profile: str, suite: str, pps: float, warm: float) -> str:
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(FWD, "131.107.0.20")
    out += NETWORK.format(pattern=table.named(public_ipv4=table.NONE)[0], vms=VMS)
    return out + (f'traffic = [{{ rate_pps = {pps:.3f}, process = "cbr", sizes = {FRAME}, '
                  'flows = 256, destination = "10.50.0.5" }]\n')  # fmt: skip


def _nat(profile: str, suite: str, pps: float, warm: float) -> str:
    out = FABRIC.format(warm=warm, profile=profile) + _gateway(MT, "131.107.0.10")
    out += NETWORK.format(pattern=table.named(function=table.NAT)[0], vms=VMS)
    out += 'public_addresses = ["203.0.113.1"]\n'
    return out + (f'traffic = [{{ rate_pps = {pps:.3f}, process = "cbr", sizes = {FRAME}, '
                  'flows = 256 }]\n')  # fmt: skip


SCENARIOS: dict[str, Callable[..., str]] = {
    "ipsec_connection": lambda **k: _ipsec(sites=1, **k),
    "ipsec_gateway": lambda **k: _ipsec(sites=8, **k),  # the gateway's 8 vCPUs [S18]
    "l3_gateway": _l3,
    "nat_gateway": _nat,
}


# -- queueing theory -----------------------------------------------------------------------

MEAN_NS = 1_000.0  # service time: mu = 1e6 a second


def theory_rows(packets: int = 200_000) -> list[Row]:
    """The engine against closed forms at utilization 0.8: M/M/1 W = 1/(mu - lambda) and
    M/D/1 W = 1/mu + rho/(2 mu (1 - rho)) (Pollaczek-Khinchine), in microseconds."""
    mu = 1e9 / MEAN_NS
    lam = 0.8 * mu
    out = []
    for service, truth, name in (
        ("exponential", 1 / (mu - lam), "M/M/1 at utilization 0.8: mean time in system"),
        ("deterministic", 1 / mu + 0.8 / (2 * mu * 0.2), "M/D/1 at 0.8: mean time in system"),
    ):
        w = _mean_sojourn(service, lam, packets)
        out.append(Row(f"theory_{service}", name, "µs", w * 1e6, "theory", truth * 1e6,
                       "validation"))  # fmt: skip
    return out


def _mean_sojourn(service: str, lam: float, packets: int) -> float:
    warm = int(0.1 * packets / lam * 1e9)
    sim = Simulation(seed=20261202, quantum_ns=2_000_000, warmup_ns=warm)
    src = PacketSource(sim, "src", 0, Flows((0x0A000004,), (0x08080808,), count=16),
                       Sizes.fixed(64), rate_pps=lam)  # fmt: skip
    srv = Server(sim, "srv", servers=1, service=service, mean_ns=MEAN_NS)
    src.connect(srv).connect(Sink(sim, "sink"))
    r = sim.run(int(packets / lam * 1e9) + warm)
    return float(r.summary["latency_mean_ns"]) / 1e9


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


def command(profile: str, as_json: bool, out: str | None, sensitivity: bool = False) -> int:
    """``nvbench validate``: the table (or JSON) on stdout, progress on stderr, the
    Parquet tables in ``out``; exit status 1 if a row fails, 2 for an unreadable profile
    (or, with ``sensitivity``, one that is no TOML file)."""
    from nvbench import sensitivity as sens

    try:
        p = profiles.load(profile)
        if sensitivity and not p.path.endswith(".toml"):
            raise profiles.ProfileError(f"{profile}: --sensitivity needs a TOML profile")
    except profiles.ProfileError as e:
        print(f"nvbench: {e}", file=sys.stderr)
        return 2
    say = None if as_json else (lambda t: print(f"  {t}", file=sys.stderr, flush=True))
    rows = validate(profile, say=say)
    swings = sens.sensitivity(profile, rows, say) if sensitivity else None
    folder = Path(out or Path("results") / f"validate-{p.name}")
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
    meta = schema.provenance({"costs": p.to_json(), "limits": p.limits}, profile=p.name)
    meta["profile_hash"] = meta.pop("scenario_hash")  # what it hashed: the profile
    return meta


SCHEMA = pa.schema([("measure", pa.string()), ("what", pa.string()), ("unit", pa.string()),
                    ("simulated", pa.float64()), ("figure", pa.string()),
                    ("published", pa.float64()), ("role", pa.string()),
                    ("limited_by", pa.string()), ("ratio", pa.float64()),
                    ("verdict", pa.string())])  # fmt: skip
