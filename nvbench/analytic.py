"""Queueing formulas for the capacity estimate (FACTS.md, "Analytic queueing results").

All rates are per second, times in seconds. ``a = λ/μ`` is the offered load in Erlangs.
These are the planner's first guess; the simulator then confirms and refines it.
"""

from __future__ import annotations

import math


def erlang_b(c: int, a: float) -> float:
    """Blocking of M/M/c/c, by the stable recursion B(k) = a·B(k−1)/(k + a·B(k−1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c: C = c·B/(c − a(1−B)); 1 if a >= c."""
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def wait_quantile(c: int, lam: float, mu: float, q: float) -> float:
    """The q-quantile of the M/M/c waiting time: P(W > t) = C·e^{−(cμ−λ)t}; inf if unstable."""
    if lam >= c * mu:
        return math.inf
    tail = erlang_c(c, lam / mu)
    if tail <= 1 - q:
        return 0.0
    return math.log(tail / (1 - q)) / (c * mu - lam)


def mmck_blocking(c: int, a: float, k: int) -> float:
    """Blocking of M/M/c/K (K places in all, c of them servers): P_K.

    P_n is a^n/n! up to c and a^c/c!·(a/c)^(n−c) beyond; summed in logarithms, since
    a^K overflows for the thousands of places a gateway VM has.
    """
    if a <= 0:
        return 0.0
    logs = []
    for n in range(k + 1):
        if n <= c:
            logs.append(n * math.log(a) - math.lgamma(n + 1))
        else:
            logs.append(c * math.log(a) - math.lgamma(c + 1) + (n - c) * math.log(a / c))
    top = max(logs)
    total = sum(math.exp(x - top) for x in logs)
    return math.exp(logs[-1] - top) / total
