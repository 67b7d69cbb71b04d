"""Result tables of every shipped scenario and of the NAT reference cloud, kept as a
behaviour fingerprint: a restructuring of the code must leave them identical (same seed).

``python -m tests.golden.tables`` writes them under ``tests/golden/tables/``; the test in
``test_unchanged.py`` recomputes them and compares. Regenerate only for a change that is
meant to alter the results, and say in the commit why and from which commit they came.
Last made by a198012 (issue 13: VPN time order, RA both ways, SA pinning, sites, WAN
links), which changed the S2S, remote-access, MPLS and failover figures on purpose; nat_pool
again by the commit after it (a host takes its pool's least-loaded address); all again by the
upstream-NAT commit (the patterns table's public_ipv4_shared column, the double_nat
scenario's private pools, the capture as pcapng); and by the MTU commit (tunnel tenants'
frames capped at the inner MTU over the 1500-byte external path); and by the VLAN commit
(MPLS tenants on VLAN 100, mpls.toml two-way); and by the commit that cuts ESP into IPv4
pieces (the run and elements tables' new originated and absorbed columns, all zero here:
every other value was checked equal to the tables before it); and by issue 14's costs commit
(kernel-path forwarding and NAT costs [S35], ESP per packet, the gateway host's vSwitch port
for the external side and the upstream NAT device's cost: new elements, new times, and,
since random streams are spawned in the order elements are made, new draws after them); and
by the typed-tables commit (issue 15: the engine's tables typed even when empty, and every
element's own figures kept in `elements`, which took its columns from the first row: only
the schemas and the new columns changed, every value of the old columns is as before); and
by the captures commit (the tenants' traffic to the discard port 9 from Windows' dynamic
ports 49152 and up, instead of 53/443 from 1024 up: the new 5-tuples hash to other vCPUs
and paths, so utilizations and latencies moved slightly, and in hosting which packets are
still in flight at the end; every tenant's offered count is unchanged); and by the commit
that split the patterns table's gateway_vcpu_util into gateway_vcpu_busiest (its values) and
gateway_vcpu_mean; and by the replications commit (issue 15: a tenant's offered counts only
its packets sent in the measurement window, those inside at the warm-up's end are its new
carried_in: in every table, the new offered + carried_in equals the old offered, and every
other column is as before).
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from nvbench import runner
from nvbench.api import simulate
from nvbench.scenario.loader import load
from nvbench.topologies import nat_cloud
from tests.helpers import SHIPPED

HERE = Path(__file__).resolve().parent
STORE = HERE / "tables"
# Simulated seconds per case: long enough to pass every fault and warm-up (failover: its
# failure at 2.3 s and the drops that follow); short enough for CI.
DURATION = {"hosting": 0.1, "failover": 2.5, "outage": 0.8}
DEFAULT_DURATION = 0.3
CAPTURE = ("default", 400)  # the scenario whose first frames are fingerprinted too


def cases() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.toml")) + ["nat_cloud"]


def tables(case: str) -> dict[str, pa.Table]:
    """The result tables of ``case`` (a shipped scenario's name, or ``nat_cloud``)."""
    if case == "nat_cloud":
        r = simulate(lambda sim: nat_cloud(sim, offered_pps=2e5), 50_000_000, seed=7)
        return r.to_arrow()
    s = load(SHIPPED / f"{case}.toml")
    sr = runner.run(s, duration_s=DURATION.get(case, DEFAULT_DURATION))
    out = dict(sr.result.to_arrow())
    out["patterns"] = pa.Table.from_pylist(sr.rows)
    if case == CAPTURE[0]:
        out["capture"] = pa.table({"sha256": [capture_digest(s)]})
    return out


def capture_digest(s) -> str:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.pcap"
        runner.capture(s, path, None, CAPTURE[1], duration_s=0.2)
        return hashlib.sha256(path.read_bytes()).hexdigest()


def stored(case: str) -> dict[str, pa.Table]:
    return {p.stem: pq.read_table(p) for p in sorted((STORE / case).glob("*.parquet"))}


def write(case: str) -> None:
    folder = STORE / case
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    for name, t in tables(case).items():
        pq.write_table(t.replace_schema_metadata(None), folder / f"{name}.parquet")


if __name__ == "__main__":
    for c in sys.argv[1:] or cases():
        write(c)
        print(c)
