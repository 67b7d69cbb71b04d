"""A run's time series (``run.series_interval_ms``) over simulated time: each gateway's
throughput, drops and queue, with the run's faults and takeovers marked. The series
counts are cumulative from the end of the warm-up (docs/data.md): each step's rate is the
difference from the step before."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from matplotlib.figure import Figure

from nvbench.report.sources import ReportSource

MARKS = {"down": ("tab:red", "fails"), "takeover": ("tab:green", "takes over"),
         "tunnels up": ("tab:blue", "tunnels up")}  # fmt: skip


def timeline(src: ReportSource) -> Figure | None:
    """Three panels sharing the time axis: delivered Mbit/s, drops per second and packets
    inside, one line per gateway VM (every element's series is in the files)."""
    gateways = src.gateways or sorted({r["gateway"] for r in src.tenants if r.get("gateway")})
    steps = _steps(src.series, set(gateways), _measured_from(src))
    if not steps:
        return None
    fig = Figure(figsize=(7.5, 7.2), layout="constrained")
    panels = fig.subplots(3, 1, sharex=True)
    which = "the first replication" if src.kind == "run" else "the sweep's first run"
    fig.suptitle(f"Over time: each gateway VM ({which})")
    labels = ("delivered (Mbit/s)", "dropped (packets/s)", "inside (packets)")
    for ax, label in zip(panels, labels, strict=True):
        ax.set(ylabel=label)
        ax.grid(True, alpha=0.3)
    panels[-1].set(xlabel="simulated time (s)")
    for name, rows in sorted(steps.items()):
        ts = [r[0] for r in rows]
        for ax, k in zip(panels, (1, 2, 3), strict=True):
            ax.plot(ts, [r[k] for r in rows], label=name)
    _mark(panels, src.events)
    panels[0].legend(fontsize="small")
    return fig


def _measured_from(src: ReportSource) -> int:
    first = [r for r in src.runs if r.get("replication", 0) == 0]
    return int(first[0]["measured_from_ns"]) if first else 0


def _steps(series: list[dict[str, Any]], names: set[str], start: int) -> dict[str, list]:
    """Per element in ``names``: (time s, Mbit/s, drops/s, inside) for each step measured."""
    by: dict[str, list[dict]] = defaultdict(list)
    for r in series:
        if r["element"] in names and r["t_ns"] > start:
            by[r["element"]].append(r)
    out = {}
    for name, rows in by.items():
        rows.sort(key=lambda r: r["t_ns"])
        t0, bytes0, dropped0 = start, 0, 0
        steps = []
        for r in rows:
            seconds = (r["t_ns"] - t0) / 1e9
            steps.append((r["t_ns"] / 1e9, (r["bytes"] - bytes0) * 8 / seconds / 1e6,
                          (r["dropped"] - dropped0) / seconds, r["in_flight"]))  # fmt: skip
            t0, bytes0, dropped0 = r["t_ns"], r["bytes"], r["dropped"]
        out[name] = steps
    return out


def _mark(panels: Any, events: list[dict[str, Any]]) -> None:
    """A vertical line at each fault, takeover and tunnel re-establishment, named once."""
    for k, e in enumerate(sorted(events, key=lambda e: e["t_ns"])):
        colour, verb = MARKS.get(e["kind"], ("grey", e["kind"]))
        for ax in panels:
            ax.axvline(e["t_ns"] / 1e9, color=colour, linestyle="--", linewidth=1)
        # Alternate sides of the line: events at one instant (a takeover, its tunnels) apart.
        side = ("right", "left")[k % 2]
        panels[0].annotate(f"{e['element']} {verb}", (e["t_ns"] / 1e9, 0.98), xycoords=(
            "data", "axes fraction"), rotation=90, va="top", ha=side, fontsize="x-small",
            color=colour)  # fmt: skip
