"""``nvbench report DIR``: a run, sweep or plan directory as report.html and PNG plots."""

from nvbench.report.page import ReportError, write

__all__ = ["ReportError", "write"]
