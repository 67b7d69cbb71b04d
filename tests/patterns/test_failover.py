"""Active/passive gateway clusters: detection after missed heartbeats, takeover, losses."""

from __future__ import annotations

from pathlib import Path

import pytest

from nvbench import runner
from nvbench.patterns.failover import detection_ns
from nvbench.scenario.loader import loads
from nvbench.scenario.schema import Cluster

FAILOVER = Path(__file__).resolve().parents[2] / "nvbench" / "scenarios" / "failover.toml"
FAST = (
    FAILOVER.read_text()
    .replace("duration_s = 8.0", "duration_s = 1.2")
    .replace("heartbeat_s = 1.0", "heartbeat_s = 0.1")
    .replace("at_s = 2.3", "at_s = 0.23")
)


def test_detection_after_the_missed_heartbeats():
    c = Cluster(name="c", heartbeat_s=1.0, missed_heartbeats=5)
    assert detection_ns(c, 2_300_000_000) == 7_000_000_000  # last heard at 2 s, then 5 missed
    assert detection_ns(c, 2_000_000_000) == 7_000_000_000
    assert detection_ns(Cluster(name="c"), 999_999_999) == 5_000_000_000  # the defaults [S42]


@pytest.mark.slow
def test_takeover_moves_every_tenant_of_the_cluster():
    s = loads(FAST)
    sr = runner.run(s)
    r = sr.result
    assert r.accounting_problems() == []
    events = {(e[1], e[2]): e for e in r.events}
    takeover = events[("takeover", "mtgw02")]
    assert takeover[0] == 700_000_000  # 0.2 s + 5 x 0.1 s
    lost: dict[int, int] = {}
    for d in r.drops:
        if d["verdict"] == "GATEWAY_FAILOVER":
            lost[d["tenant"]] = lost.get(d["tenant"], 0) + d["packets"]
    clustered = {i for i, n in enumerate(s.vm_networks) if n.gateway == "mtgw01"}
    assert set(lost) == clustered and {d["verdict"] for d in r.drops} == {"GATEWAY_FAILOVER"}
    for i in clustered:
        rate = sum(t.rate_pps for t in s.vm_networks[i].traffic)
        tunnel = s.vm_networks[i].pattern in ("s2s", "remote_access")
        down = 0.47 + (0.004 if tunnel else 0)  # 0.23 s .. 0.70 s, and IKEv2 for tunnels
        assert lost[i] == pytest.approx(rate * down, rel=0.05)
    # On the new node the tunnels need IKEv2 again: two round trips over its 1 ms uplink
    # and downlink (RFC 7296) = 4 ms without ESP; NAT and forwarding carry on at once.
    assert events[("tunnels up", "mtgw02")][0] == 704_000_000
    late = {d["tenant"] for d in r.drops if d["element"] == "mtgw02"}
    vpn = {i for i in clustered if s.vm_networks[i].pattern in ("s2s", "remote_access")}
    assert late == vpn
    standby = r.element("mtgw02")
    assert standby["delivered"] > 0  # after the takeover the passive node carries them
    assert standby["nat_sessions_created"] > 0  # NAT state was lost: sessions made anew
    rows = {row["vm_network"]: row for row in sr.rows}
    assert rows["fabrikam-mpls"]["loss"] == 0  # not in the cluster
    assert rows["contoso-s2s"]["recovery_s"] == pytest.approx(0.47)
    assert (rows["contoso-s2s"]["gateway_vms"], rows["contoso-s2s"]["gateway_hosts"]) == (2, 2)
    assert rows["fabrikam-mpls"]["recovery_s"] is None


@pytest.mark.slow
def test_a_failure_shorter_than_detection_causes_no_takeover():
    text = FAST.replace("at_s = 0.23\n", "at_s = 0.23\nfor_s = 0.2\n")
    r = runner.run(loads(text)).result
    assert [e for e in r.events if e[1] == "takeover"] == []
    assert r.accounting_problems() == []


def test_cluster_rules():
    same_host = FAILOVER.read_text().replace('name = "mtgw02"\nhost = "gwhost03"',
                                             'name = "mtgw02"\nhost = "gwhost01"')  # fmt: skip
    from nvbench.scenario.loader import ScenarioError

    with pytest.raises(ScenarioError) as e:
        loads(same_host)
    assert any("passive node sits on 'gwhost01' with the active one" in p for p in e.value.problems)
    passive_ref = FAILOVER.read_text().replace('gateway = "mtgw01"\npattern = "nat"',
                                               'gateway = "mtgw02"\npattern = "nat"')  # fmt: skip
    with pytest.raises(ScenarioError) as e:
        loads(passive_ref)
    assert any("'mtgw02' is a passive node" in p for p in e.value.problems)
