"""Analytic queueing results (FACTS.md, "Analytic queueing results the engine must reproduce")."""

from __future__ import annotations

import math

from nvbench.plan.estimate import erlang_b, erlang_c

__all__ = ["erlang_b", "erlang_c"]


def mm1(lam: float, mu: float) -> dict[str, float]:
    rho = lam / mu
    return {
        "rho": rho,
        "L": rho / (1 - rho),
        "Lq": rho**2 / (1 - rho),
        "W": 1 / (mu - lam),
        "Wq": rho / (mu - lam),
    }


def mm1_pn(lam: float, mu: float, n: int) -> float:
    rho = lam / mu
    return (1 - rho) * rho**n


def md1_wq(lam: float, mu: float) -> float:
    rho = lam / mu
    return rho / (2 * mu * (1 - rho))


def mm1k_blocking(lam: float, mu: float, k: int) -> float:
    """P_K of M/M/1/K, K counting the one in service."""
    rho = lam / mu
    if rho == 1:
        return 1 / (k + 1)
    return (1 - rho) * rho**k / (1 - rho ** (k + 1))


# Erlang B and C are nvbench.plan.estimate's (the planner uses them); tests/plan checks them
# against Erlang's direct sum and a textbook value.
def mmc_wq(lam: float, mu: float, c: int) -> float:
    return erlang_c(c, lam / mu) / (c * mu - lam)


def assert_close(name: str, estimates: list[float], truth: float, rel: float | None) -> None:
    """The 95 % confidence interval of ``estimates`` contains ``truth``, and (if ``rel``)
    their mean is within ``rel`` of it. Replications are independent, so a t interval."""
    from scipy import stats

    n = len(estimates)
    mean = sum(estimates) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in estimates) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    msg = f"{name}: {mean:.6g} +- {half:.3g} (95 %), analytic {truth:.6g}"
    assert mean - half <= truth <= mean + half, msg
    if rel is not None:
        assert abs(mean - truth) <= rel * abs(truth), msg + f", not within {rel:.0%}"
