"""A run's figures that must not depend on the time quantum: per tenant (offered,
delivered, dropped, in flight, latency quantiles), drops by element, tenant and reason,
and the packets each element originated and absorbed."""

from __future__ import annotations

from typing import Any

from nvbench import runner
from nvbench.scenario.schema import Scenario

QUANTA_MS = (0.1, 1.0, 10.0, 50.0)
TENANT_KEYS = ("offered", "delivered", "dropped", "in_flight", "latency_p50_ns",
               "latency_p99_ns", "latency_max_ns")  # fmt: skip


def figures(s: Scenario, quantum_ms: float, duration_s: float) -> dict[str, Any]:
    """The figures of ``s`` run for ``duration_s`` at ``quantum_ms``."""
    runs = s.run.model_copy(update={"quantum_ms": quantum_ms})
    r = runner.run(s.model_copy(update={"run": runs}), duration_s=duration_s).result
    assert r.accounting_problems() == []
    tenants = {t["tenant"]: tuple(t[k] for k in TENANT_KEYS) for t in r.tenants}
    drops = {(d["element"], d["tenant"], d["verdict"]): d["packets"] for d in r.drops}
    # Packets elements made (pieces, ICMP errors) and took in (joined, a host's stack).
    books = {e["name"]: (e["originated"], e["absorbed"]) for e in r.elements
             if e["originated"] or e["absorbed"]}  # fmt: skip
    return {"tenants": tenants, "drops": drops, "books": books}


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """What differs between two :func:`figures` (empty: nothing)."""
    out = []
    for part in ("tenants", "drops", "books"):
        for key in sorted(set(a[part]) | set(b[part]), key=str):
            x, y = a[part].get(key), b[part].get(key)
            if x != y:
                out.append(f"{part} {key}: {x} != {y}")
    return out
