"""The report's plots, drawn headless with matplotlib's object API (no pyplot state).

Each function takes a :class:`~nvbench.report.sources.ReportSource` and returns a Figure, or
None when the directory has nothing for that plot (a run has no load axis, a sweep no
frontier): the page says so instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from statistics import mean
from typing import Any

from matplotlib.figure import Figure

from nvbench.patterns.table import NAMES
from nvbench.report.sources import ReportSource

PATTERNS = NAMES
COLOURS = dict(zip(PATTERNS, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"),
                   strict=True))  # fmt: skip
LOAD = "offered load (kpackets/s, per VM network)"


def _figure(title: str, xlabel: str, ylabel: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(True, alpha=0.3)
    return fig, ax


def _by_pattern(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["pattern"]].append(r)
    return {p: out[p] for p in PATTERNS if p in out}


def _curve(rows: list[dict[str, Any]], x: str, y: Callable[[dict], float | None]) -> tuple:
    """Mean of ``y`` at each distinct ``x`` (replications and tenants averaged)."""
    at: dict[float, list[float]] = defaultdict(list)
    for r in rows:
        v = y(r)
        if r.get(x) is not None and v is not None:
            at[round(r[x], 6)].append(v)
    xs = sorted(at)
    return xs, [mean(at[k]) for k in xs]


def _key(name: str) -> Callable[[dict], float | None]:
    return lambda r: r[name]


def _loads(src: ReportSource) -> bool:
    """A sweep varies the offered load when its tenants' offered rates differ."""
    return src.kind == "sweep" and len({round(r["load_pps"] or 0) for r in src.tenants}) > 1


def throughput(src: ReportSource) -> Figure | None:
    if not _loads(src):
        return None
    fig, ax = _figure("Throughput against offered load", LOAD, "delivered (kpackets/s)")
    top = 0.0
    for p, rows in _by_pattern(src.tenants).items():
        xs, ys = _curve(rows, "load_pps", _key("delivered_pps"))
        ax.plot([x / 1e3 for x in xs], [y / 1e3 for y in ys], "o-", label=p, color=COLOURS[p])
        top = max([top, *xs])
    ax.plot([0, top / 1e3], [0, top / 1e3], ":", color="grey", label="delivered = offered")
    ax.legend()
    return fig


def latency(src: ReportSource) -> Figure | None:
    """p50 and p99 per pattern: against load for a sweep that varies it, else as bars
    (with the spread over runs and tenants)."""
    groups = _by_pattern(src.tenants)
    if not groups and not src.points:
        return None
    if src.kind == "plan":
        return _plan_curve(src, "p99_ms", "p99 latency against load (plan runs)", "p99 (ms)")
    if _loads(src):
        fig, ax = _figure("Latency against offered load", LOAD, "latency (ms)")
        for p, rows in groups.items():
            for q, style in (("latency_p50_ms", "--"), ("latency_p99_ms", "-")):
                xs, ys = _curve(rows, "load_pps", _key(q))
                ax.plot([x / 1e3 for x in xs], ys, style, marker="o", color=COLOURS[p],
                        label=f"{p} {q.split('_')[1]}")  # fmt: skip
        ax.set_yscale("log")
        ax.legend(fontsize="small", ncol=2)
        return fig
    fig, ax = _figure("Latency per pattern", "", "latency (ms)")
    for i, (p, rows) in enumerate(groups.items()):
        for j, q in enumerate(("latency_p50_ms", "latency_p99_ms")):
            vals = [r[q] for r in rows if r[q] is not None]
            if vals:
                mid = mean(vals)
                ax.bar(i + (j - 0.5) * 0.38, mid, 0.36, color=COLOURS[p], alpha=0.5 + 0.5 * j,
                       yerr=[[mid - min(vals)], [max(vals) - mid]], capsize=3)  # fmt: skip
    ax.set_xticks(range(len(groups)), [f"{p}\n(p50 | p99)" for p in groups])
    return fig


def loss(src: ReportSource) -> Figure | None:
    if src.kind == "plan":
        return _plan_curve(src, "loss", "Loss against load (plan runs)", "loss (fraction)")
    if not _loads(src):
        return None
    fig, ax = _figure("Loss against offered load", LOAD, "loss (fraction)")
    for p, rows in _by_pattern(src.tenants).items():
        xs, ys = _curve(rows, "load_pps", _key("loss"))
        ax.plot([x / 1e3 for x in xs], ys, "o-", label=p, color=COLOURS[p])
    ax.legend()
    return fig


def _plan_curve(src: ReportSource, key: str, title: str, ylabel: str) -> Figure | None:
    points = [x for x in src.points if x["question"] == "load"]
    if not points:
        return None
    fig, ax = _figure(title, "load factor (x the scenario's load)", ylabel)
    for p, rows in _by_pattern(points).items():
        for method, style in (("analytic", "--"), ("simulated", "o")):
            mine = sorted((r["load_factor"], r[key]) for r in rows if r["method"] == method)
            ax.plot([a for a, _ in mine], [b for _, b in mine], style, color=COLOURS[p],
                    label=f"{p} ({method})")  # fmt: skip
    ax.set_xscale("log")
    if key != "loss":
        ax.set_yscale("log")
    ax.legend(fontsize="small", ncol=2)
    return fig


