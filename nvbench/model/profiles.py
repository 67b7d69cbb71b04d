"""Gateway profiles as data: the costs of a Windows Server version's gateway, with sources.

A profile is a TOML file: ``nvbench/profiles/<name>.toml`` for the shipped ones (``ws2012r2``,
the default; ``ws2016``; ``ws2019``), or a user's own by path. Each cost (cycles of one
vCPU per packet and per byte, by function) names its ``source`` (a FACTS id or a published
anchor) or says why it is ``assumed``. A profile may ``inherit`` another's costs and
override some. It lists which published figure set which cost (``calibration``) and which
figures check the result (``validation``); a figure never does both. docs/profiles.md
lists every number. A JSON profile written by ``nvbench calibrate --write-profile`` is
read too.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nvbench.model import costs

SHIPPED = Path(__file__).resolve().parents[1] / "profiles"
NAMES = ("ws2012r2", "ws2016", "ws2019")
DEFAULT = "ws2012r2"
OLD_DEFAULT = "published"  # the default's name before profiles were files
Cycles = Annotated[float, Field(ge=0, allow_inf_nan=False)]
LIMITS = ("limit:ipsec", "limit:l3")  # what a calibration may set besides a cost
SETTABLE = (*costs.FUNCTIONS, *LIMITS)


class ProfileError(ValueError):
    """A profile that cannot be read; the message names the file and the key path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Based(_Model):
    """A part of a profile that says where its numbers come from: exactly one of ``source``
    (a FACTS id or a published figure) or ``assumed`` (why)."""

    source: str | None = None
    assumed: str | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> _Based:
        if (self.source is None) == (self.assumed is None):
            raise ValueError("give exactly one of 'source' (where the number comes from) or "
                             "'assumed' (why it is assumed)")  # fmt: skip
        return self


class CostEntry(_Based):
    per_packet: Cycles
    per_byte: Cycles

    def cost(self) -> costs.Cost:
        basis = self.source if self.source is not None else f"assumed: {self.assumed}"
        return costs.Cost(self.per_packet, self.per_byte, basis)


class Limits(_Based):
    """The most a gateway's tunnels of each kind carry, in and out together
    (:mod:`nvbench.model.limits`): a fixed maximum in Gbit/s (WS2019), or a share of the
    gateway's capacity (WS2016) [S22]."""

    ipsec_gbps: Annotated[float, Field(gt=0)] | None = None
    l3_gbps: Annotated[float, Field(gt=0)] | None = None
    ipsec_share: Annotated[float, Field(gt=0, le=1)] | None = None
    l3_share: Annotated[float, Field(gt=0, le=1)] | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> Limits:
        for kind in ("ipsec", "l3"):
            if getattr(self, f"{kind}_gbps") is not None and getattr(self, f"{kind}_share"):
                raise ValueError(f"give {kind}_gbps or {kind}_share, not both")
        return self

    def rates(self) -> dict[str, float]:
        """Fixed maxima, bits per second by kind (``ipsec``, ``l3``)."""
        out = {"ipsec": self.ipsec_gbps, "l3": self.l3_gbps}
        return {k: v * 1e9 for k, v in out.items() if v is not None}

    def shares(self) -> dict[str, float]:
        """Shares of the gateway's capacity by kind."""
        out = {"ipsec": self.ipsec_share, "l3": self.l3_share}
        return {k: v for k, v in out.items() if v is not None}


class Spread(_Based):
    """Which vCPU of a gateway serves a packet, by function: ``flow`` spreads forwarding and
    NAT over the vCPUs by the flow's hash (vRSS); ``connection`` keeps an IPsec connection's
    packets, both ways, on its one core [S23][S34]; ``one`` keeps the function on vCPU 0."""

    forward: Literal["flow", "one"] = "flow"
    nat: Literal["flow", "one"] = "flow"
    esp: Literal["connection", "one"] = "connection"

    def ways(self) -> dict[str, str]:
        return {"forward": self.forward, "nat": self.nat, "esp": self.esp}


class Citation(_Model):
    """A published figure a profile cites: one that set costs, or one that checks it."""

    figure: str  # "<source id>/<which figure of it>"
    says: str
    sets: list[str] = []  # the costs it set (calibration only)


class ProfileFile(_Model):
    name: str
    title: str
    basis: str
    inherit: str | None = None
    calibration_clock_ghz: Annotated[float, Field(gt=0, le=10)]
    costs: dict[str, CostEntry] = {}
    limits: Limits | None = None
    spread: Spread | None = None
    calibration: list[Citation] = []
    validation: list[Citation] = []

    @model_validator(mode="after")
    def _known(self) -> ProfileFile:
        unknown = sorted(set(self.costs) - set(costs.FUNCTIONS))
        if unknown:
            raise ValueError(f"unknown functions {unknown}; known: {list(costs.FUNCTIONS)}")
        sets = sorted({s for f in self.calibration for s in f.sets} - set(SETTABLE))
        if sets:
            raise ValueError(f"calibration sets {sets}, none a function or a limit ({LIMITS})")
        return self


