"""The report's plots, drawn headless with matplotlib's object API (no pyplot state).

Each function takes a :class:`~nvbench.report.sources.ReportSource` and returns a Figure, or
None when the directory has nothing for that plot (a run has no load axis, a sweep no
frontier): the page says so instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from nvbench.patterns.table import NAMES
from nvbench.report import curves
from nvbench.report.sources import ReportSource
from nvbench.report.timeline import timeline

PATTERNS = NAMES
COLOURS = dict(zip(PATTERNS, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"),
                   strict=True))  # fmt: skip
MAX_LABELLED = 10  # VM networks on a plot beyond which the legend names patterns only


def _figure(title: str, xlabel: str, ylabel: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(True, alpha=0.3)
    return fig, ax


def _panels(title: str, n: int, xlabel: str, ylabel: str) -> tuple[Figure, list[Any]]:
    """A figure of ``n`` panels (a sweep's facets) sharing the y axis, in rows of three."""
    cols = min(3, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(4.4 * cols + 1.2, 3.4 * rows + 0.8), layout="constrained")
    grid = fig.subplots(rows, cols, sharey=True, squeeze=False)
    axes = [a for row in grid for a in row]
    for a in axes[n:]:
        a.set_visible(False)
    for a in axes[:n]:
        a.set(xlabel=xlabel, ylabel=ylabel)
        a.grid(True, alpha=0.3)
    fig.suptitle(title)
    return fig, axes[:n]


def _by_pattern(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["pattern"]].append(r)
    return {p: out[p] for p in PATTERNS if p in out}


def _key(name: str) -> Callable[[dict], float | None]:
    return lambda r: r[name]


def _swept(src: ReportSource) -> curves.Axes | None:
    """How a sweep's rows are laid out, or None when nothing swept varies."""
    if src.kind != "sweep":
        return None
    axes = curves.layout(src.tenants, src.swept)
    return axes if axes.x is not None else None


def _sweep_plot(src: ReportSource, title: str, ylabel: str, y: curves.Y,
                scale: float = 1.0, diagonal: bool = False) -> Figure | None:  # fmt: skip
    """``y`` against the sweep's x, one line per VM network with error bars, one panel
    per combination of the other swept values."""
    axes = _swept(src)
    if axes is None:
        return None
    assert axes.x is not None
    groups, total = curves.facets(src.tenants, axes.facets)
    if total > len(groups):  # said, never dropped silently
        title += f" (the first {len(groups)} of {total} panels; the rest in the data)"
    fig, panels = _panels(title, len(groups), axes.label, ylabel)
    many = len({r["vm_network"] for r in src.tenants}) > MAX_LABELLED
    for ax, (values, rows) in zip(panels, groups, strict=True):
        if axes.facets:
            named = zip(axes.facets, values, strict=True)
            ax.set_title(", ".join(f"{src.swept[c]} = {v}" for c, v in named), fontsize="small")
        top = 0.0
        drawn = sorted(curves.lines(rows, axes.x, y), key=lambda k: (k.pattern, k.vm_network))
        for k, line in enumerate(drawn):
            xs = [p.x * axes.scale for p in line.points]
            label = line.pattern if many else f"{line.pattern}: {line.vm_network}"
            # Each line thinner and its markers smaller than the one before, so that lines
            # on top of each other (tenants sharing a saturated gateway) all stay visible.
            size, width = (3.0, 0.8) if many else (max(3.0, 10 - 1.5 * k), max(0.8, 4 - 0.6 * k))
            ax.errorbar(xs, [p.mean * scale for p in line.points],
                        yerr=curves.error_bars(line.points, scale), marker="o", capsize=3,
                        color=COLOURS[line.pattern], label=label, markersize=size,
                        linewidth=width)  # fmt: skip
            top = max([top, *xs])
        if diagonal:  # the swept rate's own tenant delivers what it is offered
            ax.plot([0, top], [0, top], ":", color="grey", label="delivered = offered")
        _legend(ax)
    return fig


def _legend(ax: Any) -> None:
    """One entry per label (many VM networks of a pattern share their pattern's)."""
    handles, labels = ax.get_legend_handles_labels()
    seen = dict(zip(labels, handles, strict=True))
    ax.legend(seen.values(), seen.keys(), fontsize="small")


def throughput(src: ReportSource) -> Figure | None:
    if src.kind == "run":
        return _run_bars(src, "Throughput per VM network", "throughput (Mbit/s)",
                         [("throughput_mbps", "")])  # fmt: skip
    axes = _swept(src)
    if axes is None:
        return None
    if axes.scale != 1.0:  # a traffic rate on x
        return _sweep_plot(src, "Throughput against offered load", "delivered (kpackets/s)",
                           _key("delivered_pps"), 1e-3, diagonal=True)  # fmt: skip
    return _sweep_plot(src, "Throughput", "throughput (Mbit/s)", _key("throughput_mbps"))


def latency(src: ReportSource) -> Figure | None:
    """p99 against the sweep's x; for a run, p50 and p99 per VM network as bars; for a plan,
    the p99 of each evaluation. Error bars: 95 % intervals over the replications."""
    if src.kind == "plan":
        return _plan_curve(src, "p99_ms", "p99 latency against load (plan runs)", "p99 (ms)")
    if src.kind == "run":
        return _run_bars(src, "Latency per VM network", "latency (ms)",
                         [("latency_p50_ms", "p50"), ("latency_p99_ms", "p99")])  # fmt: skip
    return _sweep_plot(src, "p99 latency", "p99 latency (ms)", _key("latency_p99_ms"))


def loss(src: ReportSource) -> Figure | None:
    if src.kind == "plan":
        return _plan_curve(src, "loss", "Loss against load (plan runs)", "loss (%)", 100)
    return _sweep_plot(src, "Loss", "loss (%)", _key("loss"), 100)


def _run_bars(src: ReportSource, title: str, ylabel: str,
              keys: list[tuple[str, str]]) -> Figure | None:  # fmt: skip
    """One group of bars per VM network (its pattern's colour), one bar per key, with
    the 95 % interval over the replications."""
    if not src.tenants:
        return None
    names = list(dict.fromkeys(r["vm_network"] for r in src.tenants))
    pattern = {r["vm_network"]: r["pattern"] for r in src.tenants}
    runs = len({r["run_id"] for r in src.tenants})
    fig, ax = _figure(f"{title} ({runs} replication{'s' * (runs != 1)})", "", ylabel)
    width = 0.8 / len(keys)
    for j, (key, label) in enumerate(keys):
        bars = {ln.vm_network: ln.points[0] for ln in curves.lines(src.tenants, None, _key(key))
                if ln.points}  # fmt: skip
        xs = [i for i, n in enumerate(names) if n in bars]
        points = [bars[names[i]] for i in xs]
        ax.bar([i + (j - (len(keys) - 1) / 2) * width for i in xs], [p.mean for p in points],
               width * 0.95, yerr=curves.error_bars(points), capsize=3,
               color=[COLOURS[pattern[names[i]]] for i in xs], alpha=0.55 + 0.45 * j,
               label=label or key)  # fmt: skip
    suffix = f"\n({' | '.join(label for _, label in keys)})" if len(keys) > 1 else ""
    ax.set_xticks(range(len(names)), [f"{n}\n{pattern[n]}{suffix}" for n in names],
                  fontsize="small")  # fmt: skip
    return fig


def _plan_curve(src: ReportSource, key: str, title: str, ylabel: str,
                scale: float = 1.0) -> Figure | None:  # fmt: skip
    """The plan's evaluations of the scenario's fleet at each load factor: the estimate as a
    dashed line, each simulation's mean with a bar up to the upper end of its interval
    (what the SLO was judged on)."""
    points = [x for x in src.points if x["question"] == "load"]
    if not points:
        return None
    fig, ax = _figure(title, "load factor (× the scenario's load)", ylabel)
    for p, rows in _by_pattern(points).items():
        est = sorted((r["load_factor"], r[key]) for r in rows if r["method"] == "analytic")
        ax.plot([a for a, _ in est], [b * scale for _, b in est], "--", color=COLOURS[p],
                label=f"{p} (estimate)")  # fmt: skip
        sims = sorted((r for r in rows if r["method"] == "simulated"),
                      key=lambda r: r["load_factor"])  # fmt: skip
        if sims:
            up = [0.0 if r[f"{key}_ci_high"] is None else (r[f"{key}_ci_high"] - r[key]) * scale
                  for r in sims]  # fmt: skip
            ax.errorbar([r["load_factor"] for r in sims], [r[key] * scale for r in sims],
                        yerr=[[0.0] * len(sims), up], fmt="o", capsize=3, color=COLOURS[p],
                        label=f"{p} (simulated)")  # fmt: skip
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
    """Tenants like each pattern's typical one that G gateway VMs carry within the SLO: the
    estimate as a dashed line, the simulated answers (one gateway VM, the scenario's fleet)
    as points; the plan's "max tenants" is the fleet's."""
    if not src.frontier:
        return None
    fig, ax = _figure("Capacity frontier under the SLO", "gateway VMs (passive partners "
                      "included)", "tenants carried")  # fmt: skip
    for p, rows in _by_pattern(src.frontier).items():
        rows = sorted(rows, key=lambda r: r["gateway_vms"])
        ax.plot([r["gateway_vms"] for r in rows], [r["tenants_analytic"] for r in rows], "--",
                marker=".", color=COLOURS[p], label=f"{p} (estimate)")  # fmt: skip
        sims = [r for r in rows if r["tenants"] is not None]
        if sims:
            ax.plot([r["gateway_vms"] for r in sims], [r["tenants"] for r in sims], "o",
                    markersize=8, color=COLOURS[p], label=f"{p} (simulated)")  # fmt: skip
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
    "throughput": ("Throughput", throughput),
    "latency": ("Latency", latency),
    "loss": ("Loss", loss),
    "timeline": ("Over time", timeline),
    "ipv4": ("Public IPv4 bill", ipv4),
    "frontier": ("Capacity frontier", frontier),
    "validation": ("A profile against the published figures", validation),
    "sensitivity": ("What the assumptions move", sensitivity),
}
WHERE = {
    "throughput": "a run, or a sweep whose points vary something",
    "latency": "a run, a sweep that varies something, or a plan",
    "loss": "a sweep that varies something, or a plan",
    "timeline": "a run or sweep whose scenario sets run.series_interval_ms",
    "ipv4": "a run, a sweep or a plan",
    "frontier": "a plan directory (nvbench plan)",
    "validation": "a validation directory (nvbench validate)",
    "sensitivity": "a validation directory with its sensitivity (nvbench validate "
    "--sensitivity) where an assumption moves a capacity",
}
