"""``nvbench validate --sensitivity``: how each capacity moves when an assumption moves.

An assumption is a cost the profile does not take from a published figure: its source
says "assumed" or "NOT FOUND". Costs that rest on one assumption (the same words) move
together, by -20 % and then +20 %; every measure whose packets pay one of those costs is
measured again (:func:`nvbench.validate.knee`) and its change reported. A measure whose
packets never pay them cannot move, and is not run again. A planner sees which
assumptions matter for the answer, and by how much.
"""

from __future__ import annotations

import fnmatch
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa

from nvbench import validate
from nvbench.model import costs, profiles
from nvbench.records.dataset import write_tables

FACTOR = 0.2
# The functions each measure's packets pay for, "{suite}" its tunnels' cipher suite: the
# gateway's function, the hosts' NVGRE work and the gateway host's external port on the way.
USES = {
    "ipsec_connection": ("esp_encap:{suite}", "esp_decap:{suite}", "nvgre_*", "vswitch"),
    "ipsec_gateway": ("esp_encap:{suite}", "esp_decap:{suite}", "nvgre_*", "vswitch"),
    "ipsec_tenants": ("esp_encap:{suite}", "esp_decap:{suite}", "nvgre_*", "vswitch"),
    "l3_gateway": ("forward", "nvgre_*", "vswitch"),
    "nat_gateway": ("nat_existing", "nat_new", "nvgre_*", "vswitch"),
    "remote_access_gateway": ("esp_decap:{suite}", "nvgre_*", "vswitch"),
    "public_per_vm": ("forward", "nat_1to1", "nvgre_*", "vswitch"),
}


@dataclass
class Swing:
    assumption: str  # the words of the source: what is assumed
    functions: str  # the costs that rest on it, comma-separated
    measure: str
    what: str
    base: float  # the measure's knee, Mbit/s, with the profile as it is
    cheaper: float  # ... with those costs 20 % lower
    dearer: float  # ... 20 % higher

    @property
    def swing(self) -> float:
        """The largest change either way, as a share of the base."""
        return max(abs(self.cheaper - self.base), abs(self.dearer - self.base)) / self.base


def assumptions(p: costs.Profile) -> dict[str, list[str]]:
    """The profile's assumed costs, grouped by the words of their source."""
    out: dict[str, list[str]] = {}
    for fn, c in p.costs.items():
        if "assumed" in c.source.lower() or "NOT FOUND" in c.source:
            out.setdefault(c.source, []).append(fn)
    return out


def uses(measure: str, suite: str, functions: list[str]) -> bool:
    patterns = [u.format(suite=suite) for u in USES[measure]]
    return any(fnmatch.fnmatch(fn, pat) for fn in functions for pat in patterns)


def sensitivity(profile: str, rows: list[validate.Row],
                say: Callable[[str], None] | None = None) -> list[Swing]:  # fmt: skip
    """The swings of ``profile``'s assumptions on the measures of ``rows`` (their knees
    with the profile as it is)."""
    p = profiles.load(profile)
    if not p.path.endswith(".toml"):
        raise profiles.ProfileError(f"{profile}: sensitivity needs a TOML profile")
    base = {r.measure: r for r in rows if r.measure in USES}
    out = []
    with tempfile.TemporaryDirectory() as d:
        for k, (words, fns) in enumerate(assumptions(p).items()):
            for m in validate.MEASURES:
                suite = validate._suite(p, m)
                if m.key not in base or not uses(m.key, suite, fns):
                    continue
                if say:
                    say(f"{', '.join(fns)} on {m.what} ...")
                knees = [validate.knee(m.key, str(_scaled(Path(d), k, p, fns, f)), suite)[0]
                         for f in (1 - FACTOR, 1 + FACTOR)]  # fmt: skip
                out.append(Swing(words, ", ".join(fns), m.key, m.what, base[m.key].simulated,
                                 *knees))  # fmt: skip
    return sorted(out, key=lambda s: -s.swing)


def _scaled(folder: Path, k: int, p: costs.Profile, fns: list[str], factor: float) -> Path:
    """A profile file: ``p`` with the costs ``fns`` times ``factor``."""
    lines = [f'name = "{p.name}-x{factor:g}"', 'title = "sensitivity"', 'basis = "sensitivity"',
             f'inherit = "{Path(p.path).resolve()}"', "calibration_clock_ghz = 2.6"]  # fmt: skip
    for fn in fns:
        c = p.costs[fn]
        lines += [f'[costs."{fn}"]', f"per_packet = {c.cycles_per_packet * factor!r}",
                  f"per_byte = {c.cycles_per_byte * factor!r}",
                  f'assumed = "x{factor:g} for the sensitivity"']  # fmt: skip
    path = folder / f"a{k}-x{factor:g}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def text(swings: list[Swing]) -> str:
    """The swings as a table, the largest first; those that move nothing in one line."""
    if not swings:
        return "No assumed cost is paid by the measured packets: nothing to move."
    moved = [s for s in swings if s.swing >= 0.001]
    head = f"{'assumed cost(s)':<62}{'measure':<18}{'base':>8}{'-20 %':>9}{'+20 %':>9}"
    lines = [f"Each assumed cost moved by -{FACTOR:.0%} and +{FACTOR:.0%}, the measures' knees "
             "(Mbit/s), the largest change first:", head]  # fmt: skip
    for s in moved:
        lines.append(f"{s.functions:<62}{s.measure:<18}{s.base:>8.0f}"
                     f"{_pct(s.cheaper, s.base):>9}{_pct(s.dearer, s.base):>9}")  # fmt: skip
    still = sorted({s.functions for s in swings} - {s.functions for s in moved})
    if still:
        lines.append(f"Moving nothing measured (under 0.1 %): {'; '.join(still)}")
    return "\n".join(lines)


def _pct(x: float, base: float) -> str:
    return f"{(x - base) / base:+.1%}"


SCHEMA = pa.schema([("assumption", pa.string()), ("functions", pa.string()),
                    ("measure", pa.string()), ("what", pa.string()), ("base", pa.float64()),
                    ("cheaper", pa.float64()), ("dearer", pa.float64()),
                    ("swing", pa.float64())])  # fmt: skip


def write(swings: list[Swing], out: Path, meta: dict[str, str]) -> list[Path]:
    rows = [{**asdict(s), "swing": s.swing} for s in swings]
    return write_tables(out, {"sensitivity": pa.Table.from_pylist(rows, schema=SCHEMA)}, meta)
