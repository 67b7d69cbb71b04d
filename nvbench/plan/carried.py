"""How many tenants like a pattern's typical one G gateway VMs carry within the SLO: the one
computation behind the plan's "max tenants" and its capacity frontier.

The tenants are copies of the typical VM network (:mod:`nvbench.plan.copies`) dealt to G
gateway VMs by the same placement the plan's other layouts use (``search.layout``), so each
layout judged is one the scenario checks accept: at most MaxVMNetworksSupported = 100 VM
networks a gateway [S16], gateway VMs packed on gateway hosts as the scenario's own host
fits them. More tenants never help, so the answer is found by searching for the largest
count the judge accepts: by the estimate first, then by simulation starting from it.
"""

from __future__ import annotations

from collections.abc import Callable

Ok = Callable[[int], bool]


def largest(high: int, ok: Ok, start: int | None = None) -> int:
    """The largest count in 1..``high`` that ``ok`` accepts (0: none), ``ok`` accepting
    every count below one it accepts. From ``start`` (a good guess) it steps outwards by
    doubling, then bisects: a guess that is right costs two evaluations."""
    good, bad = 0, high + 1  # ok(good) holds (0: vacuously), ok(bad) does not
    if start is not None and 1 <= start <= high:
        step = 1
        if ok(start):
            good = start
            while good + step <= high and ok(good + step):
                good, step = good + step, step * 2
            bad = min(bad, good + step)
        else:
            bad = start
            while bad - step >= 1 and not ok(bad - step):
                bad, step = bad - step, step * 2
            good = max(good, bad - step) if bad - step >= 1 else 0
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if ok(mid) else (good, mid)
    return good
