"""Capacity planning: the smallest gateway fleet that meets an SLO, and what a fleet carries.

- :mod:`~nvbench.plan.slo`: the objective (``--slo``);
- :mod:`~nvbench.plan.estimate`: the analytic estimate (queueing formulas, cost model);
- :mod:`~nvbench.plan.search`: the questions, answered by estimate then by simulation;
- :mod:`~nvbench.plan.output`: the table and the Parquet files.
"""

from nvbench.plan.output import COLUMNS, table, write
from nvbench.plan.search import Answer, Plan, Planner, Point, candidates, plan, simulator
from nvbench.plan.slo import Slo, SloError, parse_slo

__all__ = ["COLUMNS", "Answer", "Plan", "Planner", "Point", "Slo", "SloError", "candidates",
           "parse_slo", "plan", "simulator", "table", "write"]  # fmt: skip
