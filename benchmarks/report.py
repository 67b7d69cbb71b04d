"""Print the benchmark figures as Markdown tables, from pytest-benchmark's JSON.

python -m pytest benchmarks --benchmark-json=bench.json
python benchmarks/report.py bench.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def main(path: str) -> None:
    with open(path) as f:
        doc = json.load(f)
    rows: dict = defaultdict(dict)
    engine = []
    sweeps: dict[str, float] = {}
    for b in doc["benchmarks"]:
        info, name = b["extra_info"], b["name"]
        if "runs_per_s" in info:
            median = b["stats"]["median"]
            print(f"{info['case']}: {info['runs_per_s']:.1f} runs/s, median {median:.3f} s")
            sweeps[info["case"]] = median
            if "overhead_share" in info:
                sweeps["overhead_share"] = info["overhead_share"]
            continue
        if "sim_pps" in info:
            engine.append((info["case"], info["sim_pps"], b["stats"]["median"]))
            continue
        if "mpps" not in info:
            print(f"{name}: median {b['stats']['median']:.3f} s")
            continue
        kind = name.split("[")[0].removeprefix("test_")
        batch = int(b["params"].get("batch", info["packets"]))
        rows[(info["kernel"], info["frame"])][(kind, batch)] = info["mpps"]
    m = doc["machine_info"]
    print(
        f"\nMachine: {m.get('cpu', {}).get('brand_raw', m['machine'])}, "
        f"Python {m['python_version']}; {doc['datetime'][:10]}\n"
    )
    _sweep_ratios(sweeps)
    if engine:
        print("| engine case | simulated packets per second | median run, s |")
        print("|---|---|---|")
        for case, pps, median in engine:
            print(f"| {case} | {pps / 1e6:.3f} M | {median:.3f} |")
        by_case = {case: pps for case, pps, _ in engine}
        fast = by_case.get("6 stations in tandem, engine")
        slow = by_case.get("6 stations in tandem, SimPy packet by packet")
        if fast and slow:
            print(f"\nEngine / packet-by-packet reference: {fast / slow:,.0f}x\n")
    if not rows:
        return
    print("| kernel | frame | batch | Mpps | touch Mpps | kernel/touch | twin Mpps | kernel/twin |")
    print("|---|---|---|---|---|---|---|---|")
    for (kernel, frame), cases in sorted(rows.items()):
        twin = cases.get(("twin", 256))
        for (kind, batch), mpps in sorted(cases.items(), key=lambda kv: kv[0][1]):
            if kind != "kernel":
                continue
            touch = cases.get(("touch", batch))
            ratio = f"{mpps / touch:.0%}" if touch else ""
            speedup = f"{mpps / twin:,.0f}x" if twin else ""
            t = f"{touch:.1f}" if touch else ""
            tw = f"{twin:.3f}" if twin else ""
            print(
                f"| {kernel} | {frame} | {batch} | {mpps:.1f} | {t} | {ratio} | {tw} | {speedup} |"
            )


def _sweep_ratios(t: dict[str, float]) -> None:
    """Machinery overhead and speed-up of test_sweep.py, from medians of the same run."""
    bare = next((v for k, v in t.items() if "bare" in k), None)
    one = next((v for k, v in t.items() if k.startswith("sweep") and "1 worker" in k), None)
    two = next((v for k, v in t.items() if k.startswith("sweep") and "2 worker" in k), None)
    cpu1 = t.get("CPU work in 1 process(es)")
    cpu2 = t.get("CPU work in 2 process(es)")
    if bare and one:
        print(f"sweep with 1 worker against the bare loop: {(one - bare) / bare:+.1%}")
    if "overhead_share" in t:
        print(f"sweep machinery overhead, same rounds: {t['overhead_share']:+.1%} of the points")
    if one and two:
        print(f"sweep speed-up with 2 workers: {one / two:.2f}x")
    if cpu1 and cpu2:
        print(f"the machine's ceiling (CPU work, 2 processes): {cpu1 / cpu2:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1])
