"""``nvbench fit-profile``: a gateway profile fitted to throughput measured on a real gateway.

A measurement is one function saturating ``cores`` cores of a CPU at ``clock_ghz`` with
frames of ``frame_bytes`` (Ethernet, no FCS: what nvbench charges), carrying ``mbps`` of
those frames. On a saturated core a frame costs ``cores * clock / pps`` cycles, and the
model says that is ``per_packet + per_byte * frame_bytes``: with two frame sizes or more per
function, least squares gives both (not below zero), and the residual says how well the
line fits. The fitted costs go into a profile that inherits the rest from ``--base``; each
cost's source names the file and the fit, and the file is its calibration (nothing in it
can then validate the profile: check it against other measurements).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nvbench.model import costs, profiles

COLUMNS = ("function", "frame_bytes", "mbps", "cores", "clock_ghz")


class FitError(ValueError):
    """A measurements file that cannot be fitted; the message says where and why."""


@dataclass(frozen=True)
class Fit:
    function: str
    per_packet: float
    per_byte: float
    points: int
    residual: float  # root mean square of the relative errors in cycles per frame


def read(path: Path) -> dict[str, list[tuple[float, float]]]:
    """Per function, (frame bytes, cycles per frame) of each measurement in ``path``."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise FitError(f"{path}: {e}") from None
    rows = list(csv.DictReader(text.splitlines()))
    header = tuple(rows[0].keys()) if rows else tuple(next(csv.reader(text.splitlines()), ()))
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise FitError(f"{path}: no column {', '.join(missing)}; the columns are "
                       f"{', '.join(COLUMNS)}")  # fmt: skip
    out: dict[str, list[tuple[float, float]]] = {}
    for line, row in enumerate(rows, start=2):
        fn = (row["function"] or "").strip()
        if fn not in costs.FUNCTIONS:
            raise FitError(f"{path}:{line}: function {fn!r} is not one of "
                           f"{', '.join(costs.FUNCTIONS)}")  # fmt: skip
        size, mbps, cores, ghz = (_number(path, line, row, c) for c in COLUMNS[1:])
        pps = mbps * 1e6 / (8 * size)
        out.setdefault(fn, []).append((size, cores * ghz * 1e9 / pps))
    if not out:
        raise FitError(f"{path}: no measurements")
    return out


def _number(path: Path, line: int, row: dict[str, str], column: str) -> float:
    text = (row.get(column) or "").strip()
    try:
        x = float(text)
    except ValueError:
        raise FitError(f"{path}:{line}: {column}: {text!r} is not a number") from None
    if not math.isfinite(x) or x <= 0:
        raise FitError(f"{path}:{line}: {column}: {text} must be a number above 0")
    if column == "frame_bytes" and not 60 <= x <= 9018:
        raise FitError(f"{path}:{line}: frame_bytes: {text} is not a frame size (60..9018)")
    return x


def fit(points: dict[str, list[tuple[float, float]]]) -> list[Fit]:
    """Per function, the least-squares line of cycles per frame over frame bytes."""
    out = []
    for fn, pts in points.items():
        size = np.array([p[0] for p in pts])
        cycles = np.array([p[1] for p in pts])
        if np.unique(size).shape[0] < 2:
            raise FitError(f"{fn}: measured at one frame size; a fit needs two or more")
        per_byte, per_packet = np.polyfit(size, cycles, 1)
        if per_byte < 0:  # bigger frames cheaper: a per-packet cost only (their mean)
            per_byte, per_packet = 0.0, float(cycles.mean())
        elif per_packet < 0:  # the line through zero that fits best
            per_byte, per_packet = float(size @ cycles / (size @ size)), 0.0
        model = per_packet + per_byte * size
        residual = float(np.sqrt(np.mean(((model - cycles) / cycles) ** 2)))
        out.append(Fit(fn, float(per_packet), float(per_byte), len(pts), residual))
    return out


def profile_text(fits: list[Fit], source: str, name: str, base: str, clock_ghz: float) -> str:
    """The fitted profile as TOML, inheriting what was not measured from ``base``."""
    lines = [f"# Fitted by nvbench fit-profile from {source}.", f'name = "{name}"',
             f'title = "fitted to measurements ({source})"',
             f'basis = "Costs fitted to throughput measured on a gateway ({source}); the rest '
             f'from {base}."', f'inherit = "{base}"',
             f"calibration_clock_ghz = {clock_ghz:g}", ""]  # fmt: skip
    for f in fits:
        lines += [f'[costs."{f.function}"]', f"per_packet = {f.per_packet:.1f}",
                  f"per_byte = {f.per_byte:.4f}",
                  f'source = "fit-profile: {f.points} measurements in {source}, '
                  f'RMS error {f.residual:.1%}"', ""]  # fmt: skip
    for f in fits:
        lines += ["[[calibration]]", f'figure = "{source}/{f.function}"',
                  f'says = "{f.points} saturating measurements of {f.function}"',
                  f'sets = ["{f.function}"]', ""]  # fmt: skip
    return "\n".join(lines)


def command(csv_path: str, out: str, base: str, name: str | None) -> int:
    """``nvbench fit-profile``: print the fit, write the profile; exit status 2 (writing
    nothing) for a bad file or base."""
    import sys

    path = Path(csv_path)
    try:
        profiles.load(base)
        points = read(path)
        fits = fit(points)
    except profiles.ProfileError as e:
        print(f"nvbench: --base: {e}", file=sys.stderr)
        return 2
    except FitError as e:
        where = "" if str(e).startswith(str(path)) else f"{path}: "
        print(f"nvbench: {where}{e}", file=sys.stderr)
        return 2
    clock = _clock(path)
    text = profile_text(fits, path.name, name or Path(out).stem, base, clock)
    target = Path(out)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text)
    try:
        profiles.load(str(tmp))  # what we write must read back
    except profiles.ProfileError as e:
        tmp.unlink()
        print(f"nvbench: the fitted profile does not read back: {e}", file=sys.stderr)
        return 2
    tmp.replace(target)
    print(f"{'function':<34}{'cycles/packet':>14}{'cycles/byte':>12}{'points':>7}{'RMS error':>10}")
    for f in fits:
        print(f"{f.function:<34}{f.per_packet:>14.1f}{f.per_byte:>12.4f}{f.points:>7}"
              f"{f.residual:>10.1%}")  # fmt: skip
    print(f"\nwrote {target} (the rest inherited from {base}); use it with run.profile")
    return 0


def _clock(path: Path) -> float:
    """The clock of the measurements (the first row's: cycles do not depend on it)."""
    rows = list(csv.DictReader(path.read_text().splitlines()))
    return float(rows[0]["clock_ghz"])
