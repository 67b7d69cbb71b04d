"""Confidence intervals over replications (nvbench.records.intervals): Student's t against
printed tables, a worked example, coverage, and how rows of replications are summarised."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nvbench.records.intervals import interval, pessimistic, summarise, t_quantile


# Two-sided 95 % quantiles of Student's t from a printed table (NIST/SEMATECH e-Handbook of
# Statistical Methods, 1.3.6.7.2, "Critical values of the Student's t distribution").
@pytest.mark.parametrize(("freedom", "table"), [(1, 12.706), (2, 4.303), (4, 2.776),
                                                (9, 2.262), (29, 2.045)])  # fmt: skip
def test_t_quantile_matches_the_printed_table(freedom, table):
    assert t_quantile(0.95, freedom) == pytest.approx(table, abs=5e-4)


def test_a_worked_interval():
    # 1..5: mean 3, s = sqrt(2.5), half-width 2.7764 * sqrt(2.5) / sqrt(5) = 1.9632
    mean, low, high = interval([1, 2, 3, 4, 5])
    assert mean == 3
    assert (low, high) == (pytest.approx(3 - 1.9632, abs=1e-4), pytest.approx(3 + 1.9632, abs=1e-4))


def test_one_value_has_no_interval_and_none_are_left_out():
    assert interval([7.0]) == (7.0, None, None)
    assert interval([None, None]) == (None, None, None)
    assert interval([None, 2.0, 4.0])[0] == 3.0  # a replication that delivered nothing
    assert interval([math.inf, 1.0]) == (1.0, None, None)


def test_equal_values_give_an_empty_width():
    assert interval([2.5] * 4) == (2.5, 2.5, 2.5)


def test_coverage_is_near_the_level():
    """Of 4,000 intervals over 5 normal draws each, about 95 % hold the true mean: the
    binomial standard deviation is 0.34 %, the band is ±1.2 % (3.5 sigma)."""
    rng = np.random.default_rng(2026)
    draws = rng.normal(10.0, 3.0, size=(4000, 5))
    hits = 0
    for row in draws:
        _, low, high = interval(row.tolist())
        hits += low <= 10.0 <= high
    assert 0.938 <= hits / 4000 <= 0.962


def test_summarise_rows_of_replications():
    runs = [
        [{"vm_network": "a", "gateway": "g1", "bottleneck": "x", "loss": 0.0, "p": 1.0},
         {"vm_network": "b", "gateway": "g1", "bottleneck": "y", "loss": 0.2, "p": None}],
        [{"vm_network": "a", "gateway": "g1", "bottleneck": "z", "loss": 0.2, "p": 3.0},
         {"vm_network": "b", "gateway": "g1", "bottleneck": "y", "loss": 0.4, "p": None}],
        [{"vm_network": "a", "gateway": "g1", "bottleneck": "z", "loss": 0.4, "p": 2.0}],
    ]  # fmt: skip
    a, b = summarise(runs, "vm_network", ("loss", "p"))
    assert a["vm_network"] == "a" and a["replications"] == 3 and b["replications"] == 2
    assert a["loss"] == pytest.approx(0.2) and a["loss_ci_low"] < 0.2 < a["loss_ci_high"]
    assert a["bottleneck"] == "z" and b["bottleneck"] == "y"  # the most frequent
    assert a["gateway"] == "g1"
    assert b["p"] is None and b["p_ci_low"] is None


def test_the_pessimistic_side_is_the_upper_end():
    assert pessimistic(1.0, 1.5) == 1.5
    assert pessimistic(1.0, None) == 1.0
