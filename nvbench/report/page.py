"""Write report.html (plots embedded as data URIs, so the one file is the whole report) and
the plots as PNG files beside it, each file atomically."""

from __future__ import annotations

import base64
import html
import io
import json
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

from nvbench import __version__
from nvbench.records.dataset import atomic_write_bytes
from nvbench.report import figures
from nvbench.report.sources import ReportError, ReportSource, read

__all__ = ["ReportError", "write"]


def write(root: Path) -> list[Path]:
    """Report on the run, sweep or plan in ``root``; the files written (HTML first)."""
    src = read(root)
    images: dict[str, bytes] = {}
    for name, (_, draw) in figures.PLOTS.items():
        fig = draw(src)
        if fig is not None:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110, metadata=png_metadata(fig))
            images[name] = buf.getvalue()
    written = [root / "report.html"]
    atomic_write_bytes(root / "report.html", _page(src, images).encode())
    for name, png in images.items():
        atomic_write_bytes(root / f"{name}.png", png)
        written.append(root / f"{name}.png")
    return written


def png_metadata(fig) -> dict[str, str | None]:
    """What the PNG says of itself in its text chunks, for a reader without eyes (and the
    tests): its title, and for each panel the title, the axis labels and the number of
    series (lines, bar groups, error-bar series) drawn on it."""
    panels = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        drawn = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        bars = [c for c in ax.containers if not c.get_label().startswith("_")]
        panels.append({"title": ax.get_title(), "xlabel": ax.get_xlabel(),
                       "ylabel": ax.get_ylabel(), "series": len(drawn) + len(bars),
                       "xscale": ax.get_xscale(), "yscale": ax.get_yscale()})  # fmt: skip
    title = fig.get_suptitle() or (panels[0]["title"] if panels else "")
    return {"Software": None, "Title": title, "Description": json.dumps({"panels": panels})}


def _page(src: ReportSource, images: dict[str, bytes]) -> str:
    subject = src.meta.get("scenario", src.meta.get("profile", src.root.name))
    title = f"nvbench {src.kind} report: {subject}"
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        _provenance(src),
        _summary(src),
        _placements(src),
        _failures(src),
    ]
    for name, (heading, _) in figures.PLOTS.items():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if name in images:
            data = base64.b64encode(images[name]).decode()
            parts.append(f'<img alt="{name}" src="data:image/png;base64,{data}">')
        else:
            parts.append(f"<p class=none>Not in this directory: it needs "
                         f"{html.escape(figures.WHERE[name])}.</p>")  # fmt: skip
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
             "text-align:right}.none{color:#777}img{max-width:100%}")  # fmt: skip
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{style}</style></head><body>{''.join(parts)}"
            f"<p class=none>Written by nvbench {__version__}.</p></body></html>\n")  # fmt: skip


def _provenance(src: ReportSource) -> str:
    keys = ("nvbench", "git_commit", "schema_version", "profile", "scenario", "slo",
            "seed_entropy", "spawn_key", "sweep_seed", "scenario_hash", "profile_hash",
            "sweep_hash", "packages")  # fmt: skip
    rows = [(k, src.meta[k]) for k in keys if k in src.meta]
    return _table(["provenance", ""], rows) if rows else ""


def _summary(src: ReportSource) -> str:
    if src.kind == "validation":
        head = ["measure", "simulated", "published", "ratio", "figure", "verdict", "limited by"]
        checked: list[tuple] = [
            (f"{r['what']} ({r['unit']})", f"{r['simulated']:.4g}", r["published"],
             "-" if r["ratio"] is None else f"{r['ratio']:.2f}", r["figure"], r["verdict"],
             r["limited_by"]) for r in src.validation]  # fmt: skip
        return "<h2>Profile against the published figures</h2>" + _table(head, checked)
    if src.kind == "plan":
        head = ["pattern", "tenants", "GW VMs (estimate)", "GW VMs (simulated)", "GW hosts",
                "public IPv4", "fleet GW VMs", "max load (estimate)", "max load (simulated)",
                "max tenants (simulated)", "note"]  # fmt: skip
        answers: list[tuple] = [
                (a["pattern"], a["tenants"], a["gateway_vms_analytic"], a["gateway_vms"],
                 a["gateway_hosts"], a["public_ipv4"], a["fleet_gateway_vms"],
                 _x(a["max_load_analytic"]), _x(a["max_load"]), a["max_tenants"],
                 a["note"]) for a in src.answers]  # fmt: skip
        return "<h2>Plan</h2>" + _table(head, answers)
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in src.tenants:
        by[r["pattern"]].append(r)
    head = ["pattern", "rows", "Mbit/s (mean)", "p50 ms (mean)", "p99 ms (worst)", "loss (worst)",
            "bottleneck (most often)"]  # fmt: skip
    rows: list[tuple] = []
    for p in (p for p in figures.PATTERNS if p in by):
        rs = by[p]
        p99 = [r["latency_p99_ms"] for r in rs if r["latency_p99_ms"] is not None]
        p50 = [r["latency_p50_ms"] for r in rs if r["latency_p50_ms"] is not None]
        necks = [r["bottleneck"] for r in rs]
        rows.append((p, len(rs), f"{mean(r['throughput_mbps'] for r in rs):.1f}",
                     f"{mean(p50):.3f}" if p50 else "-", f"{max(p99):.3f}" if p99 else "-",
                     f"{max(r['loss'] for r in rs):.2%}",
                     max(set(necks), key=necks.count)))  # fmt: skip
    runs = len({r["run_id"] for r in src.tenants})
    return f"<h2>Summary ({runs} run{'s' * (runs != 1)})</h2>" + _table(head, rows)


def _placements(src: ReportSource) -> str:
    """The gateway layouts `nvbench compare` ran side by side, if it did."""
    if not src.placements:
        return ""
    head = ["placement", "GW VMs", "GW hosts", "busiest vCPU", "loss", "worst p99 ms", "Mbit/s"]
    rows = [(p["placement"], p["gateway_vms"], p["gateway_hosts"], f"{p['busiest_vcpu']:.1%}",
             f"{p['loss']:.2%}", "-" if p["worst_p99_ms"] is None else f"{p['worst_p99_ms']:.3f}",
             f"{p['throughput_mbps']:.1f}") for p in src.placements]  # fmt: skip
    return "<h2>Gateway placements, the same tenants on each</h2>" + _table(head, rows)


def _failures(src: ReportSource) -> str:
    """A sweep's points that raised: the report says what is missing from its plots."""
    if not src.failures:
        return ""
    rows = [(f["run_id"], json.dumps(f["point"]), f["error"]) for f in src.failures]
    return (f"<h2>{len(rows)} failed run(s): not in the plots</h2>"
            + _table(["run", "point", "error"], rows))  # fmt: skip


def _x(factor: float | None) -> str:
    return "-" if factor is None else f"x{factor:.2f}"


def _table(head: list[str], rows: list[tuple]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('-' if v is None else str(v))}</td>"
                                    for v in row) + "</tr>" for row in rows)  # fmt: skip
    return f"<table><tr>{th}</tr>{body}</table>"