def ipv4(src: ReportSource) -> Figure | None:
    """Public IPv4 addresses per pattern: the bill of one run, or the plan's answer."""
    if src.kind == "plan":
        bill = {a["pattern"]: a["public_ipv4"] or 0 for a in src.answers}
    elif not src.tenants:
        return None
    else:
        first = src.tenants[0]["run_id"]
        bill = defaultdict(int)
        for r in src.tenants:
            if r["run_id"] == first:
                bill[r["pattern"]] += r["public_ipv4"]
    if not bill:
        return None
    fig, ax = _figure("Public IPv4 addresses per pattern", "", "addresses")
    names = [p for p in PATTERNS if p in bill]
    ax.bar(names, [bill[p] for p in names], color=[COLOURS[p] for p in names])
    for i, p in enumerate(names):
        ax.annotate(str(bill[p]), (i, bill[p]), ha="center", va="bottom")
    return fig


def frontier(src: ReportSource) -> Figure | None:
    """Tenants that G gateway VMs carry within the SLO: the estimate's line, and the
    simulated answer for the scenario's tenants."""
    if not src.frontier:
        return None
    fig, ax = _figure("Capacity frontier under the SLO", "gateway VMs", "tenants carried")
    for p, rows in _by_pattern(src.frontier).items():
        rows = sorted(rows, key=lambda r: r["gateway_vms"])
        ax.plot([r["gateway_vms"] for r in rows], [r["tenants"] for r in rows], "-",
                color=COLOURS[p], label=f"{p} (estimate)")  # fmt: skip
    for a in src.answers:
        if a["gateway_vms"]:
            ax.plot([a["gateway_vms"]], [a["tenants"]], "o", color=COLOURS[a["pattern"]],
                    label=f"{a['pattern']} (simulated, the scenario's tenants)")  # fmt: skip
    ax.legend(fontsize="small")
    return fig


def validation(src: ReportSource) -> Figure | None:
    """Simulated over published, per measure with a figure: inside the ±15 % band passes
    (green), outside fails (red); a figure that set the profile's costs is grey (it can
    only be reproduced, never pass)."""
    rows = [r for r in src.validation if r["ratio"] is not None]
    if not rows:
        return None
    fig, ax = _figure("Simulated against published", "simulated / published", "")
    colour = {"PASS": "tab:green", "FAIL": "tab:red"}
    ys = range(len(rows))
    ax.barh(list(ys), [r["ratio"] for r in rows],
            color=[colour.get(r["verdict"], "tab:gray") for r in rows])  # fmt: skip
    ax.axvspan(0.85, 1.15, color="tab:green", alpha=0.12, label="±15 %")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(list(ys), [f"{r['what']}\n{r['figure']}: {r['verdict']}" for r in rows],
                  fontsize="small")  # fmt: skip
    ax.set_xlim(0, max(1.5, max(r["ratio"] for r in rows) * 1.1))
    ax.invert_yaxis()
    ax.legend(fontsize="small", loc="lower right")
    return fig


def sensitivity(src: ReportSource) -> Figure | None:
    """A tornado: each assumed cost moved by -20 % and +20 %, and how far each measure's
    capacity moves (the largest on top); those that move nothing are left out."""
    rows = sorted((r for r in src.sensitivity if r["swing"] >= 0.001), key=lambda r: -r["swing"])
    if not rows:
        return None
    fig, ax = _figure("What the assumptions move", "change of the capacity (%)", "")
    ys = list(range(len(rows)))
    for key, colour, label in (("cheaper", "tab:green", "cost -20 %"),
                               ("dearer", "tab:red", "cost +20 %")):  # fmt: skip
        ax.barh(ys, [100 * (r[key] - r["base"]) / r["base"] for r in rows], color=colour,
                label=label)  # fmt: skip
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(ys, [f"{r['functions']}\non {r['measure']}" for r in rows], fontsize="small")
    ax.invert_yaxis()
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    return fig


PLOTS = {
    "throughput": ("Throughput against offered load", throughput),
    "latency": ("Latency", latency),
    "loss": ("Loss against load", loss),
    "ipv4": ("Public IPv4 bill", ipv4),
    "frontier": ("Capacity frontier", frontier),
    "validation": ("A profile against the published figures", validation),
    "sensitivity": ("What the assumptions move", sensitivity),
}
WHERE = {
    "throughput": "a sweep whose points vary the offered load",
    "latency": "a run, a sweep or a plan",
    "loss": "a sweep whose points vary the offered load, or a plan",
    "ipv4": "a run, a sweep or a plan",
    "frontier": "a plan directory (nvbench plan)",
    "validation": "a validation directory (nvbench validate)",
    "sensitivity": "a validation directory with its sensitivity (nvbench validate "
    "--sensitivity) where an assumption moves a capacity",
}
