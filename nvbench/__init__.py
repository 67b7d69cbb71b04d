"""nvbench: a discrete-event performance testbed for HNV (NVGRE) tenant networks.

The Python API (docs/api.md): :func:`load_scenario`, :func:`run` (replications, tables as
pyarrow or pandas) and :func:`simulate` (a topology built in code).
"""

from typing import Any

from nvbench.version import __version__

__all__ = ["Results", "ScenarioError", "__version__", "load_scenario", "run", "simulate"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `nvbench --version` and the CLI's parser do not load numba.
    if name in ("Results", "ScenarioError", "load_scenario", "run", "simulate"):
        from nvbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'nvbench' has no attribute {name!r}")