def resolve(ref: str) -> Path:
    """The file of profile ``ref``: a shipped profile's name, or a path."""
    ref = DEFAULT if ref == OLD_DEFAULT else ref
    if ref in NAMES:
        return SHIPPED / f"{ref}.toml"
    return Path(ref)


@cache
def default() -> costs.Profile:
    """The default profile (``ws2012r2``)."""
    return load(DEFAULT)


def load(ref: str) -> costs.Profile:
    """Profile ``ref`` (a shipped name or a path: TOML, or JSON from ``nvbench calibrate``)
    with its inherited costs; :class:`ProfileError` if it cannot be read."""
    path = resolve(ref)
    if path.suffix == ".json":
        try:
            return costs.load(path)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ProfileError(f"{path}: not a profile nvbench calibrate wrote ({e})") from None
    return _load_toml(path, ())


def _load_toml(path: Path, seen: tuple[Path, ...]) -> costs.Profile:
    doc = _read(path)
    own = {k: c.cost() for k, c in doc.costs.items()}
    limits = {} if doc.limits is None else doc.limits.rates()
    shares = {} if doc.limits is None else doc.limits.shares()
    spread = (doc.spread or Spread(assumed="the default")).ways()
    calibration = list(doc.calibration)
    if doc.inherit is not None:
        here, parent_path = path.resolve(), resolve(doc.inherit).resolve()
        if parent_path in (*seen, here):
            raise ProfileError(f"{path}: inherit: {doc.inherit!r} inherits back (a cycle)")
        parent = _load_toml(parent_path, (*seen, here))
        own = {**parent.costs, **own}
        if doc.limits is None:
            limits, shares = parent.limits, parent.shares
        spread = parent.spread if doc.spread is None else spread
        # The parent's calibrations of the costs this profile keeps still hold.
        mine = set(doc.costs) | (set(LIMITS) if doc.limits is not None else set())
        kept = [f.model_copy(update={"sets": [s for s in f.sets if s not in mine]})
                for f in parent.calibration]  # fmt: skip
        calibration = [f for f in kept if f.sets] + calibration
    missing = sorted(set(costs.FUNCTIONS) - set(own))
    if missing:
        raise ProfileError(f"{path}: costs: no cost for {missing} (give them, or inherit)")
    return costs.Profile(
        doc.name, own, title=doc.title, basis=doc.basis, path=str(path),
        calibration=tuple(calibration), validation=tuple(doc.validation), limits=limits,
        shares=shares, spread=spread,
    )  # fmt: skip


def _read(path: Path) -> ProfileFile:
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile; shipped: {', '.join(NAMES)}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ProfileError(f"{path}: {e}") from None
    try:
        return ProfileFile.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "(top level)"
        raise ProfileError(f"{path}: {where}: {first['msg']}") from None


def table(p: costs.Profile) -> str:
    """Profile ``p`` as Markdown: its basis, every cost with its source, and the figures
    that set and that check it (``nvbench profiles NAME``; docs/profiles.md)."""
    head = ["| function | cycles/packet | cycles/byte | source |", "|---|---:|---:|---|"]
    lines = [f"### {p.name}: {p.title or p.name}", "", " ".join(p.basis.split()), "", *head]
    for fn in costs.FUNCTIONS:
        c = p.costs[fn]
        lines.append(f"| {fn} | {c.cycles_per_packet:g} | {c.cycles_per_byte:g} | {c.source} |")
    caps = ", ".join(
        [
            *(f"{k} {v / 1e9:g} Gbit/s" for k, v in p.limits.items()),
            *(f"{k} {v:g} of the gateway's capacity" for k, v in p.shares.items()),
        ]
    )
    caps = caps or "none"
    lines += ["", f"Limits (a gateway's tunnels of a kind, in and out together): {caps}"]
    ways = {"flow": "by flow (vRSS)", "connection": "by connection (one core)", "one": "vCPU 0"}
    lines += ["", "vCPUs: " + ", ".join(f"{fn} {ways[w]}" for fn, w in p.spread.items())]
    for title, figures in (("Calibrated from", p.calibration), ("Checked against", p.validation)):
        lines += ["", f"{title}:", ""]
        lines += [f"- {f.figure}: {f.says}" + (f" (sets {', '.join(f.sets)})" if f.sets else "")
                  for f in figures] or ["- none"]  # fmt: skip
    return "\n".join(lines)
